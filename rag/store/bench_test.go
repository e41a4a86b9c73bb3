package store_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

// benchDim must match the default model's index: chunk_embeddings_hnsw_1
// is on vector(512).
const benchDim = 512

// synth makes deterministic chunk texts with a Zipf-like word distribution
// and random unit vectors, the worst case for an HNSW graph.
type synth struct {
	rng   *rand.Rand
	zipf  *rand.Zipf
	vocab []string
}

func newSynth(seed uint64) *synth {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	vocab := make([]string, 20000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%dx%c", i, 'a'+rune(i%26))
	}
	return &synth{rng: rng, zipf: rand.NewZipf(rng, 1.1, 2, uint64(len(vocab)-1)), vocab: vocab}
}

func (s *synth) text(words int) string {
	var b strings.Builder
	for i := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s.vocab[s.zipf.Uint64()])
	}
	return b.String()
}

func (s *synth) vector() []float32 {
	v := make([]float32, benchDim)
	var n float64
	for i := range v {
		x := s.rng.NormFloat64()
		v[i] = float32(x)
		n += x * x
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return v
}

// fill stores n chunks in collection, in documents of 50 chunks.
func fill(b *testing.B, s *store.Store, m store.Model, collection string, n int, sy *synth, prefix string) time.Duration {
	b.Helper()
	const per = 50
	start := time.Now()
	for d := 0; d*per < n; d++ {
		w := store.DocumentWrite{Collection: collection, Source: fmt.Sprintf("doc-%s-%d", prefix, d), Title: sy.text(4),
			ContentHash: fmt.Sprint(d), Model: m}
		for i := 0; i < per && d*per+i < n; i++ {
			txt := sy.text(60)
			w.Chunks = append(w.Chunks, store.ChunkWrite{Position: i, Text: txt, Hash: fmt.Sprintf("%d-%d", d, i),
				Tokens: 100, End: len(txt), Embedding: sy.vector()})
		}
		if _, err := s.ReplaceDocument(b.Context(), w); err != nil {
			b.Error(err)
			return 0
		}
	}
	return time.Since(start)
}

func benchModel(b *testing.B, s *store.Store) store.Model {
	m, err := s.EnsureModel(b.Context(), "use-lite-0.2.0", benchDim)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkHybridQuery measures hybrid query latency over 10k and 100k
// chunks of 512-dimension vectors, with the default retrieval settings.
func BenchmarkHybridQuery(b *testing.B) {
	s := storetest.Open(b, dbURL)
	m := benchModel(b, s)
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("chunks=%d", n), func(b *testing.B) {
			sy := newSynth(uint64(n))
			coll := fmt.Sprintf("bench-query-%d", n)
			// Loaded as ingestion loads a large corpus: vectors first, then
			// the HNSW index built over them.
			if err := s.DropVectorIndex(b.Context(), m); err != nil {
				b.Fatal(err)
			}
			fill(b, s, m, coll, n, sy, "")
			if err := s.BuildVectorIndex(b.Context(), m); err != nil {
				b.Fatal(err)
			}
			// Steady state: statistics and visibility maps up to date, caches warm.
			if err := s.ExecForTest(b.Context(), "VACUUM ANALYZE"); err != nil {
				b.Fatal(err)
			}
			query := func() store.SearchParams {
				return store.SearchParams{Collection: coll, Mode: rag.ModeHybrid, Text: sy.text(8), Vector: sy.vector(),
					Model: m, K: 10, Candidates: 50, TextWeight: 0.4, VectorWeight: 0.4, ProximityWeight: 0.2, K1: 1.2, B: 0.75,
					Neighbours: 1}
			}
			for range 20 {
				if _, err := s.Search(b.Context(), query()); err != nil {
					b.Fatal(err)
				}
			}
			var lat []time.Duration
			for b.Loop() {
				p := query()
				start := time.Now()
				if _, err := s.Search(b.Context(), p); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			reportPercentiles(b, lat)
		})
	}
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	for _, q := range []float64{50, 95, 99} {
		i := min(len(lat)-1, int(math.Ceil(q/100*float64(len(lat))))-1)
		b.ReportMetric(float64(lat[max(i, 0)].Microseconds())/1000, fmt.Sprintf("p%.0f-ms", q))
	}
}
