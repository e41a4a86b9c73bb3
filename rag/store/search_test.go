package store_test

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

// testDim is the dimension of the test model's vectors.
const testDim = 4

func testModel(t *testing.T, s *store.Store) store.Model {
	t.Helper()
	m, err := s.EnsureModel(t.Context(), "test-model-4d", testDim)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// put stores a document whose chunks are texts, each with its vector.
func put(t *testing.T, s *store.Store, m store.Model, coll, src string, texts []string, vecs [][]float32) {
	t.Helper()
	w := store.DocumentWrite{Collection: coll, Source: src, Title: "", ContentHash: fmt.Sprint(texts), Model: m}
	for i, txt := range texts {
		w.Chunks = append(w.Chunks, store.ChunkWrite{Position: i, Text: txt, Hash: fmt.Sprintf("%s#%d", txt, i),
			Tokens: 1, Embedding: vecs[i], End: len(txt)})
	}
	if _, err := s.ReplaceDocument(t.Context(), w); err != nil {
		t.Fatal(err)
	}
}

func search(t *testing.T, s *store.Store, p store.SearchParams) []rag.Passage {
	t.Helper()
	if p.K1 == 0 {
		p.K1, p.B = 1.2, 0.75
	}
	ps, err := s.Search(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestBM25HandComputed(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	v := []float32{1, 0, 0, 0}
	put(t, s, m, "bm25", "a", []string{"apple banana"}, [][]float32{v})
	put(t, s, m, "bm25", "b", []string{"apple apple cherry"}, [][]float32{v})
	put(t, s, m, "bm25", "c", []string{"banana date"}, [][]float32{v})
	// N = 3 chunks of lengths 2, 3 and 2 (avgdl 7/3); "apple" is in 2.
	idf := math.Log(1 + (3-2+0.5)/(2+0.5))
	bm25 := func(tf, dl float64) float64 { return idf * tf * 2.2 / (tf + 1.2*(1-0.75+0.75*dl/(7.0/3))) }
	got := search(t, s, store.SearchParams{Collection: "bm25", Mode: rag.ModeText, Text: "Which apples?", Model: m, K: 10})
	want := []struct {
		source string
		score  float64
	}{{"b", bm25(2, 3)}, {"a", bm25(1, 2)}}
	if len(got) != len(want) {
		t.Fatalf("got %d passages, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Source != w.source || math.Abs(got[i].TextScore-w.score) > 1e-9 {
			t.Errorf("rank %d: %s %.6f, want %s %.6f", i+1, got[i].Source, got[i].TextScore, w.source, w.score)
		}
	}
}

func TestTermDepthKeepsBestPostings(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	v := []float32{1, 0, 0, 0}
	put(t, s, m, "depth", "weak", []string{"apple banana cherry date elder fig"}, [][]float32{v})
	put(t, s, m, "depth", "strong", []string{"apple apple"}, [][]float32{v})
	got := search(t, s, store.SearchParams{Collection: "depth", Mode: rag.ModeText, Text: "apple", Model: m, K: 10, TermDepth: 1})
	if diff := cmp.Diff([]string{"strong"}, sources(got)); diff != "" {
		t.Errorf("with one posting per term (-want +got):\n%s", diff)
	}
	got = search(t, s, store.SearchParams{Collection: "depth", Mode: rag.ModeText, Text: "apple", Model: m, K: 10})
	if diff := cmp.Diff([]string{"strong", "weak"}, sources(got)); diff != "" {
		t.Errorf("with the default depth (-want +got):\n%s", diff)
	}
}

func TestFusionOrdering(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	// "x" matches the words best, "y" the vector best, "z" a little of each.
	put(t, s, m, "fusion", "x", []string{"solar panel solar panel efficiency"}, [][]float32{{0, 1, 0, 0}})
	put(t, s, m, "fusion", "y", []string{"photovoltaic output"}, [][]float32{{1, 0, 0, 0}})
	put(t, s, m, "fusion", "z", []string{"solar roof"}, [][]float32{{0.8, 0.6, 0, 0}})
	q := []float32{1, 0, 0, 0}
	tests := []struct {
		name   string
		wt, wv float64
		mode   rag.Mode
		want   []string
	}{
		{"text only", 1, 0, rag.ModeText, []string{"x", "z"}},
		{"vector only", 0, 1, rag.ModeVector, []string{"y", "z", "x"}},
		{"text weighted", 0.8, 0.2, rag.ModeHybrid, []string{"x", "z", "y"}},
		{"vector weighted", 0.2, 0.8, rag.ModeHybrid, []string{"y", "z", "x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := search(t, s, store.SearchParams{Collection: "fusion", Mode: tc.mode, Text: "solar panel", Vector: q,
				Model: m, K: 10, TextWeight: tc.wt, VectorWeight: tc.wv})
			if diff := cmp.Diff(tc.want, sources(got)); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
		})
	}
}

func sources(ps []rag.Passage) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Source)
	}
	return out
}

func TestCollectionIsolation(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	v := []float32{0, 0, 1, 0}
	put(t, s, m, "guild-1", "secret-plan", []string{"the launch code is kept in the vault"}, [][]float32{v})
	put(t, s, m, "guild-2", "public", []string{"the cafeteria opens at noon"}, [][]float32{v})
	for _, mode := range []rag.Mode{rag.ModeText, rag.ModeVector, rag.ModeHybrid} {
		got := search(t, s, store.SearchParams{Collection: "guild-2", Mode: mode, Text: "launch code vault",
			Vector: v, Model: m, K: 10, TextWeight: 0.5, VectorWeight: 0.5})
		for _, p := range got {
			if p.Source != "public" {
				t.Errorf("%s search in guild-2 returned %s", mode, p.Source)
			}
		}
	}
}

func TestReplaceIsAtomic(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	version := func(tag string, n int) ([]string, [][]float32) {
		var texts []string
		var vecs [][]float32
		for i := range n {
			texts = append(texts, fmt.Sprintf("alpha %s part %d", tag, i))
			vecs = append(vecs, []float32{1, float32(i), 0, 0})
		}
		return texts, vecs
	}
	t1, v1 := version("vone", 5)
	t2, v2 := version("vtwo", 8)
	put(t, s, m, "atomic", "doc", t1, v1)
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil && i < 40; i++ {
			if i%2 == 0 {
				put(t, s, m, "atomic", "doc", t2, v2)
			} else {
				put(t, s, m, "atomic", "doc", t1, v1)
			}
		}
	}()
	for range 60 {
		got := search(t, s, store.SearchParams{Collection: "atomic", Mode: rag.ModeText, Text: "alpha", Model: m, K: 50})
		ones, twos := 0, 0
		for _, p := range got {
			switch {
			case contains(p.Text, "vone"):
				ones++
			case contains(p.Text, "vtwo"):
				twos++
			}
		}
		if !(ones == 5 && twos == 0) && !(ones == 0 && twos == 8) {
			t.Fatalf("search saw %d chunks of version one and %d of version two", ones, twos)
		}
	}
	cancel()
	wg.Wait()
}

func TestDeleteDocumentUpdatesStatistics(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	v := []float32{0, 1, 1, 0}
	put(t, s, m, "del", "one", []string{"river boat", "river bank"}, [][]float32{v, v})
	put(t, s, m, "del", "two", []string{"mountain trail"}, [][]float32{v})
	found, err := s.DeleteDocument(t.Context(), "del", "one")
	if err != nil || !found {
		t.Fatalf("DeleteDocument = %v, %v", found, err)
	}
	var n, terms int
	if err := s.QueryRowForTest(t.Context(), `SELECT chunk_count FROM collections WHERE name = 'del'`, &n); err != nil {
		t.Fatal(err)
	}
	if err := s.QueryRowForTest(t.Context(), `SELECT term_count FROM collections WHERE name = 'del'`, &terms); err != nil {
		t.Fatal(err)
	}
	if n != 1 || terms != 2 {
		t.Errorf("statistics after delete: %d chunks, %d terms; want 1, 2", n, terms)
	}
	if got := search(t, s, store.SearchParams{Collection: "del", Mode: rag.ModeText, Text: "river", Model: m, K: 5}); len(got) != 0 {
		t.Errorf("deleted chunks still found: %+v", got)
	}
	found, err = s.DeleteDocument(t.Context(), "del", "one")
	if err != nil || found {
		t.Errorf("second DeleteDocument = %v, %v; want false, nil", found, err)
	}
}

func TestDimensionsNeverMix(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	if _, err := s.EnsureModel(t.Context(), m.Name, testDim+1); err == nil {
		t.Error("EnsureModel with a changed dimension succeeded")
	}
	w := store.DocumentWrite{Collection: "dims", Source: "x", Model: m,
		Chunks: []store.ChunkWrite{{Text: "t", Hash: "h", Embedding: []float32{1, 2}}}}
	if _, err := s.ReplaceDocument(t.Context(), w); err == nil {
		t.Error("ReplaceDocument with a 2-dimension vector for a 4-dimension model succeeded")
	}
}
