package source_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/rag/source"
	"github.com/citebot/citebot/rag/store"
)

// gitRepo is a repository the test commits to.
type gitRepo struct {
	t   *testing.T
	dir string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	g := &gitRepo{t: t, dir: t.TempDir()}
	g.git("init", "--quiet", "--initial-branch=main")
	return g
}

func (g *gitRepo) git(args ...string) string {
	g.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", g.dir, "-c", "user.name=Test", "-c", "user.email=test@example.com"}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		g.t.Fatalf("git %v: %v: %s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit writes files (an empty content removes one) and commits them.
func (g *gitRepo) commit(files map[string]string) string {
	g.t.Helper()
	for name, content := range files {
		p := filepath.Join(g.dir, filepath.FromSlash(name))
		if content == "" {
			g.git("rm", "--quiet", name)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			g.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			g.t.Fatal(err)
		}
		g.git("add", name)
	}
	g.git("commit", "--quiet", "-m", "change")
	return g.git("rev-parse", "HEAD")
}

var firstCommit = map[string]string{
	"README.md":          "# Readme\n\nVisitors park in the north lot.\n",
	"docs/expenses.txt":  "Receipts are due within thirty days.\n",
	"docs/lunch.md":      "# Lunch\n\nLunch is served at noon.\n",
	"main.go":            "package main\n",
	".github/notes.md":   "# Hidden\n\nNot ingested.\n",
	"docs/image.pdf.txt": "A text file despite its name.\n",
}

func TestGitLocalRepository(t *testing.T) {
	repo := newGitRepo(t)
	c1 := repo.commit(firstCommit)
	r, s := newRunner(t, source.Config{})
	ctx := t.Context()
	spec := source.Spec{Kind: store.SourceKindGit, Location: repo.dir}
	sum, err := r.Add(ctx, "git", []source.Spec{spec}, nil)
	if err != nil {
		t.Fatal(err)
	}
	link := func(commit, name string) string { return filepath.Join(repo.dir, name) + "@" + commit[:12] }
	t.Run("first sync ingests Markdown and text files at the commit", func(t *testing.T) {
		want := []string{link(c1, "README.md"), link(c1, "docs/expenses.txt"), link(c1, "docs/image.pdf.txt"), link(c1, "docs/lunch.md")}
		if diff := cmp.Diff(want, documents(t, s, "git")); diff != "" {
			t.Errorf("documents (-want +got):\n%s", diff)
		}
		if got := countsOf(sum); got != (counts{Added: 4}) {
			t.Errorf("summary = %+v", got)
		}
	})
	t.Run("a sync without new commits changes nothing", func(t *testing.T) {
		sum, err := r.Sync(ctx, "git", nil)
		if err != nil || countsOf(sum) != (counts{Unchanged: 4}) {
			t.Errorf("sync = %+v, %v", countsOf(sum), err)
		}
	})
	c2 := repo.commit(map[string]string{
		"docs/lunch.md":      "# Lunch\n\nLunch is served at one o'clock.\n",
		"docs/expenses.txt":  "",
		"docs/holidays.html": "<html><head><title>Holidays</title></head><body><p>The office closes in August.</p></body></html>",
	})
	t.Run("a sync after commits ingests only what changed", func(t *testing.T) {
		sum, err := r.Sync(ctx, "git", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := countsOf(sum); got != (counts{Added: 1, Changed: 1, Removed: 1, Unchanged: 2}) {
			t.Errorf("summary = %+v", got)
		}
		want := []string{link(c1, "README.md"), link(c2, "docs/holidays.html"), link(c1, "docs/image.pdf.txt"), link(c2, "docs/lunch.md")}
		if diff := cmp.Diff(want, documents(t, s, "git")); diff != "" {
			t.Errorf("documents (-want +got):\n%s", diff)
		}
	})
}

func TestGitRemoteRepository(t *testing.T) {
	repo := newGitRepo(t)
	c1 := repo.commit(firstCommit)
	r, s := newRunner(t, source.Config{GitProtocols: []string{"file"}})
	ctx := t.Context()
	remote := "file://" + filepath.ToSlash(repo.dir) + ".git"
	if err := os.Symlink(repo.dir, repo.dir+".git"); err != nil {
		t.Fatal(err)
	}
	spec := source.Spec{Kind: store.SourceKindGit, Location: "git+" + remote}
	if _, err := r.Add(ctx, "remote", []source.Spec{spec}, nil); err != nil {
		t.Fatal(err)
	}
	base := "file://" + filepath.ToSlash(repo.dir)
	t.Run("files link to their page at the commit", func(t *testing.T) {
		docs := documents(t, s, "remote")
		if len(docs) != 4 || docs[0] != base+"/blob/"+c1+"/README.md" {
			t.Errorf("documents = %v", docs)
		}
	})
	c2 := repo.commit(map[string]string{"README.md": "# Readme\n\nVisitors park in the south garage.\n"})
	t.Run("a sync fetches the mirror and re-ingests the changed file", func(t *testing.T) {
		sum, err := r.Sync(ctx, "remote", nil)
		if err != nil || countsOf(sum) != (counts{Changed: 1, Unchanged: 3}) {
			t.Fatalf("sync = %+v, %v (%+v)", countsOf(sum), err, sum.Sources)
		}
		if docs := documents(t, s, "remote"); !slices.Contains(docs, base+"/blob/"+c2+"/README.md") || len(docs) != 4 {
			t.Errorf("documents = %v", docs)
		}
	})
}

func TestGitRemoteRefusesOtherProtocols(t *testing.T) {
	repo := newGitRepo(t)
	repo.commit(firstCommit)
	r, _ := newRunner(t, source.Config{})
	spec := source.Spec{Kind: store.SourceKindGit, Location: "git+file://" + filepath.ToSlash(repo.dir)}
	sum, err := r.Add(t.Context(), "refused", []source.Spec{spec}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 1 || sum.Added != 0 {
		t.Errorf("summary = %+v, want the file:// clone refused", sum.Sources)
	}
}

func TestGitCredentialsNeverShown(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	r, _ := newRunner(t, source.Config{})
	spec := source.Spec{Kind: store.SourceKindGit, Location: "git+https://someone:s3cret-token@127.0.0.1:1/team/handbook.git"}
	sum, err := r.Add(t.Context(), "creds", []source.Spec{spec}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := sum.Sources[0]
	if res.Failed != 1 || res.Location != "git+https://127.0.0.1:1/team/handbook.git" {
		t.Errorf("result = %+v, want one failure at the location without user info", res)
	}
	for _, f := range res.Failures {
		if strings.Contains(f.Source+f.Err, "s3cret") {
			t.Errorf("failure shows the token: %+v", f)
		}
	}
}
