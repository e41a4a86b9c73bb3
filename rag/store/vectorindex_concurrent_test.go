package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

// Each *store.Store opened here is its own pool of sessions, as another
// citebot process would be: advisory locks are held per session.

// otherProcess opens another store on the package's database.
func otherProcess(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// indexState is "missing", "invalid" or "valid" for m's HNSW index.
func indexState(t *testing.T, s *store.Store, m store.Model) string {
	t.Helper()
	var state string
	err := s.QueryRowForTest(t.Context(), fmt.Sprintf(`SELECT coalesce((SELECT CASE WHEN indisvalid THEN 'valid' ELSE 'invalid' END
		FROM pg_index WHERE indexrelid = to_regclass('chunk_embeddings_hnsw_%d')), 'missing')`, m.ID), &state)
	if err != nil {
		t.Fatal(err)
	}
	return state
}

// putRandom stores n one-chunk documents with random vectors.
func putRandom(t *testing.T, s *store.Store, m store.Model, coll string, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	for i := range n {
		v := []float32{rng.Float32() + 0.01, rng.Float32(), rng.Float32(), rng.Float32()}
		put(t, s, m, coll, fmt.Sprintf("doc-%d", i), []string{fmt.Sprintf("passage %d", i)}, [][]float32{v})
	}
}

// TestBuildInProgressNotDropped holds a CREATE INDEX CONCURRENTLY of one
// process half-way (its index exists, invalid, while an open write
// transaction makes it wait) and checks that another process's
// EnsureModel neither drops it nor waits for it, and that vector search
// answers meanwhile by scanning.
func TestBuildInProgressNotDropped(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	putRandom(t, s, m, "inprogress", 20)
	if err := s.DropVectorIndex(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	writer, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close(context.WithoutCancel(t.Context()))
	tx, err := writer.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(t.Context(), `LOCK TABLE chunk_embeddings IN ROW EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	built := make(chan error, 1)
	go func() { built <- s.BuildVectorIndex(t.Context(), m) }()
	waitState(t, s, m, "invalid") // the build is under way, waiting for tx

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := otherProcess(t).EnsureModel(ctx, m.Name, m.Dim); err != nil {
		t.Fatalf("EnsureModel while another process builds: %v", err)
	}
	if got := indexState(t, s, m); got != "invalid" {
		t.Errorf("index of the build in progress is %s after EnsureModel elsewhere, want invalid (untouched)", got)
	}
	p := store.SearchParams{Collection: "inprogress", Mode: rag.ModeVector, Vector: []float32{1, 0, 0, 0}, Model: m, K: 3}
	if got := search(t, otherProcess(t), p); len(got) != 3 {
		t.Errorf("vector search during the build = %d passages, want 3", len(got))
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := <-built; err != nil {
		t.Fatalf("the build: %v", err)
	}
	if got := indexState(t, s, m); got != "valid" {
		t.Errorf("index after the build = %s, want valid", got)
	}
}

// waitState waits until m's index is in state want.
func waitState(t *testing.T, s *store.Store, m store.Model, want string) {
	t.Helper()
	for range 200 {
		if indexState(t, s, m) == want {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("index never became %s", want)
}

// TestConcurrentEnsureModelIndexMissing is six processes asking at once
// (each ask runs EnsureModel, then searches) with the index missing: all
// must succeed and leave one valid index.
func TestConcurrentEnsureModelIndexMissing(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	putRandom(t, s, m, "six", 300)
	if err := s.DropVectorIndex(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	procs := make([]*store.Store, 6)
	for i := range procs {
		procs[i] = otherProcess(t)
	}
	errs := make([]error, len(procs))
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Go(func() {
			if _, errs[i] = p.EnsureModel(t.Context(), m.Name, m.Dim); errs[i] != nil {
				return
			}
			_, errs[i] = p.Search(t.Context(), store.SearchParams{Collection: "six", Mode: rag.ModeVector,
				Vector: []float32{1, 0, 0, 0}, Model: m, K: 3})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("ask %d: %v", i, err)
		}
	}
	// The builder returns when its build is done; the others at once.
	if got := indexState(t, s, m); got != "valid" {
		t.Errorf("index after six concurrent asks = %s, want valid", got)
	}
}

// TestBulkLoadsKeepIndexDown checks that while bulk loads run, another
// process's EnsureModel (an ask) does not build the index back, and that
// the last of two overlapping bulk loads builds it.
func TestBulkLoadsKeepIndexDown(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	putRandom(t, s, m, "bulk", 20)
	a, b, asker := otherProcess(t), otherProcess(t), otherProcess(t)
	type step struct {
		name string
		do   func(ctx context.Context) error
		want string // the index's state after the step
	}
	var la, lb *store.BulkLoad
	ask := func(ctx context.Context) error { _, err := asker.EnsureModel(ctx, m.Name, m.Dim); return err }
	steps := []step{
		{"first bulk load begins", func(ctx context.Context) (err error) { la, err = a.BeginBulkLoad(ctx, m); return err }, "missing"},
		{"an ask meanwhile", ask, "missing"},
		{"second bulk load begins", func(ctx context.Context) (err error) { lb, err = b.BeginBulkLoad(ctx, m); return err }, "missing"},
		{"first ends", func(ctx context.Context) error { return la.End(ctx) }, "missing"},
		{"another ask", ask, "missing"},
		{"second ends and builds", func(ctx context.Context) error { return lb.End(ctx) }, "valid"},
		{"an ask after", ask, "valid"},
	}
	for _, st := range steps {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		err := st.do(ctx)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := indexState(t, s, m); got != st.want {
			t.Errorf("%s: index %s, want %s", st.name, got, st.want)
		}
	}
}
