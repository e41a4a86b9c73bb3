package store_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/faulttest"
	"github.com/citebot/citebot/rag/store/storetest"
)

// TestConcurrentWritersKeepStatistics runs writers that add, rewrite and
// delete documents of one collection at the same time, sharing terms, and
// then checks every invariant of the index: counts, postings and document
// frequencies must equal a recount, and no writer may deadlock.
func TestConcurrentWritersKeepStatistics(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	v := []float32{1, 0, 0, 1}
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := range 30 {
				src := fmt.Sprintf("doc-%d", (w*7+i)%10) // writers share documents too
				texts := []string{fmt.Sprintf("shared river words %d", i), fmt.Sprintf("writer%d boat %d", w, i%3)}
				switch i % 5 {
				case 4:
					if _, err := s.DeleteDocument(t.Context(), "busy", src); err != nil {
						t.Error(err)
						return
					}
				default:
					w := store.DocumentWrite{Collection: "busy", Source: src, ContentHash: fmt.Sprint(i), Model: m}
					for j, txt := range texts[:1+i%2] {
						w.Chunks = append(w.Chunks, store.ChunkWrite{Position: j, Text: txt, Hash: txt, Tokens: 1, End: len(txt), Embedding: v})
					}
					if _, err := s.ReplaceDocument(t.Context(), w); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	faulttest.AssertIntegrity(t, dbURL)
}

func TestReplaceDocuments(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	v := []float32{0, 1, 0, 1}
	doc := func(coll, src string, texts ...string) store.DocumentWrite {
		w := store.DocumentWrite{Collection: coll, Source: src, ContentHash: fmt.Sprint(texts), Model: m}
		for i, txt := range texts {
			w.Chunks = append(w.Chunks, store.ChunkWrite{Position: i, Text: txt, Hash: txt, Tokens: 1, End: len(txt), Embedding: v})
		}
		return w
	}
	// b and c are written together; b is then rewritten in a group with a new d.
	ids, err := s.ReplaceDocuments(t.Context(), []store.DocumentWrite{doc("many", "c", "gamma ray", "gamma knife"), doc("many", "b", "beta test")})
	if err != nil || len(ids) != 2 || ids[0] == ids[1] {
		t.Fatalf("first group: %v, %v", ids, err)
	}
	again, err := s.ReplaceDocuments(t.Context(), []store.DocumentWrite{doc("many", "b", "beta release"), doc("many", "d", "delta wing")})
	if err != nil || again[0] != ids[1] {
		t.Fatalf("second group: %v, %v; want b to keep id %d", again, err, ids[1])
	}
	got := search(t, s, store.SearchParams{Collection: "many", Mode: rag.ModeText, Text: "gamma beta delta test release", Model: m, K: 10})
	var texts []string
	for _, p := range got {
		texts = append(texts, p.Text)
	}
	slices.Sort(texts)
	if want := []string{"beta release", "delta wing", "gamma knife", "gamma ray"}; !slices.Equal(texts, want) {
		t.Errorf("stored chunks = %q, want %q", texts, want)
	}
	faulttest.AssertIntegrity(t, dbURL)

	bad := []struct {
		name string
		ws   []store.DocumentWrite
	}{
		{"none", nil},
		{"a source twice", []store.DocumentWrite{doc("many", "x", "one"), doc("many", "x", "two")}},
		{"two collections", []store.DocumentWrite{doc("many", "x", "one"), doc("other", "y", "two")}},
		{"a vector of the wrong size", []store.DocumentWrite{doc("many", "x", "one"), {Collection: "many", Source: "y", Model: m,
			Chunks: []store.ChunkWrite{{Text: "t", Hash: "h", Embedding: []float32{1}}}}}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.ReplaceDocuments(t.Context(), tt.ws); err == nil {
				t.Error("accepted")
			}
			docs, _, err := s.Documents(t.Context(), "many", 0, 100)
			if err != nil || len(docs) != 3 {
				t.Errorf("documents after a refused write: %d, %v; want the 3 stored", len(docs), err)
			}
		})
	}
}
