package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/citebot/citebot/rag/loader"
)

// gitPrefix marks a repository URL on the command line: git+https://...
const gitPrefix = "git+"

// gitExts are the files of a repository that are ingested.
var gitExts = map[string]bool{".md": true, ".markdown": true, ".mdx": true, ".txt": true, ".text": true,
	".html": true, ".htm": true}

// repo is a git repository read with the git command line: a local one
// in place, a remote one as a mirror clone under the cache folder.
type repo struct {
	dir    string
	remote string // "" for a local repository
	git    gitRunner
}

// gitRunner runs git; protocols lists the transports it may use.
type gitRunner struct {
	protocols []string
}

// run runs git with args in dir and returns its standard output.
func (g gitRunner) run(ctx context.Context, dir string, args ...string) ([]byte, error) {
	full := []string{"-c", "protocol.allow=never"}
	for _, p := range g.protocols {
		full = append(full, "-c", "protocol."+p+".allow=always")
	}
	if dir != "" {
		full = append(full, "-C", dir)
	}
	cmd := exec.CommandContext(ctx, "git", append(full, args...)...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=true", "GIT_CONFIG_NOSYSTEM=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 300 {
			msg = msg[:300]
		}
		return nil, fmt.Errorf("git %s: %w: %s", args[0], err, msg)
	}
	return out, nil
}

// openRepo prepares the repository at location: a git+http(s) URL is
// cloned, or fetched when its mirror exists, under cacheDir; anything else
// is a local repository path.
func openRepo(ctx context.Context, location, cacheDir string, g gitRunner, allowPrivate bool) (*repo, error) {
	if !strings.HasPrefix(location, gitPrefix) {
		if _, err := g.run(ctx, location, "rev-parse", "--git-dir"); err != nil {
			return nil, fmt.Errorf("%s is not a git repository: %w", location, err)
		}
		return &repo{dir: location, git: g}, nil
	}
	remote := strings.TrimPrefix(location, gitPrefix)
	if err := checkRemote(ctx, remote, allowPrivate); err != nil {
		return nil, err
	}
	dir := filepath.Join(cacheDir, fmt.Sprintf("%x", sha256.Sum256([]byte(remote)))[:16])
	r := &repo{dir: dir, remote: remote, git: g}
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err == nil {
		_, err := g.run(ctx, dir, "fetch", "--quiet", "--prune", "origin")
		return r, err
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("git cache: %w", err)
	}
	tmp, err := os.MkdirTemp(cacheDir, "clone-")
	if err != nil {
		return nil, fmt.Errorf("git cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	if _, err := g.run(ctx, "", "clone", "--quiet", "--mirror", "--", remote, tmp); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, fmt.Errorf("git cache: %w", err)
	}
	return r, nil
}

// checkRemote refuses a remote whose host resolves to a non-public
// address, unless allowed. git makes its own connections, so this is
// checked once before it runs.
func checkRemote(ctx context.Context, remote string, allowPrivate bool) error {
	u, err := url.Parse(remote)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "file") {
		return fmt.Errorf("repository %s: want git+https://", remote)
	}
	if allowPrivate || u.Scheme == "file" {
		return nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", u.Hostname())
	if err != nil {
		return fmt.Errorf("repository %s: %w", u.Host, err)
	}
	for _, a := range addrs {
		if !loader.PublicAddr(a) {
			return fmt.Errorf("repository %s at %s: %w", u.Host, a, loader.ErrForbiddenAddress)
		}
	}
	return nil
}

// head returns the commit HEAD names.
func (r *repo) head(ctx context.Context) (string, error) {
	out, err := r.git.run(ctx, r.dir, "rev-parse", "--verify", "HEAD^{commit}")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// hasCommit reports whether the repository still holds commit.
func (r *repo) hasCommit(ctx context.Context, commit string) bool {
	_, err := r.git.run(ctx, r.dir, "cat-file", "-e", commit+"^{commit}")
	return err == nil
}

// files lists the ingestible files at commit with their sizes, skipping
// hidden files and folders.
func (r *repo) files(ctx context.Context, commit string) (map[string]int64, error) {
	out, err := r.git.run(ctx, r.dir, "ls-tree", "-r", "-l", "-z", commit)
	if err != nil {
		return nil, err
	}
	files := map[string]int64{}
	for _, rec := range strings.Split(string(out), "\x00") {
		meta, name, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 4 || f[1] != "blob" || !ingestible(name) {
			continue
		}
		size, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil {
			continue
		}
		files[name] = size
	}
	return files, nil
}

func ingestible(name string) bool {
	for _, seg := range strings.Split(name, "/") {
		if strings.HasPrefix(seg, ".") || seg == "node_modules" {
			return false
		}
	}
	return gitExts[strings.ToLower(path.Ext(name))]
}

// changed lists the paths that differ between two commits.
func (r *repo) changed(ctx context.Context, from, to string) ([]string, error) {
	out, err := r.git.run(ctx, r.dir, "diff", "--name-only", "--no-renames", "-z", from, to, "--")
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, p := range strings.Split(string(out), "\x00") {
		if p != "" {
			paths = append(paths, p)
		}
	}
	return paths, nil
}

// read returns the content of name at commit.
func (r *repo) read(ctx context.Context, commit, name string) ([]byte, error) {
	return r.git.run(ctx, r.dir, "cat-file", "blob", commit+":"+name)
}

// link is where a citation of name at commit points: the file's page on
// a GitHub- or GitLab-like host, or the local path and the commit.
func (r *repo) link(commit, name string) string {
	if r.remote == "" {
		return filepath.Join(r.dir, filepath.FromSlash(name)) + "@" + commit[:min(12, len(commit))]
	}
	base := strings.TrimSuffix(strings.TrimSuffix(r.remote, "/"), ".git")
	if u, err := url.Parse(base); err == nil {
		u.User = nil // never show credentials in a citation
		base = u.String()
	}
	segs := strings.Split(name, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return base + "/blob/" + commit + "/" + strings.Join(segs, "/")
}
