package ingest_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/loader"
)

// TestIngestExact checks that Exact leaves the collection holding exactly
// the run's sources, where Prune only removes files that are gone, and
// that a run with an unreadable source removes nothing.
func TestIngestExact(t *testing.T) {
	dir := corpus(t)
	other := filepath.Join(t.TempDir(), "other.md")
	if err := os.WriteFile(other, []byte("# Other\n\nA different corpus about tide tables.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	inDir := []string{filepath.Join(dir, "faq.txt"), filepath.Join(dir, "handbook.md"), filepath.Join(dir, "oncall.html")}
	tests := []struct {
		name    string
		opt     ingest.Options
		srcs    []string
		removed int
		want    []string
	}{
		{"prune keeps a file that exists but is not in the run", ingest.Options{Prune: true}, []string{dir}, 0,
			append(append([]string{}, inDir...), other)},
		{"exact with a missing source removes nothing", ingest.Options{Exact: true}, []string{dir, filepath.Join(dir, "missing")}, 0,
			append(append([]string{}, inDir...), other)},
		{"exact removes the file and the upload not in the run", ingest.Options{Exact: true}, []string{dir}, 2, inDir},
	}
	m := &countingModel{name: "count-8d", dim: 8}
	in, s := newIngester(t, m)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run(t, in, "exact", ingest.Options{}, dir, other)
			up, err := loader.Load(t.Context(), "upload:notes.txt", strings.NewReader("Uploaded notes about ferries."), loader.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := in.IngestDocuments(t.Context(), "exact", []*loader.Document{up}, ingest.Options{}); err != nil {
				t.Fatal(err)
			}
			sum, err := in.Ingest(t.Context(), "exact", tc.srcs, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Removed != tc.removed {
				t.Errorf("removed = %d, want %d (%+v)", sum.Removed, tc.removed, sum)
			}
			got, err := s.Sources(t.Context(), "exact")
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if tc.removed == 0 {
				want = append(append([]string{}, want...), "upload:notes.txt")
			}
			if diff := cmp.Diff(slices.Sorted(slices.Values(want)), slices.Sorted(slices.Values(got))); diff != "" {
				t.Errorf("sources (-want +got):\n%s", diff)
			}
		})
	}
}
