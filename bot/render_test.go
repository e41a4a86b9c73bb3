package bot

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/citebot/citebot/rag"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func passage(n int) rag.Passage {
	p := rag.Passage{ChunkID: int64(100 + n), Title: fmt.Sprintf("Guide %d", n), Text: "Passage text number " + fmt.Sprint(n) + "."}
	switch n % 3 {
	case 0:
		p.Source, p.HeadingPath = "https://docs.example.com/guide/"+fmt.Sprint(n), []string{"Setup", "Linux"}
	case 1:
		p.Source, p.Page = "manuals/guide.pdf", 12
	default:
		p.Source, p.Title = "notes/plain_[v2].md", ""
	}
	return p
}

func TestRenderGolden(t *testing.T) {
	var sources []rag.Source
	for n := 1; n <= 3; n++ {
		sources = append(sources, rag.Source{N: n, Passage: passage(n)})
	}
	tests := []struct {
		name string
		got  any
	}{
		{"answer", renderAnswer(&rag.Answer{Text: "Install with `make` [1]. See the manual [2][3].", Sources: sources}, "123")},
		{"refusal", renderAnswer(&rag.Answer{Refused: true, Nearest: []rag.Passage{passage(1), passage(3)}}, "123")},
		{"long_answer", renderAnswer(&rag.Answer{Text: strings.Repeat("A sentence with a citation [1]. ", 190), Sources: sources[:1]}, "9")},
		{"sources_view", renderSourcesView(sources)},
		{"documents", renderDocuments([]rag.DocumentInfo{{Title: "Guide", Source: "https://x.example/g", Chunks: 3, IngestedAt: time.Unix(0, 0)},
			{Title: "Crawled", Source: "https://x.example/c", Chunks: 1, SyncedAt: time.Unix(1700000000, 0)}}, 10, 12, 10)},
		{"summary", renderSummary("Re-sync", IngestSummary{Added: 1, Updated: 2, Failed: 1, Chunks: 30, Errors: []string{"docs/a.pdf: not a PDF"}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGolden(t, tt.name, tt.got)
		})
	}
}

func TestRenderedWithinLimits(t *testing.T) {
	var sources []rag.Source
	for n := 1; n <= 60; n++ {
		p := passage(n)
		p.Title, p.Text = strings.Repeat("T", 300), strings.Repeat("word ", 500)
		sources = append(sources, rag.Source{N: n, Passage: p})
	}
	rs := renderAnswer(&rag.Answer{Text: strings.Repeat("x [1]. ", 3000), Sources: sources}, "k")
	rs = append(rs, renderSourcesView(sources))
	for i, r := range rs {
		if n := utf8.RuneCountInString(r.Content); n > MaxContent {
			t.Errorf("message %d content %d runes", i, n)
		}
		total := 0
		for _, e := range r.Embeds {
			total += utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
			if utf8.RuneCountInString(e.Description) > MaxEmbedDescription || len(e.Fields) > MaxEmbedFields {
				t.Errorf("message %d embed over limits", i)
			}
			for _, f := range e.Fields {
				total += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
				if utf8.RuneCountInString(f.Value) > MaxFieldValue || utf8.RuneCountInString(f.Name) > 256 {
					t.Errorf("message %d field over limits", i)
				}
			}
		}
		if total > MaxEmbedTotal {
			t.Errorf("message %d embeds total %d", i, total)
		}
	}
}

func TestRenderInertDocumentMarkdown(t *testing.T) {
	const spoof = "[https://intranet.corp/payroll](https://evil.example/x)"
	src := rag.Passage{Title: "Payroll", Source: "https://wiki.example/payroll", Text: "# Notice\nSee " + spoof + " now."}
	tests := []struct {
		name string
		text string
	}{
		{"masked link in an answer", "Pay is listed at " + spoof + " [1]."},
		{"masked link with an angle-bracket address", "See [the portal](<https://evil.example/x>) [1]."},
		{"heading from a document", "# Urgent\n-# small print [1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := renderAnswer(&rag.Answer{Text: tt.text, Sources: []rag.Source{{N: 1, Passage: src}}}, "")
			var all strings.Builder
			for _, m := range msgs {
				all.WriteString(m.Content)
				for _, e := range m.Embeds {
					all.WriteString(e.Description)
				}
			}
			got := all.String()
			if strings.Contains(got, "](") {
				t.Errorf("a masked link survives: %q", got)
			}
			if strings.Contains(tt.text, "evil.example") && !strings.Contains(got, "<https://evil.example/x>") {
				t.Errorf("the real address is not shown plainly: %q", got)
			}
			for _, line := range strings.Split(got, "\n") {
				if strings.HasPrefix(line, "# ") || strings.HasPrefix(line, "-# ") {
					t.Errorf("heading survives: %q", line)
				}
			}
			if !strings.Contains(got, "Payroll <https://wiki.example/payroll>") {
				t.Errorf("source is not its own plain <url>: %q", got)
			}
		})
	}
	view := renderSourcesView([]rag.Source{{N: 1, Passage: src}})
	if v := view.Embeds[0].Fields[0].Value; strings.Contains(v, "](") || strings.Contains(v, "\n> # ") {
		t.Errorf("sources view renders the document's Markdown: %q", v)
	}
}

// checkGolden compares v, as indented JSON, with testdata/NAME.golden;
// -update rewrites the file.
func checkGolden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)+"\n"); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}
