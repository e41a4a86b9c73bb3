package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

func TestJobs(t *testing.T) {
	s := storetest.Open(t, dbURL)
	ctx := t.Context()
	id, err := s.EnqueueJob(ctx, store.Job{Kind: "upload", Collection: "c", Params: store.JobParams{Filename: "a.md"},
		Data: []byte("# A"), ChannelID: "ch", AppID: "app", Token: "tok", TokenAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	j, ok, err := s.ClaimJob(ctx, "dead", 200*time.Millisecond)
	if err != nil || !ok || j.ID != id || string(j.Data) != "# A" || j.Params.Filename != "a.md" || j.Attempts != 1 || j.Token != "tok" {
		t.Fatalf("claim = %+v, %v, %v", j, ok, err)
	}
	if _, ok, _ := s.ClaimJob(ctx, "other", time.Minute); ok {
		t.Fatal("a leased job was claimed twice")
	}
	if err := s.HeartbeatJob(ctx, id, "dead", store.JobProgress{Done: 1, Total: 2}, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // "dead" stops heartbeating: its lease runs out

	t.Run("an expired job is resumed by exactly one of many claimers", func(t *testing.T) {
		var mu sync.Mutex
		var won []string
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owner := fmt.Sprintf("w%d", i)
				if j, ok, err := s.ClaimJob(ctx, owner, time.Minute); err != nil {
					t.Error(err)
				} else if ok {
					mu.Lock()
					won = append(won, owner)
					mu.Unlock()
					if j.Attempts != 2 || j.Progress.Done != 1 {
						t.Errorf("resumed job = %+v", j)
					}
				}
			}()
		}
		wg.Wait()
		if len(won) != 1 {
			t.Fatalf("claimed by %v, want exactly one", won)
		}
		if err := s.HeartbeatJob(ctx, id, "dead", store.JobProgress{}, time.Minute); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("heartbeat of the dead owner = %v, want ErrLeaseLost", err)
		}
		if err := s.FinishJob(ctx, id, "dead", nil, ""); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("finish by the dead owner = %v, want ErrLeaseLost", err)
		}
		if err := s.FinishJob(ctx, id, won[0], map[string]int{"added": 1}, ""); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a released job is claimable at once; finished ones never", func(t *testing.T) {
		id2, _ := s.EnqueueJob(ctx, store.Job{Kind: "resync", Collection: "c"})
		j, ok, _ := s.ClaimJob(ctx, "a", time.Hour)
		if !ok || j.ID != id2 {
			t.Fatalf("claim = %+v %v", j, ok)
		}
		if err := s.ReleaseJob(ctx, id2, "a"); err != nil {
			t.Fatal(err)
		}
		if j, ok, _ := s.ClaimJob(ctx, "b", time.Hour); !ok || j.ID != id2 {
			t.Fatalf("released job not claimed: %+v %v", j, ok)
		}
		if err := s.FinishJob(ctx, id2, "b", nil, "boom"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.ClaimJob(ctx, "c", time.Hour); ok {
			t.Error("a finished job was claimed")
		}
	})
	t.Run("list", func(t *testing.T) {
		js, err := s.ListJobs(ctx, store.JobFilter{})
		if err != nil || len(js) != 2 || js[0].State != store.JobFailed || js[0].Error != "boom" || js[1].State != store.JobDone ||
			string(js[1].Result) != `{"added": 1}` || js[1].Token != "" || js[1].Data != nil {
			t.Errorf("jobs = %+v, %v", js, err)
		}
	})
}
