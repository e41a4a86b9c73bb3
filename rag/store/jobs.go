package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Job states, as stored in jobs.state (migration 008's CHECK).
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// ErrLeaseLost is returned when a worker reports on a job it no longer
// holds: its lease ran out and another worker claimed it, or it finished.
var ErrLeaseLost = errors.New("job lease lost")

// JobParams are what a job's kind needs.
type JobParams struct {
	URL      string   `json:"url,omitempty"`
	Filename string   `json:"filename,omitempty"`
	Args     []string `json:"args,omitempty"`
}

// JobProgress is how far a running job is.
type JobProgress struct {
	Done    int    `json:"done"`
	Total   int    `json:"total"`
	Current string `json:"current,omitempty"`
}

// Job is one background ingest.
type Job struct {
	ID         int64
	Kind       string
	Collection string
	Params     JobParams
	Data       []byte
	State      string
	Attempts   int
	Owner      string
	LeaseUntil time.Time
	Progress   JobProgress
	Result     json.RawMessage // the summary of a finished job; nil before
	Error      string
	// Where progress is shown in Discord; all empty for CLI jobs.
	GuildID, ChannelID, AppID, Token string
	TokenAt                          time.Time
	MessageID                        string
	CreatedAt, StartedAt, FinishedAt time.Time
}

// EnqueueJob stores a queued job and returns its id.
func (s *Store) EnqueueJob(ctx context.Context, j Job) (int64, error) {
	params, err := json.Marshal(j.Params)
	if err != nil {
		return 0, fmt.Errorf("enqueue job: %w", err)
	}
	var id int64
	err = s.pool.QueryRow(ctx, `INSERT INTO jobs (kind, collection, params, data, guild_id, channel_id, app_id, token,
		token_at, message_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		j.Kind, j.Collection, params, j.Data, j.GuildID, j.ChannelID, j.AppID, j.Token, nullTime(j.TokenAt), j.MessageID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("enqueue job: %w", err)
	}
	return id, nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

const jobColumns = `id, kind, collection, params, data, state, attempts, owner, coalesce(lease_until, 'epoch'),
	progress, result, error, guild_id, channel_id, app_id, token, coalesce(token_at, 'epoch'), message_id,
	created_at, coalesce(started_at, 'epoch'), coalesce(finished_at, 'epoch')`

func scanJob(row pgx.Row) (Job, error) {
	var j Job
	var params, progress []byte
	err := row.Scan(&j.ID, &j.Kind, &j.Collection, &params, &j.Data, &j.State, &j.Attempts, &j.Owner, &j.LeaseUntil,
		&progress, &j.Result, &j.Error, &j.GuildID, &j.ChannelID, &j.AppID, &j.Token, &j.TokenAt, &j.MessageID,
		&j.CreatedAt, &j.StartedAt, &j.FinishedAt)
	if err != nil {
		return Job{}, err
	}
	for _, t := range []*time.Time{&j.LeaseUntil, &j.TokenAt, &j.StartedAt, &j.FinishedAt} {
		if t.Equal(time.Unix(0, 0)) {
			*t = time.Time{}
		}
	}
	if err := json.Unmarshal(params, &j.Params); err != nil {
		return Job{}, fmt.Errorf("job %d params: %w", j.ID, err)
	}
	if err := json.Unmarshal(progress, &j.Progress); err != nil {
		return Job{}, fmt.Errorf("job %d progress: %w", j.ID, err)
	}
	return j, nil
}

// ClaimJob gives owner the oldest job that is queued or whose lease ran
// out, leased for lease; ok is false when there is none. Concurrent
// claimers never get the same job: the row is locked FOR UPDATE SKIP
// LOCKED and the lease is re-checked under the lock.
func (s *Store) ClaimJob(ctx context.Context, owner string, lease time.Duration) (Job, bool, error) {
	j, err := scanJob(s.pool.QueryRow(ctx, `UPDATE jobs SET state = 'running', owner = $1,
			lease_until = now() + $2 * interval '1 millisecond', attempts = attempts + 1,
			started_at = coalesce(started_at, now())
		WHERE id = (SELECT id FROM jobs
			WHERE state = 'queued' OR (state = 'running' AND lease_until < now())
			ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING `+jobColumns, owner, lease.Milliseconds()))
	if errors.Is(err, pgx.ErrNoRows) {
		return Job{}, false, nil
	}
	if err != nil {
		return Job{}, false, fmt.Errorf("claim job: %w", err)
	}
	return j, true, nil
}

// HeartbeatJob renews owner's lease on a running job and stores its
// progress; ErrLeaseLost when owner no longer holds it.
func (s *Store) HeartbeatJob(ctx context.Context, id int64, owner string, p JobProgress, lease time.Duration) error {
	prog, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("job heartbeat: %w", err)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE jobs SET lease_until = now() + $3 * interval '1 millisecond', progress = $4
		WHERE id = $1 AND owner = $2 AND state = 'running'`, id, owner, lease.Milliseconds(), prog)
	if err != nil {
		return fmt.Errorf("job heartbeat: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("job %d: %w", id, ErrLeaseLost)
	}
	return nil
}

// FinishJob ends owner's job as done (failure empty) or failed, with its
// summary; ErrLeaseLost when owner no longer holds it.
func (s *Store) FinishJob(ctx context.Context, id int64, owner string, result any, failure string) error {
	res, err := json.Marshal(result)
	if err != nil {
		return fmt.Errorf("finish job: %w", err)
	}
	state := JobDone
	if failure != "" {
		state = JobFailed
	}
	tag, err := s.pool.Exec(ctx, `UPDATE jobs SET state = $3, result = $4, error = $5, finished_at = now(),
		lease_until = NULL, data = NULL WHERE id = $1 AND owner = $2 AND state = 'running'`, id, owner, state, res, failure)
	if err != nil {
		return fmt.Errorf("finish job: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("job %d: %w", id, ErrLeaseLost)
	}
	return nil
}

// ReleaseJob gives a running job back at once (its worker is shutting
// down), for the next worker to resume.
func (s *Store) ReleaseJob(ctx context.Context, id int64, owner string) error {
	_, err := s.pool.Exec(ctx, `UPDATE jobs SET lease_until = now() - interval '1 millisecond'
		WHERE id = $1 AND owner = $2 AND state = 'running'`, id, owner)
	if err != nil {
		return fmt.Errorf("release job: %w", err)
	}
	return nil
}

// SetJobMessage records the bot's own channel message that shows a job's
// progress once the interaction token has expired.
func (s *Store) SetJobMessage(ctx context.Context, id int64, messageID string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE jobs SET message_id = $2 WHERE id = $1`, id, messageID); err != nil {
		return fmt.Errorf("record job message: %w", err)
	}
	return nil
}

// JobFilter selects jobs; zero fields select all.
type JobFilter struct {
	State string
	Limit int // default 100
}

// ListJobs returns jobs, newest first, without their data or tokens.
func (s *Store) ListJobs(ctx context.Context, f JobFilter) ([]Job, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	rows, err := s.pool.Query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE ($1 = '' OR state = $1)
		ORDER BY id DESC LIMIT $2`, f.State, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		j.Data, j.Token = nil, ""
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return out, nil
}
