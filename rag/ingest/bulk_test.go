package ingest_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/eval"
	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/loader"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/faulttest"
	"github.com/citebot/citebot/rag/store/storetest"
)

// indexWatch is the real store, counting how often ingestion drops a
// vector index for a bulk load.
type indexWatch struct {
	*store.Store
	drops atomic.Int64
}

func (w *indexWatch) BeginBulkLoad(ctx context.Context, m store.Model) (*store.BulkLoad, error) {
	w.drops.Add(1)
	return w.Store.BeginBulkLoad(ctx, m)
}

// vectorIndexValid reports whether model's HNSW index exists and is usable.
func vectorIndexValid(t *testing.T, m store.Model) bool {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var valid *bool
	err = conn.QueryRow(t.Context(), `SELECT (SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1))`,
		fmt.Sprintf("chunk_embeddings_hnsw_%d", m.ID)).Scan(&valid)
	if err != nil {
		t.Fatal(err)
	}
	return valid != nil && *valid
}

func distractorDocs(n int) []*loader.Document {
	var docs []*loader.Document
	for i, d := range eval.Distractors(n, 11) {
		docs = append(docs, &loader.Document{Source: fmt.Sprintf("doc-%04d.md", i), Title: d.Title, Text: d.Text, MediaType: "text/markdown"})
	}
	return docs
}

func TestBulkLoadRebuildsVectorIndex(t *testing.T) {
	tests := []struct {
		name      string
		indexed   bool // the model already holds another collection's vectors
		bulkMin   int
		wantDrops int64
	}{
		{"a model's first load is a bulk load", false, 100_000, 1},
		{"a large load into an indexed model rebuilds its index once", true, 20, 1},
		{"a small load into an indexed model grows its index", true, 100_000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &indexWatch{Store: storetest.Open(t, dbURL)}
			m := &countingModel{name: "count-8d", dim: 8}
			in := ingest.New(s, m, ingest.Config{Overlap: 4, BulkMin: tt.bulkMin, Writers: 2})
			if tt.indexed {
				if _, err := in.IngestDocuments(t.Context(), "other", distractorDocs(60), ingest.Options{}); err != nil {
					t.Fatal(err)
				}
				s.drops.Store(0)
			}
			sum, err := in.IngestDocuments(t.Context(), "bulk", distractorDocs(40), ingest.Options{})
			if err != nil || sum.Added != 40 || sum.Failed != 0 {
				t.Fatalf("ingest: %+v, %v", sum, err)
			}
			if got := s.drops.Load(); got != tt.wantDrops {
				t.Errorf("index dropped %d times, want %d", got, tt.wantDrops)
			}
			checkVectorSearch(t, s.Store, m)
			faulttest.AssertIntegrity(t, dbURL)
		})
	}
}

// checkVectorSearch checks that the model's index is valid and that a
// stored chunk's own vector finds it.
func checkVectorSearch(t *testing.T, s *store.Store, m *countingModel) {
	t.Helper()
	sm, err := s.EnsureModel(t.Context(), m.Name(), m.Dim())
	if err != nil {
		t.Fatal(err)
	}
	if !vectorIndexValid(t, sm) {
		t.Error("no valid vector index after the ingest")
	}
	stored, err := s.DocumentPassages(t.Context(), "bulk", "doc-0007.md")
	if err != nil || len(stored) == 0 {
		t.Fatalf("passages of doc-0007.md: %d, %v", len(stored), err)
	}
	q, _ := m.Embed(t.Context(), []string{stored[0].Text})
	got, err := s.Search(t.Context(), store.SearchParams{Collection: "bulk", Mode: rag.ModeVector,
		Vector: q[0], Model: sm, K: 5, Candidates: 10})
	if err != nil || len(got) != 5 || got[0].VectorScore < 0.9999 {
		t.Errorf("vector search with a stored chunk's vector = %+v, %v", got, err)
	}
}

// randomModel gives every text a random unit vector of 512 dimensions,
// seeded by the text: no embedding work, and the worst case for an HNSW
// graph.
type randomModel struct{}

func (randomModel) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		h := fnv.New64a()
		h.Write([]byte(t))
		rng := rand.New(rand.NewPCG(h.Sum64(), 1))
		v := make([]float32, 512)
		var n float64
		for j := range v {
			x := rng.NormFloat64()
			v[j], n = float32(x), n+x*x
		}
		for j := range v {
			v[j] /= float32(math.Sqrt(n))
		}
		out[i] = v
	}
	return out, nil
}
func (randomModel) Name() string             { return "bench-random-512" }
func (randomModel) Dim() int                 { return 512 }
func (randomModel) MaxTokens() int           { return 40 }
func (randomModel) CountTokens(s string) int { return len(strings.Fields(s)) }

// BenchmarkStoreAndIndex measures how fast the ingester stores chunks and
// makes them searchable (postings, statistics, vectors and the HNSW index),
// with embedding excluded: the model hands out random 512-dimension
// vectors. The first-load cases store a new corpus of ~3,700 chunks in an
// empty database, index build included, as 1,000 short documents (~4
// chunks each, like abstracts) or as 72 long ones (~50 chunks each, like
// handbook pages); add-to-indexed adds ~370 chunks to a collection whose
// model already holds that corpus.
func BenchmarkStoreAndIndex(b *testing.B) {
	short := distractorDocs(1000)
	var long []*loader.Document
	for i := 0; i < len(short); i += 14 {
		d := &loader.Document{Source: fmt.Sprintf("long-%03d.md", i), Title: short[i].Title, MediaType: "text/markdown"}
		for _, p := range short[i:min(i+14, len(short))] {
			d.Text += "# " + p.Title + "\n\n" + p.Text + "\n\n"
		}
		long = append(long, d)
	}
	for _, bench := range []struct {
		name string
		docs []*loader.Document
		pre  bool
	}{{"first-load/short-docs", short, false}, {"first-load/long-docs", long, false}, {"add-to-indexed", short[:100], true}} {
		b.Run(bench.name, func(b *testing.B) {
			var total time.Duration
			var chunks int
			for i := 0; b.Loop(); i++ {
				s := storetest.Open(b, dbURL)
				in := ingest.New(s, randomModel{}, ingest.Config{Overlap: 4})
				if bench.pre {
					if _, err := in.IngestDocuments(b.Context(), "base", short, ingest.Options{}); err != nil {
						b.Fatal(err)
					}
				}
				start := time.Now()
				sum, err := in.IngestDocuments(b.Context(), fmt.Sprintf("bench-%d", i), bench.docs, ingest.Options{})
				total += time.Since(start)
				if err != nil || sum.Failed != 0 {
					b.Fatalf("ingest: %+v, %v", sum, err)
				}
				chunks += sum.Chunks
			}
			b.ReportMetric(float64(chunks)/total.Seconds(), "chunks/s")
			b.ReportMetric(float64(chunks)/float64(b.N), "chunks/op")
		})
	}
}
