package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// IngestRun is an ingest or re-sync started from the web console, with
// its progress.
type IngestRun struct {
	ID         int64
	Collection string
	// Kind is "upload", "url" or "sync" (the CHECK constraint in
	// migrations/007_console.sql); Target names the file or URL.
	Kind, Target string
	Status       string
	Done, Total  int
	Chunks       int
	Current      string
	// Summary is the finished run's counts in words.
	Summary, Error string
	StartedBy      string
	StartedAt      time.Time
	UpdatedAt      time.Time
	FinishedAt     *time.Time
}

// StartIngestRun records a run as running and returns its id.
func (s *Store) StartIngestRun(ctx context.Context, r IngestRun) (int64, error) {
	collID, err := s.EnsureCollection(ctx, r.Collection)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.pool.QueryRow(ctx, `INSERT INTO console_ingest_runs (collection_id, kind, target, started_by)
		VALUES ($1, $2, $3, $4) RETURNING id`, collID, r.Kind, r.Target, r.StartedBy).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("start ingest run: %w", err)
	}
	return id, nil
}

// UpdateIngestRun stores a running run's progress.
func (s *Store) UpdateIngestRun(ctx context.Context, id int64, done, total, chunks int, current string) error {
	_, err := s.pool.Exec(ctx, `UPDATE console_ingest_runs SET done = $2, total = $3, chunks = $4, current = $5,
		updated_at = now() WHERE id = $1 AND status = 'running'`, id, done, total, chunks, current)
	if err != nil {
		return fmt.Errorf("update ingest run: %w", err)
	}
	return nil
}

// TouchIngestRun records that a running run's process is alive.
func (s *Store) TouchIngestRun(ctx context.Context, id int64) error {
	_, err := s.pool.Exec(ctx, `UPDATE console_ingest_runs SET updated_at = now() WHERE id = $1 AND status = 'running'`, id)
	if err != nil {
		return fmt.Errorf("touch ingest run: %w", err)
	}
	return nil
}

// FinishIngestRun marks a run done with its summary, or failed when
// errMsg is set.
func (s *Store) FinishIngestRun(ctx context.Context, id int64, summary, errMsg string) error {
	status := RunDone
	if errMsg != "" {
		status = RunFailed
	}
	_, err := s.pool.Exec(ctx, `UPDATE console_ingest_runs SET status = $2, summary = $3, error = $4,
		current = '', done = greatest(done, total), updated_at = now(), finished_at = now() WHERE id = $1`,
		id, status, summary, errMsg)
	if err != nil {
		return fmt.Errorf("finish ingest run: %w", err)
	}
	return nil
}

// FailStaleIngestRuns marks failed the runs that reported no progress
// since before: their process died.
func (s *Store) FailStaleIngestRuns(ctx context.Context, before time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE console_ingest_runs SET status = 'failed', current = '',
		error = 'interrupted: the process running it stopped', finished_at = now()
		WHERE status = 'running' AND updated_at < $1`, before)
	if err != nil {
		return fmt.Errorf("fail stale ingest runs: %w", err)
	}
	return nil
}

const ingestRunColumns = `r.id, k.name, r.kind, r.target, r.status, r.done, r.total, r.chunks, r.current,
	r.summary, r.error, r.started_by, r.started_at, r.updated_at, r.finished_at`

// IngestRuns lists a collection's latest runs, newest first.
func (s *Store) IngestRuns(ctx context.Context, collection string, limit int) ([]IngestRun, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+ingestRunColumns+`
		FROM console_ingest_runs r JOIN collections k ON k.id = r.collection_id
		WHERE k.name = $1 ORDER BY r.id DESC LIMIT $2`, collection, limit)
	if err != nil {
		return nil, fmt.Errorf("list ingest runs: %w", err)
	}
	runs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[IngestRun])
	if err != nil {
		return nil, fmt.Errorf("list ingest runs: %w", err)
	}
	return runs, nil
}

// IngestRunByID returns one run of a collection.
func (s *Store) IngestRunByID(ctx context.Context, collection string, id int64) (IngestRun, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+ingestRunColumns+`
		FROM console_ingest_runs r JOIN collections k ON k.id = r.collection_id
		WHERE k.name = $1 AND r.id = $2`, collection, id)
	if err != nil {
		return IngestRun{}, fmt.Errorf("read ingest run: %w", err)
	}
	run, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[IngestRun])
	if errors.Is(err, pgx.ErrNoRows) {
		return IngestRun{}, ErrNotFound
	}
	if err != nil {
		return IngestRun{}, fmt.Errorf("read ingest run: %w", err)
	}
	return run, nil
}
