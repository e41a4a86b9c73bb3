package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

func TestIrregularFormsMatch(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	v := []float32{1, 0, 0, 0}
	put(t, s, m, "forms", "grew", []string{"The movement grew out of a student union."}, [][]float32{v})
	put(t, s, m, "forms", "mice", []string{"Mice ran through the children's garden."}, [][]float32{v})
	put(t, s, m, "forms", "other", []string{"A quiet lake with boats."}, [][]float32{v})
	tests := []struct {
		query string
		want  []string
	}{
		{"What did the movement grow out of?", []string{"grew"}},
		{"How has it grown?", []string{"grew"}},
		{"Does a mouse run there?", []string{"mice"}},
		{"Which child garden?", []string{"mice"}},
		{"boats on the lake", []string{"other"}},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			got := search(t, s, store.SearchParams{Collection: "forms", Mode: rag.ModeText, Text: tc.query, Model: m, K: 10})
			if diff := cmp.Diff(tc.want, sources(got)); diff != "" {
				t.Errorf("sources (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUbiquitousTermWeighsNothing: a term in every chunk of the collection
// (the subject of a one-article collection) must not decide the ranking.
func TestUbiquitousTermWeighsNothing(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	v := []float32{1, 0, 0, 0}
	texts := []string{"hts hts hts hts", "hts zebra", "hts hts ideology"}
	for i := range 17 {
		texts = append(texts, fmt.Sprintf("hts chunk %d", i))
	}
	for _, txt := range texts {
		put(t, s, m, "ubiq", txt, []string{txt}, [][]float32{v})
	}
	got := search(t, s, store.SearchParams{Collection: "ubiq", Mode: rag.ModeText, Text: "HTS zebra", Model: m, K: 50})
	if len(got) != len(texts) || got[0].Source != "hts zebra" {
		t.Fatalf("ranking %v, want %q first", sources(got), "hts zebra")
	}
	for _, p := range got[1:] {
		// idf(hts) = ln(1 + 0.5/20.5), 1% of idf(zebra); term frequency adds
		// at most k1+1 times that.
		if r := p.TextScore / got[0].TextScore; r > 0.03 {
			t.Errorf("%q scores %.3f of the match on the rare term, want at most 0.03", p.Source, r)
		}
	}
}

func TestProximityFavoursTermsTogether(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	v := []float32{1, 0, 0, 0}
	filler := strings.Repeat("word ", store.ProximityWindow+6)
	// Both chunks have the same terms and length, so the same BM25; the
	// far one is stored first and wins ties on chunk id.
	put(t, s, m, "prox", "far", []string{"alpha " + filler + "beta"}, [][]float32{v})
	put(t, s, m, "prox", "near", []string{"alpha beta " + filler}, [][]float32{v})
	put(t, s, m, "prox", "other", []string{"gamma delta"}, [][]float32{v})
	tests := []struct {
		name string
		wp   float64
		want []string
	}{
		{"without proximity", 0, []string{"far", "near"}},
		{"with proximity", 0.3, []string{"near", "far"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := search(t, s, store.SearchParams{Collection: "prox", Mode: rag.ModeHybrid, Text: "alpha beta", Vector: v,
				Model: m, K: 2, TextWeight: 1, ProximityWeight: tc.wp})
			if diff := cmp.Diff(tc.want, sources(got)); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
			if got[0].TextScore != got[1].TextScore {
				t.Errorf("BM25 differs: %v and %v", got[0].TextScore, got[1].TextScore)
			}
		})
	}
}
