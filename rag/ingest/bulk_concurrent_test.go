package ingest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/faulttest"
	"github.com/citebot/citebot/rag/store/storetest"
)

// process opens another store on the package's database: its own pool of
// sessions, as another citebot process has.
func process(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// TestConcurrentBulkIngests runs two bulk ingests at once from two
// processes, into two collections or the same one, and checks that both
// succeed (no "deadlock detected"), that everything is stored once, and
// that the model's index is valid afterwards.
func TestConcurrentBulkIngests(t *testing.T) {
	for _, same := range []bool{false, true} {
		t.Run(fmt.Sprintf("same collection %v", same), func(t *testing.T) {
			storetest.Reset(t, dbURL)
			var wg sync.WaitGroup
			sums := make([]ingest.Summary, 2)
			errs := make([]error, 2)
			for i := range 2 {
				in := ingest.New(process(t), &countingModel{name: "count-8d", dim: 8}, ingest.Config{Overlap: 4, BulkMin: 10})
				coll := fmt.Sprintf("bulk-%d", i)
				if same {
					coll = "bulk"
				}
				wg.Go(func() { sums[i], errs[i] = in.IngestDocuments(t.Context(), coll, distractorDocs(40), ingest.Options{}) })
			}
			wg.Wait()
			for i := range 2 {
				if errs[i] != nil || sums[i].Failed != 0 {
					t.Errorf("ingest %d: %+v, %v", i, sums[i], errs[i])
				}
			}
			s := process(t)
			m, err := s.EnsureModel(t.Context(), "count-8d", 8)
			if err != nil {
				t.Fatal(err)
			}
			if !vectorIndexValid(t, m) {
				t.Error("no valid vector index after two concurrent bulk ingests")
			}
			faulttest.AssertIntegrity(t, dbURL)
		})
	}
}

// askDuringBulk is the real store; right after a bulk load drops the
// index, another process asks (its EnsureModel) and records whether the
// index came back under the load.
type askDuringBulk struct {
	*store.Store
	t       *testing.T
	asker   *store.Store
	rebuilt bool
	err     error
}

func (a *askDuringBulk) BeginBulkLoad(ctx context.Context, m store.Model) (*store.BulkLoad, error) {
	b, err := a.Store.BeginBulkLoad(ctx, m)
	if err == nil {
		_, a.err = a.asker.EnsureModel(ctx, m.Name, m.Dim)
		a.rebuilt = vectorIndexValid(a.t, m)
	}
	return b, err
}

// TestAskDuringBulkLoad checks that an ask from another process while a
// bulk load runs leaves the load's index down (bulk mode stays on), and
// that the load builds it when it ends.
func TestAskDuringBulkLoad(t *testing.T) {
	storetest.Reset(t, dbURL)
	s := &askDuringBulk{Store: process(t), t: t, asker: process(t)}
	m := &countingModel{name: "count-8d", dim: 8}
	in := ingest.New(s, m, ingest.Config{Overlap: 4, BulkMin: 10})
	if _, err := in.IngestDocuments(t.Context(), "bulk", distractorDocs(40), ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	if s.err != nil || s.rebuilt {
		t.Errorf("ask during the bulk load: rebuilt the index %v, err %v; want false, nil", s.rebuilt, s.err)
	}
	checkVectorSearch(t, s.Store, m)
}
