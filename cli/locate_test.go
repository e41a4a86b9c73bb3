package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/citebot/citebot/rag"
)

// TestLocateLines checks that a passage's offsets into the loaded text map
// to the lines of the file, though the loader drops blank lines, front
// matter and Markdown markers.
func TestLocateLines(t *testing.T) {
	tests := []struct {
		file, passage string
		start, end    int
	}{
		{"testdata/locate/notes.txt", "Opening hours", 3, 3},
		{"testdata/locate/notes.txt", "The office opens at eight.\nIt closes at six.", 5, 6},
		{"testdata/locate/notes.txt", "Visitors park behind the building.", 12, 12},
		{"testdata/locate/notes.txt", "It closes at six.\n\nParking", 6, 10},
		{"testdata/locate/guide.md", "Setup", 6, 6},
		{"testdata/locate/guide.md", "Install the tool.\nRun it once.", 8, 9},
		{"testdata/locate/guide.md", "Ask it things.", 16, 16},
		{"testdata/locate/guide.md", "not in the file", 0, 0},
	}
	l := &locator{files: map[string]*sourceFile{}}
	for _, tc := range tests {
		t.Run(tc.file+" "+tc.passage, func(t *testing.T) {
			abs := absPath(t, tc.file)
			f := l.file(t.Context(), abs)
			if f == nil {
				t.Fatalf("%s was not loaded", tc.file)
			}
			p := rag.Passage{Source: abs, Text: tc.passage, Start: 0, End: 0}
			if i := strings.Index(f.doc.Text, tc.passage); i >= 0 {
				p.Start, p.End = i, i+len(tc.passage)
			}
			if s, e := f.span(p); s != tc.start || e != tc.end {
				t.Errorf("span = %d–%d, want %d–%d\ntext:\n%s", s, e, tc.start, tc.end, f.doc.Text)
			}
		})
	}
	t.Run("a file that changed since ingestion gives no lines", func(t *testing.T) {
		f := l.file(t.Context(), absPath(t, "testdata/locate/notes.txt"))
		p := rag.Passage{Text: "Something else entirely.", Start: 0, End: 13}
		if s, e := f.span(p); s != 0 || e != 0 {
			t.Errorf("span = %d–%d, want none", s, e)
		}
	})
}

func TestRelativeSource(t *testing.T) {
	tests := []struct{ root, source, want string }{
		{"/srv/docs", "/srv/docs/a/b.md", "a/b.md"},
		{"/srv/docs", "/srv/other/b.md", "/srv/other/b.md"},
		{"", "/srv/docs/b.md", "/srv/docs/b.md"},
		{"/srv/docs", "https://example.com/x", "https://example.com/x"},
		{"/srv/docs", "upload:notes.txt", "upload:notes.txt"},
	}
	for _, tc := range tests {
		if got := relativeSource(tc.root, tc.source); got != tc.want {
			t.Errorf("relativeSource(%q, %q) = %q, want %q", tc.root, tc.source, got, tc.want)
		}
	}
}

func absPath(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
