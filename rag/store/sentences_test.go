package store_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

func TestMatchTerms(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	v := []float32{1, 0, 0, 0}
	// Four chunks: "river" in two, "bridge" in one, "town" in all four.
	put(t, s, m, "match", "a", []string{"The river town.", "The town bridge."}, [][]float32{v, v})
	put(t, s, m, "match", "b", []string{"A river runs through the town.", "Town hall."}, [][]float32{v, v})
	idf := func(df float64) float64 { return math.Log(1 + (4-df+0.5)/(df+0.5)) }
	tests := []struct {
		name, coll, query string
		texts             []string
		want              []store.QueryTerm
	}{
		{"stems, irregular forms, unknown terms dropped", "match", "Which rivers grew near the bridges of zanzibar?",
			[]string{"The bridge grew.", "Rivers everywhere.", "Nothing."},
			[]store.QueryTerm{{Term: "bridg", IDF: idf(1), In: []int{0}}, {Term: "river", IDF: idf(2), In: []int{1}}}},
		{"a term in every chunk weighs little", "match", "town", []string{"towns"},
			[]store.QueryTerm{{Term: "town", IDF: idf(4), In: []int{0}}}},
		{"no texts", "match", "river", nil, []store.QueryTerm{{Term: "river", IDF: idf(2), In: []int{}}}},
		{"unknown collection", "nowhere", "river", []string{"river"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.MatchTerms(t.Context(), tc.coll, tc.query, tc.texts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-9 })); diff != "" {
				t.Errorf("terms (-want +got):\n%s", diff)
			}
		})
	}
}
