package store_test

import (
	"fmt"
	"sync"
	"testing"

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
