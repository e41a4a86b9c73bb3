package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

// TestReadReplica runs the store against a real streaming replica of the
// test server: reads go to the replica, writes to the primary, and
// documents appear there whole or not at all.
func TestReadReplica(t *testing.T) {
	if testing.Short() {
		t.Skip("copies the server with pg_basebackup")
	}
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	replica := storetest.StartReplica(t, dbURL)
	if err := s.AttachReadReplica(t.Context(), dbURL); !errors.Is(err, store.ErrNotReplica) {
		t.Fatalf("AttachReadReplica(primary) = %v, want ErrNotReplica", err)
	}
	if err := s.AttachReadReplica(t.Context(), replica.URL); err != nil {
		t.Fatal(err)
	}
	t.Run("reads on the replica", func(t *testing.T) {
		standby, _, err := s.ReadServerForTest(t.Context())
		if err != nil || !standby {
			t.Fatalf("read pool: in recovery %v, %v; want the replica", standby, err)
		}
	})
	t.Run("writes on the primary, searches on the replica", func(t *testing.T) {
		// With replay paused the replica lags for as long as it likes: a
		// search must not see the write until replay goes on.
		replica.PauseReplay(t, true)
		put(t, s, m, "replica", "lagging.md", []string{"the quokka sleeps in the afternoon"}, [][]float32{axis(0)})
		search := func() int {
			ps, err := s.Search(t.Context(), store.SearchParams{Collection: "replica", Mode: rag.ModeText, Text: "quokka",
				Model: m, K: 5, Candidates: 5, K1: 1.2, B: 0.75})
			if err != nil {
				t.Fatal(err)
			}
			return len(ps)
		}
		if n := search(); n != 0 {
			t.Fatalf("search found %d passages on a paused replica", n)
		}
		replica.PauseReplay(t, false)
		waitFor(t, func() bool { return search() == 1 })
	})
	t.Run("documents visible whole", func(t *testing.T) {
		watchWholeDocuments(t, s, m)
	})
}

// watchWholeDocuments writes documents of 300 chunks, then replaces them
// with 200, while reading the replica without pause: every document seen
// there has all its chunks, vectors and postings of one version.
func watchWholeDocuments(t *testing.T, s *store.Store, m store.Model) {
	const docs, first, second = 8, 300, 200
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		defer close(done)
		for _, n := range []int{first, second} {
			for d := range docs {
				w := store.DocumentWrite{Collection: "whole", Source: fmt.Sprintf("doc-%d", d), Title: "t",
					ContentHash: fmt.Sprint(n), Model: m}
				for i := range n {
					txt := fmt.Sprintf("passage %d of version %d about wombats", i, n)
					w.Chunks = append(w.Chunks, store.ChunkWrite{Position: i, Text: txt, Hash: fmt.Sprint(n, "-", i),
						End: len(txt), Embedding: axis(i)})
				}
				if _, err := s.ReplaceDocument(t.Context(), w); err != nil {
					t.Error(err)
					return
				}
			}
		}
	})
	seen := map[int]int{} // chunk count -> observations
	check := func() map[string][3]int {
		parts, err := s.DocumentPartsForTest(t.Context(), "whole")
		if err != nil {
			t.Fatal(err)
		}
		for src, p := range parts {
			if p[0] != p[1] || p[0] != p[2] || (p[0] != first && p[0] != second) {
				t.Fatalf("replica shows %s with %d chunks, %d vectors, %d chunks with postings: half a document", src, p[0], p[1], p[2])
			}
			seen[p[0]]++
		}
		return parts
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
			check()
		}
	}
	wg.Wait()
	waitFor(t, func() bool {
		parts := check()
		for _, p := range parts {
			if p[0] != second {
				return false
			}
		}
		return len(parts) == docs
	})
	t.Logf("observations by version: %v", seen)
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("replica did not catch up within a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// axis is the test model's unit vector along axis i mod testDim.
func axis(i int) []float32 {
	v := make([]float32, testDim)
	v[i%testDim] = 1
	return v
}
