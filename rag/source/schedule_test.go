package source_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/citebot/citebot/rag/source"
	"github.com/citebot/citebot/rag/store"
)

func TestSyncRecorded(t *testing.T) {
	r, s := newRunner(t, source.Config{})
	ctx := t.Context()
	dir := t.TempDir()
	if _, err := r.Add(ctx, "runs", []source.Spec{{Kind: store.SourceKindPath, Location: dir}}, nil); err != nil {
		t.Fatal(err)
	}
	t.Run("a run is recorded", func(t *testing.T) {
		before := time.Now().Add(-time.Minute)
		if _, err := r.SyncRecorded(ctx, s, "", nil); err != nil {
			t.Fatal(err)
		}
		last, err := s.LastSyncRun(ctx)
		if err != nil || last.Before(before) {
			t.Errorf("last run = %v, %v", last, err)
		}
	})
	t.Run("a second process is refused while one runs", func(t *testing.T) {
		held := make(chan struct{})
		release := make(chan struct{})
		done := make(chan error)
		go func() {
			_, err := s.WithSyncLock(ctx, func(context.Context) error {
				close(held)
				<-release
				return nil
			})
			done <- err
		}()
		<-held
		_, err := r.SyncRecorded(ctx, s, "", nil)
		close(release)
		if !errors.Is(err, source.ErrSyncRunning) {
			t.Errorf("err = %v, want ErrSyncRunning", err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a run whose process died is run again at the next check", func(t *testing.T) {
		if _, err := r.SyncRecorded(ctx, s, "", nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		mid := time.Now()
		if _, err := s.StartSyncRun(ctx); err != nil { // started, never finished
			t.Fatal(err)
		}
		if last, err := s.LastSyncRun(ctx); err != nil || !last.Before(mid) {
			t.Errorf("last run = %v, %v; want the finished one, before %v", last, err, mid)
		}
		if _, ran, err := r.SyncDue(ctx, s, 200*time.Millisecond); err != nil || !ran {
			t.Errorf("SyncDue after an interrupted run = %v, %v; want it run again", ran, err)
		}
	})
	t.Run("a scheduled run waits for its interval", func(t *testing.T) {
		if _, ran, err := r.SyncDue(ctx, s, time.Hour); err != nil || ran {
			t.Errorf("SyncDue just after a run = %v, %v; want no run", ran, err)
		}
		if _, ran, err := r.SyncDue(ctx, s, time.Nanosecond); err != nil || !ran {
			t.Errorf("SyncDue after the interval = %v, %v; want a run", ran, err)
		}
	})
}
