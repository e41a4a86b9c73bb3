package cli_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/cli"
)

// copyCorpus copies the ingest fixture corpus to a temporary folder.
func copyCorpus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := "../rag/ingest/testdata/corpus"
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func sourcesOf(t *testing.T, env map[string]string, collection string) []string {
	t.Helper()
	r := citebot(t, env, "documents", "--collection", collection, "--json")
	if r.err != nil {
		t.Fatalf("documents: %v\n%s", r.err, r.stderr)
	}
	var docs []struct {
		Source string `json:"source"`
		Title  string `json:"title"`
		Chunks int    `json:"chunks"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &docs); err != nil {
		t.Fatalf("documents --json: %v\n%s", err, r.stdout)
	}
	var out []string
	for _, d := range docs {
		if d.Title == "" || d.Chunks < 1 {
			t.Errorf("document %+v lacks a title or chunks", d)
		}
		out = append(out, filepath.Base(d.Source))
	}
	return out
}

// TestLibraryCommands covers collections, documents, forget, the error for
// a collection that does not exist and ingest --exact.
func TestLibraryCommands(t *testing.T) {
	env := e2eEnv(t)
	dir := copyCorpus(t)
	other := filepath.Join(t.TempDir(), "tides.md")
	os.WriteFile(other, []byte("# Tides\n\nHigh tide at the harbour is at noon.\n"), 0o644)
	for _, args := range [][]string{{"--collection", "lib", dir}, {"--collection", "tides", other}} {
		if r := citebot(t, env, append([]string{"ingest"}, args...)...); r.err != nil {
			t.Fatalf("ingest %v: %v\n%s", args, r.err, r.stderr)
		}
	}

	t.Run("collections", func(t *testing.T) {
		r := citebot(t, env, "collections", "--json")
		var cs []struct {
			Name      string `json:"name"`
			Documents int    `json:"documents"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &cs); r.err != nil || err != nil {
			t.Fatalf("collections --json: %v %v\n%s", r.err, err, r.stdout)
		}
		want := []struct {
			Name      string `json:"name"`
			Documents int    `json:"documents"`
		}{{"lib", 3}, {"tides", 1}}
		if diff := cmp.Diff(want, cs); diff != "" {
			t.Errorf("collections (-want +got):\n%s", diff)
		}
		if r := citebot(t, env, "collections"); r.err != nil || !strings.Contains(r.stdout, "tides") {
			t.Errorf("collections: %v\n%s", r.err, r.stdout)
		}
	})
	t.Run("documents are listed relative to the collection's root", func(t *testing.T) {
		if diff := cmp.Diff([]string{"faq.txt", "oncall.html", "handbook.md"}, sourcesOf(t, env, "lib")); diff != "" {
			t.Errorf("documents by title (-want +got):\n%s", diff)
		}
		r := citebot(t, env, "documents", "--collection", "lib")
		if r.err != nil || !strings.Contains(r.stdout, "\nhandbook.md ") || strings.Contains(r.stdout, dir+"/") {
			t.Errorf("documents: %v\n%s", r.err, r.stdout)
		}
	})

	missing := []struct {
		name string
		args []string
	}{
		{"ask", []string{"ask", "--collection", "lbi", "How quickly must the on-call engineer answer a page?"}},
		{"search", []string{"search", "--collection", "lbi", "on-call"}},
		{"chat", []string{"chat", "--collection", "lbi"}},
		{"documents", []string{"documents", "--collection", "lbi"}},
		{"forget", []string{"forget", "--collection", "lbi", "faq.txt"}},
	}
	for _, tc := range missing {
		t.Run(tc.name+" on a collection that does not exist", func(t *testing.T) {
			r := citebot(t, env, tc.args...)
			var ue *cli.UsageError
			if r.err == nil || errors.As(r.err, &ue) {
				t.Fatalf("err = %v, want a plain error (exit 1)\n%s", r.err, r.stdout)
			}
			for _, want := range []string{`"lbi" does not exist`, `"lib"`, `"tides"`} {
				if !strings.Contains(r.err.Error(), want) {
					t.Errorf("error %q lacks %q", r.err, want)
				}
			}
		})
	}

	t.Run("forget", func(t *testing.T) {
		r := citebot(t, env, "forget", "--collection", "lib", "--json", "faq.txt", filepath.Join(dir, "oncall.html"), "nothere.md")
		if r.err == nil || !strings.Contains(r.err.Error(), "nothere.md") {
			t.Errorf("forget of a missing document: err = %v", r.err)
		}
		var res struct {
			Forgotten []string `json:"forgotten"`
			Missing   []string `json:"missing"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatalf("forget --json: %v\n%s", err, r.stdout)
		}
		want := []string{filepath.Join(dir, "faq.txt"), filepath.Join(dir, "oncall.html")}
		if diff := cmp.Diff(want, res.Forgotten); diff != "" || !cmp.Equal(res.Missing, []string{"nothere.md"}) {
			t.Errorf("forgotten (-want +got):\n%s\nmissing %v", diff, res.Missing)
		}
		if diff := cmp.Diff([]string{"handbook.md"}, sourcesOf(t, env, "lib")); diff != "" {
			t.Errorf("after forget (-want +got):\n%s", diff)
		}
	})

	t.Run("ingest --exact", func(t *testing.T) {
		r := citebot(t, env, "ingest", "--collection", "tides", "--exact", filepath.Join(dir, "typo"))
		var ue *cli.UsageError
		if !errors.As(r.err, &ue) || !strings.Contains(r.err.Error(), "typo") {
			t.Errorf("--exact with a missing path: err = %v", r.err)
		}
		if diff := cmp.Diff([]string{"tides.md"}, sourcesOf(t, env, "tides")); diff != "" {
			t.Errorf("a refused --exact changed the collection (-want +got):\n%s", diff)
		}
		page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html><head><title>Ferries</title></head><body><p>The ferry leaves at nine.</p></body></html>")
		}))
		defer page.Close()
		r = citebot(t, env, "ingest", "--collection", "tides", "--allow-private-urls", "--exact", dir, page.URL+"/ferries")
		if r.err != nil || !strings.Contains(r.stdout, "1 removed") {
			t.Errorf("--exact: %v\n%s", r.err, r.stdout)
		}
		if diff := cmp.Diff([]string{"faq.txt", "ferries", "oncall.html", "handbook.md"}, sourcesOf(t, env, "tides")); diff != "" {
			t.Errorf("after --exact (-want +got):\n%s", diff)
		}
		r = citebot(t, env, "ingest", "--collection", "tides", "--exact", dir)
		if r.err != nil || !strings.Contains(r.stdout, "1 removed") || !strings.Contains(r.stdout, "no longer synced: "+page.URL) {
			t.Errorf("--exact without the URL: %v\n%s", r.err, r.stdout)
		}
		if diff := cmp.Diff([]string{"faq.txt", "oncall.html", "handbook.md"}, sourcesOf(t, env, "tides")); diff != "" {
			t.Errorf("after --exact without the URL (-want +got):\n%s", diff)
		}
	})
}

// TestPrivateURLRefusalNamesTheFlag: a refused private URL says which
// setting allows it.
func TestPrivateURLRefusalNamesTheFlag(t *testing.T) {
	env := e2eEnv(t)
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<html><body><p>Internal page.</p></body></html>")
	}))
	defer page.Close()
	r := citebot(t, env, "ingest", "--collection", "private", page.URL+"/internal")
	if r.err == nil || !strings.Contains(r.stdout, "--allow-private-urls") {
		t.Errorf("ingest of a loopback URL: %v\n%s", r.err, r.stdout)
	}
}
