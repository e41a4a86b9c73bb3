package store_test

import (
	"testing"
	"time"

	"github.com/citebot/citebot/rag/store/storetest"
)

// BenchmarkGateShadow measures what a gated re-ingest costs the store on
// a 2,000-chunk collection of 512-dimension vectors, beyond the ingest
// itself: copying the live version into a shadow (BeginShadow), the swap
// (Promote) and dropping the old version (Close). Nothing is embedded.
func BenchmarkGateShadow(b *testing.B) {
	s := storetest.Open(b, dbURL)
	m := benchModel(b, s)
	fill(b, s, m, "bench-gate", 2000, newSynth(2000), "")
	var copyT, swapT, dropT time.Duration
	for b.Loop() {
		start := time.Now()
		sh, err := s.BeginShadow(b.Context(), "bench-gate")
		if err != nil {
			b.Fatal(err)
		}
		copied := time.Now()
		if err := sh.Promote(b.Context()); err != nil {
			b.Fatal(err)
		}
		swapped := time.Now()
		if err := sh.Close(b.Context()); err != nil {
			b.Fatal(err)
		}
		copyT += copied.Sub(start)
		swapT += swapped.Sub(copied)
		dropT += time.Since(swapped)
	}
	n := float64(b.N)
	b.ReportMetric(float64(copyT.Milliseconds())/n, "copy-ms")
	b.ReportMetric(float64(swapT.Milliseconds())/n, "swap-ms")
	b.ReportMetric(float64(dropT.Milliseconds())/n, "drop-ms")
}
