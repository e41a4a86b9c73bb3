package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

// TestVectorIndexRepaired checks that a missing index (a bulk load cut
// short) and an invalid one (a concurrent build cut short) are both
// rebuilt by EnsureModel, and that vector search is right meanwhile.
func TestVectorIndexRepaired(t *testing.T) {
	tests := []struct {
		name     string
		breakSQL string
		left     int // indexes of that name left behind, all invalid
	}{
		{"missing", "DROP INDEX %[1]s", 0},
		// A unique index over duplicate values fails half-way, leaving an
		// invalid index of that name behind, as an interrupted build does.
		{"invalid", "DROP INDEX %[1]s; CREATE UNIQUE INDEX CONCURRENTLY %[1]s ON chunk_embeddings (model_id)", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := storetest.Open(t, dbURL)
			m := testModel(t, s)
			put(t, s, m, "repair", "a", []string{"north", "south"}, [][]float32{{1, 0, 0, 0}, {0, 1, 0, 0}})
			name := fmt.Sprintf("chunk_embeddings_hnsw_%d", m.ID)
			for _, q := range splitSQL(fmt.Sprintf(tt.breakSQL, name)) {
				_ = s.ExecForTest(t.Context(), q) // the failing build is meant to fail
			}
			var left int
			err := s.QueryRowForTest(t.Context(), fmt.Sprintf(`SELECT count(*) FROM pg_index
				WHERE indexrelid = to_regclass('%s') AND NOT indisvalid`, name), &left)
			if err != nil || left != tt.left {
				t.Fatalf("broken index: %d invalid left (%v), want %d", left, err, tt.left)
			}
			p := store.SearchParams{Collection: "repair", Mode: rag.ModeVector, Vector: []float32{0, 1, 0, 0}, Model: m, K: 1}
			if got := search(t, s, p); len(got) != 1 || got[0].Text != "south" {
				t.Errorf("vector search without the index = %+v", got)
			}
			if _, err := s.EnsureModel(t.Context(), m.Name, m.Dim); err != nil {
				t.Fatal(err)
			}
			var ok bool
			err = s.QueryRowForTest(t.Context(), fmt.Sprintf(`SELECT i.indisvalid AND pg_get_indexdef(i.indexrelid) LIKE '%%USING hnsw%%'
				FROM pg_index i WHERE i.indexrelid = '%s'::regclass`, name), &ok)
			if err != nil || !ok {
				t.Errorf("after EnsureModel: valid HNSW index = %v, %v", ok, err)
			}
			if got := search(t, s, p); len(got) != 1 || got[0].Text != "south" {
				t.Errorf("vector search with the rebuilt index = %+v", got)
			}
		})
	}
}

func splitSQL(s string) []string { return strings.Split(s, "; ") }
