package answer

import (
	"testing"

	"github.com/citebot/citebot/rag"
)

func TestSourceLine(t *testing.T) {
	tests := []struct {
		name string
		p    rag.Passage
		want string
	}{
		{"plain text with lines", rag.Passage{Title: "faq", Source: "notes/faq.txt", StartLine: 12, EndLine: 18},
			"faq — lines 12–18 — notes/faq.txt"},
		{"one line", rag.Passage{Title: "faq", Source: "faq.txt", StartLine: 3, EndLine: 3}, "faq — line 3 — faq.txt"},
		{"the H1 that is the title is not repeated", rag.Passage{Title: "Team handbook", Source: "handbook.md",
			HeadingPath: []string{"Team handbook", "Travel", "Expenses"}, StartLine: 14, EndLine: 17},
			"Team handbook — Travel › Expenses / lines 14–17 — handbook.md"},
		{"only the title heading", rag.Passage{Title: "Guide", Source: "guide.md", HeadingPath: []string{"Guide"}},
			"Guide — guide.md"},
		{"a page", rag.Passage{Title: "Manual", Source: "manual.pdf", HeadingPath: []string{"Safety"}, Page: 4},
			"Manual — Safety / p. 4 — manual.pdf"},
		{"no title", rag.Passage{Source: "https://example.com/a"}, "https://example.com/a"},
		{"nothing known", rag.Passage{}, "untitled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sourceLine(tc.p); got != tc.want {
				t.Errorf("sourceLine = %q, want %q", got, tc.want)
			}
		})
	}
}
