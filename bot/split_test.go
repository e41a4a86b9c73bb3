package bot

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestSplitMessage(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{"short", "hello", 100, []string{"hello"}},
		{"paragraphs", strings.Repeat("a", 30) + "\n\n" + strings.Repeat("b", 30), 50, []string{strings.Repeat("a", 30), strings.Repeat("b", 30)}},
		{"sentence", "First sentence is here. Second sentence follows [1] and ends.", 45, []string{"First sentence is here.", "Second sentence follows [1] and ends."}},
		{"citation kept", "word word word word word word word [123] tail", 37, []string{"word word word word word word word", "[123] tail"}},
		{"link kept", "see [the docs](https://example.com/a/b/c) now", 40, []string{"see", "[the docs](https://example.com/a/b/c)", "now"}},
		{"code reopened", "```go\n" + strings.Repeat("x := 1\n", 10) + "```", 50,
			[]string{"```go\nx := 1\nx := 1\nx := 1\nx := 1\nx := 1\n```", "```go\nx := 1\nx := 1\nx := 1\nx := 1\nx := 1\n```"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SplitMessage(tt.text, tt.limit)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SplitMessage mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func nonSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func FuzzSplitMessage(f *testing.F) {
	f.Add("Paragraph one [1].\n\nParagraph two [2] with a [link](https://x.y/z).", 40)
	f.Add("```\ncode\n```\ntext after", 40)
	f.Add(strings.Repeat("sentence [3]. ", 400), 2000)
	f.Fuzz(func(t *testing.T, text string, limit int) {
		if !utf8.ValidString(text) {
			return
		}
		limit = 40 + abs(limit)%2000
		got := SplitMessage(text, limit)
		for i, c := range got {
			if n := utf8.RuneCountInString(c); n > limit || strings.TrimSpace(c) == "" {
				t.Fatalf("piece %d has %d runes (limit %d) or is empty: %q", i, n, limit, c)
			}
		}
		if strings.Contains(text, "```") {
			return
		}
		if a, b := nonSpace(text), nonSpace(strings.Join(got, "")); a != b {
			t.Fatalf("content changed:\n%q\n%q", a, b)
		}
		if strings.Contains(text, "http") || strings.Contains(text, "](") {
			return
		}
		want := len(citationRe.FindAllString(text, -1))
		n := 0
		for _, c := range got {
			n += len(citationRe.FindAllString(c, -1))
		}
		if n != want {
			t.Fatalf("citations: %d in pieces, %d in text", n, want)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
