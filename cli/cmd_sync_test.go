package cli_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citebot/citebot/cli"
)

func TestIngestSourceFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"crawl takes URLs", []string{"ingest", "--crawl", "docs/"}, "--crawl takes http(s) URLs"},
		{"git takes paths", []string{"ingest", "--git", "https://example.com/r.git"}, "git+https://example.com/r.git"},
		{"repository URLs are https", []string{"ingest", "git+ssh://example.com/r.git"}, "git+https://"},
		{"negative depth", []string{"ingest", "--crawl", "--depth", "-1", "https://example.com/"}, "--depth"},
		{"no pages", []string{"ingest", "--crawl", "--max-pages", "0", "https://example.com/"}, "--max-pages"},
		{"sync takes no arguments", []string{"sync", "docs/"}, "no arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := citebot(t, map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1:1/x"}, tc.args...)
			var ue *cli.UsageError
			if !errors.As(r.err, &ue) || !strings.Contains(r.err.Error(), tc.want) {
				t.Errorf("err = %v, want a usage error naming %q", r.err, tc.want)
			}
		})
	}
}

func TestIngestCrawlGitAndSync(t *testing.T) {
	env := e2eEnv(t)
	env["CITEBOT_ALLOW_PRIVATE_URLS"] = "true"
	env["CITEBOT_CRAWL_DELAY"] = "0s"
	env["CITEBOT_GIT_CACHE"] = t.TempDir()
	pages := map[string]string{
		"/help/":        `<html><head><title>Help</title></head><body><p>Start here.</p><a href="parking">Parking</a></body></html>`,
		"/help/parking": `<html><head><title>Parking</title></head><body><p>Visitors park in the north lot.</p><a href="/help/">Back</a></body></html>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
		if r.Header.Get("If-Modified-Since") != "" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	repo := t.TempDir()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	if err := os.WriteFile(filepath.Join(repo, "lunch.md"), []byte("# Lunch\n\nLunch is served at noon.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"init", "--quiet"}, {"add", "lunch.md"}, {"-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "one"}} {
		if out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v: %s", args, err, out)
		}
	}

	r := citebot(t, env, "ingest", "--collection", "web", "--crawl", srv.URL+"/help/")
	if r.err != nil || !strings.Contains(r.stdout, "2 added") {
		t.Fatalf("ingest --crawl: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	r = citebot(t, env, "ingest", "--collection", "web", "--git", repo)
	if r.err != nil || !strings.Contains(r.stdout, "1 added") {
		t.Fatalf("ingest --git: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	r = citebot(t, env, "sync", "--collection", "web")
	if r.err != nil || !strings.Contains(r.stdout, "2 source(s): 0 added, 0 changed, 3 unchanged, 0 removed, 0 failed") {
		t.Fatalf("sync: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "sync 2/2") {
		t.Errorf("no progress lines:\n%s", r.stderr)
	}
	r = citebot(t, env, "ask", "--collection", "web", "Where do visitors park?")
	if r.err != nil || !strings.Contains(r.stdout, "north lot") {
		t.Errorf("ask: %v\n%s", r.err, r.stdout)
	}
}
