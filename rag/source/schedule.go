package source

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"
)

// RunLog records sync runs and lets one process at a time run them.
type RunLog interface {
	WithSyncLock(ctx context.Context, fn func(ctx context.Context) error) (bool, error)
	LastSyncRun(ctx context.Context) (time.Time, error)
	StartSyncRun(ctx context.Context) (int64, error)
	FinishSyncRun(ctx context.Context, id int64, summary json.RawMessage) error
}

// ErrSyncRunning is returned when another process is running a sync.
var ErrSyncRunning = errors.New("another sync is running")

// SyncRecorded syncs collection (every collection when empty) while
// holding the sync lock, and records the run with its summary. It
// returns ErrSyncRunning when another process holds the lock.
func (r *Runner) SyncRecorded(ctx context.Context, log RunLog, collection string, progress func(Progress)) (Summary, error) {
	sum, ran, err := r.syncIf(ctx, log, collection, 0, progress)
	if err == nil && !ran {
		err = ErrSyncRunning
	}
	return sum, err
}

// syncIf runs a recorded sync under the lock when the last run started
// at least every ago; ran tells whether it did.
func (r *Runner) syncIf(ctx context.Context, log RunLog, collection string, every time.Duration, progress func(Progress)) (Summary, bool, error) {
	var sum Summary
	var ran bool
	locked, err := log.WithSyncLock(ctx, func(ctx context.Context) error {
		if every > 0 {
			last, err := log.LastSyncRun(ctx)
			if err != nil || time.Since(last) < every {
				return err
			}
		}
		ran = true
		id, err := log.StartSyncRun(ctx)
		if err != nil {
			return err
		}
		var syncErr error
		sum, syncErr = r.Sync(ctx, collection, progress)
		if ctx.Err() != nil {
			return syncErr // left unfinished: the next process to check resumes it
		}
		data, err := json.Marshal(sum)
		if err != nil {
			return err
		}
		if err := log.FinishSyncRun(context.WithoutCancel(ctx), id, data); err != nil {
			return err
		}
		return syncErr
	})
	return sum, locked && ran, err
}

// SyncDue runs a recorded sync of every collection unless one started
// within every or another process holds the lock; ran tells whether it did.
func (r *Runner) SyncDue(ctx context.Context, log RunLog, every time.Duration) (Summary, bool, error) {
	return r.syncIf(ctx, log, "", every, nil)
}

// Schedule syncs every collection once per interval until ctx ends. Each
// replica checks often (every tenth of the interval, at most a minute
// apart), but a run starts only when none has started within the
// interval, under a lock that one replica holds at a time: the schedule
// runs once across replicas. A failed run is logged and retried at the
// next check.
func (r *Runner) Schedule(ctx context.Context, log RunLog, every time.Duration) error {
	tick := time.NewTicker(min(max(every/10, time.Second), time.Minute))
	defer tick.Stop()
	for {
		sum, ran, err := r.SyncDue(ctx, log, every)
		switch {
		case err != nil && ctx.Err() == nil:
			r.cfg.Logger.ErrorContext(ctx, "scheduled sync", slog.Any("err", err))
		case ran:
			r.cfg.Logger.InfoContext(ctx, "scheduled sync done", slog.Int("sources", len(sum.Sources)),
				slog.Int("added", sum.Added), slog.Int("changed", sum.Changed), slog.Int("unchanged", sum.Unchanged),
				slog.Int("removed", sum.Removed), slog.Int("failed", sum.Failed), slog.Duration("elapsed", sum.Elapsed))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
