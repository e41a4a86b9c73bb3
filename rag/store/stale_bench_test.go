package store_test

import (
	"fmt"
	"testing"

	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

// BenchmarkRewriteCitedDocument rewrites one document of a 2,000-chunk
// collection, with no stored answers and with 50,000 answers citing two
// chunks each (50 answers per chunk): with the same text (re-chunked, new
// chunk ids: nothing to flag) and with half its chunks changed (the first
// rewrite of a document flags the 250 answers citing them). The
// differences are what checking and flagging stale answers cost a write.
func BenchmarkRewriteCitedDocument(b *testing.B) {
	for _, bc := range []struct {
		answers int
		change  bool
	}{{0, false}, {50000, false}, {0, true}, {50000, true}} {
		answers := bc.answers
		b.Run(fmt.Sprintf("answers=%d/changed=%v", answers, bc.change), func(b *testing.B) {
			s := storetest.Open(b, dbURL)
			m, err := s.EnsureModel(b.Context(), "test-model-4d", testDim)
			if err != nil {
				b.Fatal(err)
			}
			doc := func(src string, version int) store.DocumentWrite {
				w := store.DocumentWrite{Collection: "bench-stale", Source: src, ContentHash: fmt.Sprint(src, version), Model: m}
				for i := range 10 {
					txt := fmt.Sprintf("%s passage %d", src, i)
					if i%2 == 1 && bc.change {
						txt += fmt.Sprintf(" version %d", version)
					}
					w.Chunks = append(w.Chunks, store.ChunkWrite{Position: i, Text: txt, Hash: txt, Tokens: 3, End: len(txt),
						Embedding: []float32{1, 0, 0, 1}})
				}
				return w
			}
			var ws []store.DocumentWrite
			for d := range 200 {
				ws = append(ws, doc(fmt.Sprint("doc-", d), 0))
			}
			if _, err := s.ReplaceDocuments(b.Context(), ws); err != nil {
				b.Fatal(err)
			}
			if err := s.ExecForTest(b.Context(), `
				WITH a AS (INSERT INTO answers (surface, kind, collection, question, answer)
					SELECT 'ask', 'ask', 'bench-stale', 'q' || g, 'a' FROM generate_series(1, $1) g RETURNING id),
				k AS (SELECT id, content_hash, row_number() OVER (ORDER BY id) - 1 AS i, count(*) OVER () AS n FROM chunks)
				INSERT INTO answer_citations (answer_id, n, chunk_id, content_hash)
				SELECT a.id, x.n, k.id, k.content_hash FROM a, (VALUES (1), (2)) x(n), k
				WHERE k.i = (a.id * 7 + x.n * 13) % k.n`, answers); err != nil {
				b.Fatal(err)
			}
			if err := s.ExecForTest(b.Context(), `ANALYZE`); err != nil {
				b.Fatal(err)
			}
			version := 0
			for b.Loop() {
				version++
				if _, err := s.ReplaceDocument(b.Context(), doc(fmt.Sprint("doc-", version%200), version)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
