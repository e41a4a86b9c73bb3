package eval

import (
	"math"
	"testing"

	"github.com/citebot/citebot/rag"
	"github.com/google/go-cmp/cmp"
)

const tolerance = 1e-9

func TestNDCG(t *testing.T) {
	tests := []struct {
		name   string
		ranked []string
		rel    map[string]int
		k      int
		want   float64
	}{
		// DCG = 1/log2(3) + 1/log2(5); IDCG = 1 + 1/log2(3).
		{"binary", []string{"a", "b", "c", "d"}, map[string]int{"b": 1, "d": 1}, 10, 0.6509209298071326},
		// DCG = 1 + 2/log2(3); IDCG = 3 + 2/log2(3) + 1/2 (x is judged
		// but not retrieved, so it still counts in the ideal).
		{"graded", []string{"a", "b", "c"}, map[string]int{"a": 1, "b": 2, "c": 0, "x": 3}, 3, 0.4749950106150897},
		{"perfect", []string{"b", "a", "z"}, map[string]int{"a": 1, "b": 2}, 10, 1},
		{"hit below cutoff", []string{"a", "b"}, map[string]int{"b": 1}, 1, 0},
		// Only one of two relevant documents retrieved: 1 / (1 + 1/log2(3)).
		{"k larger than list", []string{"a"}, map[string]int{"a": 1, "b": 1}, 10, 0.6131471927654584},
		{"ideal cut at k", []string{"a"}, map[string]int{"a": 1, "b": 1}, 1, 1},
		{"no hit", []string{"x", "y"}, map[string]int{"a": 2}, 10, 0},
		{"no relevant judged", []string{"a"}, map[string]int{"a": 0}, 10, 0},
		{"empty ranking", nil, map[string]int{"a": 1}, 10, 0},
		// The repeated a is skipped, so b is at rank 2.
		{"duplicates", []string{"a", "a", "b"}, map[string]int{"b": 1}, 10, 0.6309297535714575},
		{"negative grade is no gain", []string{"a", "b"}, map[string]int{"a": -1, "b": 1}, 10, 0.6309297535714575},
		{"k zero means no cutoff", []string{"a", "b", "c", "d"}, map[string]int{"b": 1, "d": 1}, 0, 0.6509209298071326},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NDCG(tt.ranked, tt.rel, tt.k); math.Abs(got-tt.want) > tolerance {
				t.Errorf("NDCG = %.12f, want %.12f", got, tt.want)
			}
		})
	}
}

func TestRecallAndMRR(t *testing.T) {
	rel := map[string]int{"a": 2, "b": 1, "c": 0, "d": 1}
	tests := []struct {
		name       string
		ranked     []string
		k          int
		recall     float64
		reciprocal float64
	}{
		{"all found", []string{"a", "b", "d"}, 10, 1, 1},
		{"first hit at 3", []string{"x", "c", "b", "a"}, 10, 2.0 / 3, 1.0 / 3},
		{"cut before hits", []string{"x", "c", "b", "a"}, 2, 0, 0},
		{"k larger than list", []string{"d"}, 100, 1.0 / 3, 1},
		{"no hit", []string{"x", "y", "c"}, 10, 0, 0},
		{"duplicates count once", []string{"x", "x", "b", "b"}, 3, 1.0 / 3, 1.0 / 2},
		{"empty", nil, 10, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Recall(tt.ranked, rel, tt.k); math.Abs(got-tt.recall) > tolerance {
				t.Errorf("Recall = %v, want %v", got, tt.recall)
			}
			if got := MRR(tt.ranked, rel, tt.k); math.Abs(got-tt.reciprocal) > tolerance {
				t.Errorf("MRR = %v, want %v", got, tt.reciprocal)
			}
		})
	}
	t.Run("no relevant", func(t *testing.T) {
		if got := Recall([]string{"a"}, map[string]int{"a": 0}, 10); got != 0 {
			t.Errorf("Recall = %v, want 0", got)
		}
	})
}

func TestRankDocuments(t *testing.T) {
	tests := []struct {
		name string
		ps   []rag.Passage
		want []string
	}{
		// trec_eval: score descending, then doc id descending, so the tie
		// at 0.5 goes "d3" > "d10" > "d1" whatever order the chunks came in.
		{"ties by descending id", []rag.Passage{
			{Source: "d2", Score: 0.9}, {Source: "d1", Score: 0.5}, {Source: "d10", Score: 0.5},
			{Source: "d3", Score: 0.5}, {Source: "d2", Score: 0.3}, {Source: "d1", Score: 0.1},
		}, []string{"d2", "d3", "d10", "d1"}},
		{"best chunk counts", []rag.Passage{
			{Source: "a", Score: 0.9}, {Source: "b", Score: 0.8}, {Source: "a", Score: 0.7}, {Source: "c", Score: 0.6},
		}, []string{"a", "b", "c"}},
		{"scores not the ranking: keep order", []rag.Passage{
			{Source: "a", Score: 0.1}, {Source: "b", Score: 0.9}, {Source: "a", Score: 0.5}, {Source: "c", Score: 0.2},
		}, []string{"a", "b", "c"}},
		{"no scores: keep order", []rag.Passage{{Source: "a"}, {Source: "c"}, {Source: "b"}, {Source: "c"}},
			[]string{"a", "c", "b"}},
		{"one", []rag.Passage{{Source: "a"}}, []string{"a"}},
		{"none", nil, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, RankDocuments(tt.ps)); diff != "" {
				t.Errorf("RankDocuments (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("tie decides the metric", func(t *testing.T) {
		// d1 lands at rank 4 after the tie-break: nDCG = 1/log2(5).
		ranked := RankDocuments(tests[0].ps)
		if n := NDCG(ranked, map[string]int{"d1": 1}, 10); math.Abs(n-0.43067655807339306) > tolerance {
			t.Errorf("NDCG = %v, want 1/log2(5)", n)
		}
	})
}

func TestFirstHit(t *testing.T) {
	tests := []struct {
		name string
		hits []bool
		want int
	}{
		{"none", []bool{false, false}, 0},
		{"empty", nil, 0},
		{"first", []bool{true, true}, 1},
		{"third", []bool{false, false, true}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FirstHit(tt.hits); got != tt.want {
				t.Errorf("FirstHit = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestMatchGold(t *testing.T) {
	tests := []struct {
		name string
		text string
		gold []string
		want bool
	}{
		{"exact", "the waggle dance encodes distance", []string{"waggle dance"}, true},
		{"case", "The WAGGLE Dance", []string{"waggle dance"}, true},
		{"line break and indent", "the waggle\n    dance", []string{"waggle  dance"}, true},
		{"tabs and nbsp", "waggle\t\u00a0dance", []string{"waggle dance"}, true},
		{"gold spans lines", "waggle dance", []string{"waggle\ndance"}, true},
		{"any of several", "round dance", []string{"waggle", "round dance"}, true},
		{"absent", "round dance", []string{"waggle"}, false},
		{"words must be adjacent", "waggle and dance", []string{"waggle dance"}, false},
		{"blank gold never matches", "anything", []string{"  ", ""}, false},
		{"no gold", "anything", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchGold(tt.text, tt.gold); got != tt.want {
				t.Errorf("MatchGold(%q, %q) = %v, want %v", tt.text, tt.gold, got, tt.want)
			}
		})
	}
}

func TestContainsAll(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		keywords []string
		want     bool
	}{
		{"all", "Fresnel designed it in 1822.", []string{"fresnel", "1822"}, true},
		{"one missing", "Fresnel designed it.", []string{"fresnel", "1822"}, false},
		{"white space", "North\nForeland", []string{"north foreland"}, true},
		{"none asked", "anything", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ContainsAll(tt.text, tt.keywords); got != tt.want {
				t.Errorf("ContainsAll = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCitations(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []int
	}{
		{"single", "Bees dance [1].", []int{1}},
		{"several and repeats", "A [2]. B [1][2]. C [3].", []int{2, 1, 3}},
		{"grouped", "A [1, 3] and [2,4].", []int{1, 3, 2, 4}},
		{"links and footnotes are not citations", "[docs](http://x) [^1] [a] [] [0] [-1]", nil},
		{"inline code", "Use `xs[1]` here [2].", []int{2}},
		{"fenced code", "See:\n```go\nv := a[3]\n```\nas shown [1].", []int{1}},
		{"unclosed", "dangling [1", nil},
		{"nested bracket", "[[1]]", []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Citations(tt.text)); diff != "" {
				t.Errorf("Citations(%q) (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}
