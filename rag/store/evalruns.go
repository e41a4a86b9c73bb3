package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Run statuses of eval_runs and console_ingest_runs (their CHECK
// constraints in migrations/007_console.sql).
const (
	RunRunning = "running"
	RunDone    = "done"
	RunFailed  = "failed"
)

// QASet is a stored QA file of a collection.
type QASet struct {
	ID         int64
	Collection string
	Name       string
	// Body is the JSONL; QASets leaves it empty.
	Body      string
	Questions int
	CreatedAt time.Time
}

// SaveQASet stores a QA file under its name in its collection, replacing
// one of the same name, and returns its id.
func (s *Store) SaveQASet(ctx context.Context, q QASet) (int64, error) {
	collID, err := s.EnsureCollection(ctx, q.Collection)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.pool.QueryRow(ctx, `INSERT INTO eval_qa_sets (collection_id, name, body, questions) VALUES ($1, $2, $3, $4)
		ON CONFLICT (collection_id, name) DO UPDATE SET body = excluded.body, questions = excluded.questions,
			created_at = now()
		RETURNING id`, collID, q.Name, q.Body, q.Questions).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("save qa set: %w", err)
	}
	return id, nil
}

// QASets lists a collection's QA sets by name, without their bodies.
func (s *Store) QASets(ctx context.Context, collection string) ([]QASet, error) {
	rows, err := s.pool.Query(ctx, `SELECT q.id, k.name, q.name, '', q.questions, q.created_at
		FROM eval_qa_sets q JOIN collections k ON k.id = q.collection_id WHERE k.name = $1 ORDER BY q.name`, collection)
	if err != nil {
		return nil, fmt.Errorf("list qa sets: %w", err)
	}
	sets, err := pgx.CollectRows(rows, pgx.RowToStructByPos[QASet])
	if err != nil {
		return nil, fmt.Errorf("list qa sets: %w", err)
	}
	return sets, nil
}

// QASetByID returns one QA set of a collection with its body.
func (s *Store) QASetByID(ctx context.Context, collection string, id int64) (QASet, error) {
	var q QASet
	err := s.pool.QueryRow(ctx, `SELECT q.id, k.name, q.name, q.body, q.questions, q.created_at
		FROM eval_qa_sets q JOIN collections k ON k.id = q.collection_id WHERE k.name = $1 AND q.id = $2`,
		collection, id).Scan(&q.ID, &q.Collection, &q.Name, &q.Body, &q.Questions, &q.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return QASet{}, ErrNotFound
	}
	if err != nil {
		return QASet{}, fmt.Errorf("read qa set: %w", err)
	}
	return q, nil
}

// EvalRun is one `eval answers` run on a stored QA set.
type EvalRun struct {
	ID        int64
	QASetID   int64
	QASetName string
	Status    string
	// Report is the JSON of the eval answers report; empty until done.
	Report     []byte
	Error      string
	StartedBy  string
	StartedAt  time.Time
	FinishedAt *time.Time
}

// StartEvalRun records a run of QA set qaSetID as running.
func (s *Store) StartEvalRun(ctx context.Context, collection string, qaSetID int64, startedBy string) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO eval_runs (collection_id, qa_set_id, started_by)
		SELECT q.collection_id, q.id, $3 FROM eval_qa_sets q JOIN collections k ON k.id = q.collection_id
		WHERE k.name = $1 AND q.id = $2 RETURNING id`, collection, qaSetID, startedBy).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("start eval run: %w", err)
	}
	return id, nil
}

// FinishEvalRun stores a run's report, or its error when errMsg is set.
func (s *Store) FinishEvalRun(ctx context.Context, id int64, report []byte, errMsg string) error {
	status := RunDone
	if errMsg != "" {
		status, report = RunFailed, nil
	}
	_, err := s.pool.Exec(ctx, `UPDATE eval_runs SET status = $2, report = $3, error = $4, finished_at = now()
		WHERE id = $1`, id, status, report, errMsg)
	if err != nil {
		return fmt.Errorf("finish eval run: %w", err)
	}
	return nil
}

// EvalRuns lists a collection's latest runs, newest first.
func (s *Store) EvalRuns(ctx context.Context, collection string, limit int) ([]EvalRun, error) {
	rows, err := s.pool.Query(ctx, `SELECT r.id, r.qa_set_id, q.name, r.status, coalesce(r.report::text, '')::bytea,
			r.error, r.started_by, r.started_at, r.finished_at
		FROM eval_runs r JOIN eval_qa_sets q ON q.id = r.qa_set_id JOIN collections k ON k.id = r.collection_id
		WHERE k.name = $1 ORDER BY r.id DESC LIMIT $2`, collection, limit)
	if err != nil {
		return nil, fmt.Errorf("list eval runs: %w", err)
	}
	runs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[EvalRun])
	if err != nil {
		return nil, fmt.Errorf("list eval runs: %w", err)
	}
	return runs, nil
}
