package ingest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/citebot/citebot/rag/eval"
	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/store/storetest"
)

// BenchmarkReingestUnchanged measures re-ingesting a 1,000-document corpus
// in which nothing changed: every file is read and hashed, nothing is
// embedded or written.
func BenchmarkReingestUnchanged(b *testing.B) {
	s := storetest.Open(b, dbURL)
	m := &countingModel{name: "count-8d", dim: 8}
	in := ingest.New(s, m, ingest.Config{Overlap: 4})
	dir := b.TempDir()
	for i, d := range eval.Distractors(1000, 7) {
		body := d.Title + "\n\n" + d.Text
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("doc-%04d.md", i)), []byte(body), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	first, err := in.Ingest(b.Context(), "bench-reingest", []string{dir}, ingest.Options{})
	if err != nil || first.Added != 1000 {
		b.Fatalf("first ingest: %+v, %v", first, err)
	}
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		sum, err := in.Ingest(b.Context(), "bench-reingest", []string{dir}, ingest.Options{})
		total += time.Since(start)
		if err != nil || sum.Unchanged != 1000 {
			b.Fatalf("re-ingest: %+v, %v", sum, err)
		}
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/reingest")
}
