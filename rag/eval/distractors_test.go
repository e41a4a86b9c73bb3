package eval

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDistractorsDeterministic(t *testing.T) {
	a, b := Distractors(50, 42), Distractors(50, 42)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("same seed, different documents (-first +second):\n%s", diff)
	}
	if diff := cmp.Diff(a[:20], Distractors(20, 42)); diff != "" {
		t.Errorf("a shorter run is not a prefix (-long +short):\n%s", diff)
	}
	if cmp.Equal(a, Distractors(50, 43)) {
		t.Error("different seeds gave the same documents")
	}
	if got := Distractors(0, 1); len(got) != 0 {
		t.Errorf("Distractors(0) returned %d documents", len(got))
	}
}

func TestDistractorsVaried(t *testing.T) {
	const n = 2000
	docs := Distractors(n, 7)
	if len(docs) != n {
		t.Fatalf("got %d documents, want %d", len(docs), n)
	}
	sources := make(map[string]bool)
	texts := make(map[string]bool)
	titles := make(map[string]bool)
	topics := make(map[string]int)
	for _, d := range docs {
		sources[d.Source] = true
		texts[d.Text] = true
		titles[d.Title] = true
		topics[d.Source[strings.LastIndexByte(d.Source, '-')+1:]]++
		words := len(strings.Fields(d.Text))
		if words < 40 || words > 400 {
			t.Errorf("%s has %d words, want a realistic 40 to 400", d.Source, words)
		}
		if !strings.HasPrefix(d.Text, d.Title+"\n\n") || strings.Contains(d.Text, "{") {
			t.Errorf("%s is malformed:\n%s", d.Source, d.Text)
		}
	}
	if len(sources) != n || len(texts) != n {
		t.Errorf("%d distinct sources and %d distinct texts, want %d of each", len(sources), len(texts), n)
	}
	if len(titles) < n/2 {
		t.Errorf("only %d distinct titles in %d documents", len(titles), n)
	}
	if len(topics) < 10 {
		t.Errorf("only %d topics used: %v", len(topics), topics)
	}
}

func TestFixArticles(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a ambitious beginner", "an ambitious beginner"},
		{"A elegant day", "An elegant day"},
		{"a one-sided match", "a one-sided match"},
		{"a sunny spot", "a sunny spot"},
		{"a", "a"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := fixArticles(tt.in); got != tt.want {
				t.Errorf("fixArticles(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
