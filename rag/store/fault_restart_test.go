package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/answer"
	"github.com/citebot/citebot/rag/retrieve"
	"github.com/citebot/citebot/rag/store/faulttest"
)

// constEmbedder gives every text the same unit vector of testDim values.
type constEmbedder struct{}

func (constEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i := range texts {
		out[i] = []float32{1, 0, 0, 0}
	}
	return out, nil
}

// recoverWithin bounds how long the pool may take to serve again after
// the server is back, on a loaded machine.
const recoverWithin = 90 * time.Second

// TestQuestionsSurvivePostgresRestart asks questions through the real
// pipeline and store on a private cluster while it restarts: while it is
// down every question fails with an error saying retrieval failed (no
// panic, no hang), and afterwards the same *store.Store answers again
// without being reopened.
func TestQuestionsSurvivePostgresRestart(t *testing.T) {
	pg := faulttest.StartPostgres(t)
	ctx := t.Context()
	s := pg.OpenStore(t)
	m := testModel(t, s)
	for i := range 5 {
		put(t, s, m, "faults", fmt.Sprintf("doc-%d", i), []string{
			fmt.Sprintf("Ferrule node %d listens on port %d for replication traffic.", i, 7000+i)},
			[][]float32{{1, 0, 0, 0}})
	}
	p, err := answer.New(answer.Config{Retriever: retrieve.New(s, constEmbedder{}, m, retrieve.DefaultConfig()),
		Embedder: constEmbedder{}})
	if err != nil {
		t.Fatal(err)
	}
	ask := func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		_, err := p.Answer(ctx, rag.Request{Collection: "faults", Question: "Which port does node 3 listen on?"}, nil)
		return err
	}
	if err := ask(ctx); err != nil {
		t.Fatalf("before the restart: %v", err)
	}
	stopAskers := askInBackground(t, ask)

	if err := pg.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	t.Run("down: clear errors", func(t *testing.T) {
		for i := range 3 {
			err := ask(ctx)
			if err == nil {
				t.Fatal("a question succeeded with the database stopped")
			}
			if i == 0 {
				t.Logf("while down: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "retrieve: ") || errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error while down = %q, want a prompt retrieval error", err)
			}
		}
		if err := s.Ping(ctx); err == nil {
			t.Error("Ping succeeded with the database stopped")
		}
	})
	if err := pg.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Run("up: the same store recovers", func(t *testing.T) {
		awaitStreak(t, ask, 20)
	})
	ok, failed := stopAskers()
	t.Logf("background questions: %d answered, %d failed", ok, failed)
	if ok == 0 {
		t.Error("no background question was answered")
	}
}

// askInBackground asks in a loop from three goroutines until the returned
// func is called, which reports how many questions were answered and
// failed. A panic fails the test.
func askInBackground(t *testing.T, ask func(context.Context) error) func() (ok, failed int64) {
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	var okN, failN atomic.Int64
	for range 3 {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("panic while asking: %v", r)
				}
			}()
			for ctx.Err() == nil {
				if err := ask(ctx); err != nil {
					failN.Add(1)
					time.Sleep(10 * time.Millisecond) // pace, not timing
					continue
				}
				okN.Add(1)
			}
		})
	}
	return func() (int64, int64) {
		// Let the askers run against the recovered server before stopping.
		deadline := time.Now().Add(recoverWithin)
		for start := okN.Load(); okN.Load() < start+3 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		wg.Wait()
		return okN.Load(), failN.Load()
	}
}

// awaitStreak retries f until it succeeds n times in a row, failing the
// test when that takes longer than recoverWithin.
func awaitStreak(t *testing.T, f func(context.Context) error, n int) {
	t.Helper()
	deadline := time.Now().Add(recoverWithin)
	streak, attempts := 0, 0
	var last error
	for streak < n {
		if time.Now().After(deadline) {
			t.Fatalf("no streak of %d successes within %s (%d attempts); last error: %v", n, recoverWithin, attempts, last)
		}
		attempts++
		if last = f(t.Context()); last != nil {
			streak = 0
			time.Sleep(20 * time.Millisecond)
			continue
		}
		streak++
	}
	t.Logf("recovered after %d attempts", attempts)
}
