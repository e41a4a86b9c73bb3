package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// CollectionInfo summarises one collection for the web console and for
// `citebot collections --json` (whose keys the tags name).
type CollectionInfo struct {
	Name      string `json:"name"`
	Documents int    `json:"documents"`
	Chunks    int    `json:"chunks"`
	// LastIngested is when a document of it was last written; zero when it
	// has none.
	LastIngested time.Time `json:"last_ingested,omitzero"`
}

// Collections lists every collection by name with its counts.
func (s *Store) Collections(ctx context.Context) ([]CollectionInfo, error) {
	rows, err := s.reads().Query(ctx, `
		SELECT k.name, count(d.id), k.chunk_count, coalesce(max(d.ingested_at), 'epoch'::timestamptz)
		FROM collections k LEFT JOIN documents d ON d.collection_id = k.id
		WHERE k.shadow_of IS NULL
		GROUP BY k.id ORDER BY k.name`)
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	var out []CollectionInfo
	var c CollectionInfo
	_, err = pgx.ForEachRow(rows, []any{&c.Name, &c.Documents, &c.Chunks, &c.LastIngested}, func() error {
		if c.LastIngested.Equal(time.Unix(0, 0)) {
			c.LastIngested = time.Time{}
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	return out, nil
}

// FeedbackEntry is one stored 👍/👎 as the console lists it.
type FeedbackEntry struct {
	ID                         int64
	GuildID, ChannelID, UserID string
	Question, Answer           string
	Helpful                    bool
	At                         time.Time
}

// RecentFeedback returns a collection's latest feedback, newest first.
func (s *Store) RecentFeedback(ctx context.Context, collection string, limit int) ([]FeedbackEntry, error) {
	rows, err := s.reads().Query(ctx, `
		SELECT f.id, f.guild_id, f.channel_id, f.user_id, f.question, f.answer, f.helpful, f.created_at
		FROM feedback f JOIN collections k ON k.id = f.collection_id
		WHERE k.name = $1 ORDER BY f.created_at DESC, f.id DESC LIMIT $2`, collection, limit)
	if err != nil {
		return nil, fmt.Errorf("list feedback: %w", err)
	}
	var out []FeedbackEntry
	var f FeedbackEntry
	_, err = pgx.ForEachRow(rows, []any{&f.ID, &f.GuildID, &f.ChannelID, &f.UserID, &f.Question, &f.Answer, &f.Helpful, &f.At},
		func() error { out = append(out, f); return nil })
	if err != nil {
		return nil, fmt.Errorf("list feedback: %w", err)
	}
	return out, nil
}

// Bucket counts, for one period starting at Start, N events of which Hits
// had the property charted (e.g. feedback marked helpful).
type Bucket struct {
	Start time.Time
	N     int
	Hits  int
}

// HelpfulPerWeek counts a collection's feedback per ISO week (weeks start
// on Monday, UTC) since since, with how much of it was helpful. Weeks
// without feedback are absent.
func (s *Store) HelpfulPerWeek(ctx context.Context, collection string, since time.Time) ([]Bucket, error) {
	return s.FeedbackPerWeek(ctx, ReportFilter{Collection: collection, Since: since})
}

// ConsoleGuild is a Discord guild as a signed-in console user's token
// listed it; Manage is whether the user may manage it.
type ConsoleGuild struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Manage bool   `json:"manage"`
}

// ConsoleSession is a Discord sign-in to the web console.
type ConsoleSession struct {
	ID, UserID, UserName string
	AccessToken          string
	Guilds               []ConsoleGuild
	GuildsAt             time.Time
	ExpiresAt            time.Time
}

// PutConsoleSession stores a new sign-in and deletes expired ones.
func (s *Store) PutConsoleSession(ctx context.Context, cs ConsoleSession) error {
	guilds, err := json.Marshal(orEmpty(cs.Guilds))
	if err != nil {
		return fmt.Errorf("encode guilds: %w", err)
	}
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM console_sessions WHERE expires_at < now()`)
	b.Queue(`INSERT INTO console_sessions (id, user_id, user_name, access_token, guilds, guilds_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, cs.ID, cs.UserID, cs.UserName, cs.AccessToken, guilds, cs.GuildsAt, cs.ExpiresAt)
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("store console session: %w", err)
	}
	return nil
}

// ErrNoSession is returned for a console session that does not exist or
// has expired.
var ErrNoSession = errors.New("no such console session")

// ConsoleSessionByID returns an unexpired sign-in.
func (s *Store) ConsoleSessionByID(ctx context.Context, id string) (ConsoleSession, error) {
	cs := ConsoleSession{ID: id}
	var guilds []byte
	err := s.pool.QueryRow(ctx, `SELECT user_id, user_name, access_token, guilds, guilds_at, expires_at
		FROM console_sessions WHERE id = $1 AND expires_at > now()`, id).
		Scan(&cs.UserID, &cs.UserName, &cs.AccessToken, &guilds, &cs.GuildsAt, &cs.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return ConsoleSession{}, ErrNoSession
	}
	if err != nil {
		return ConsoleSession{}, fmt.Errorf("read console session: %w", err)
	}
	if err := json.Unmarshal(guilds, &cs.Guilds); err != nil {
		return ConsoleSession{}, fmt.Errorf("decode console session guilds: %w", err)
	}
	return cs, nil
}

// SetConsoleGuilds replaces a sign-in's guild list, fetched at at.
func (s *Store) SetConsoleGuilds(ctx context.Context, id string, guilds []ConsoleGuild, at time.Time) error {
	b, err := json.Marshal(orEmpty(guilds))
	if err != nil {
		return fmt.Errorf("encode guilds: %w", err)
	}
	if _, err := s.pool.Exec(ctx, `UPDATE console_sessions SET guilds = $2, guilds_at = $3 WHERE id = $1`, id, b, at); err != nil {
		return fmt.Errorf("update console session guilds: %w", err)
	}
	return nil
}

// DeleteConsoleSession ends a sign-in.
func (s *Store) DeleteConsoleSession(ctx context.Context, id string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM console_sessions WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete console session: %w", err)
	}
	return nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Periods AnswersPer counts by: date_trunc fields.
const (
	PerDay  = "day"
	PerWeek = "week"
)

// AnswersPer counts a collection's stored answers per UTC day or ISO week
// (PerDay, PerWeek) since since, with how many were refused (Hits).
// Periods without answers are absent.
func (s *Store) AnswersPer(ctx context.Context, collection, period string, since time.Time) ([]Bucket, error) {
	if period != PerDay && period != PerWeek {
		return nil, fmt.Errorf("count answers: unknown period %q", period)
	}
	rows, err := s.reads().Query(ctx, `
		SELECT date_trunc($2, a.created_at AT TIME ZONE 'UTC') AS p, count(*), count(*) FILTER (WHERE a.refused)
		FROM answers a WHERE a.collection = $1 AND a.created_at >= $3 GROUP BY p ORDER BY p`, collection, period, since)
	if err != nil {
		return nil, fmt.Errorf("count answers per %s: %w", period, err)
	}
	var out []Bucket
	var b Bucket
	_, err = pgx.ForEachRow(rows, []any{&b.Start, &b.N, &b.Hits}, func() error {
		b.Start = b.Start.UTC()
		out = append(out, b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count answers per %s: %w", period, err)
	}
	return out, nil
}

// Which answers RecentAnswers lists.
const (
	AllAnswers     = ""
	RefusedAnswers = "refused"
	StaleAnswers   = "stale"
)

// staleCond holds for an answer flagged stale: one of its cited passages
// changed or went since (stale.go keeps the flag).
const staleCond = `a.stale_at IS NOT NULL`

// RecentAnswers lists a collection's latest stored answers, newest first,
// without citations: all of them, the refused ones (the questions the
// material does not cover) or the stale ones (a cited passage changed or
// went since).
func (s *Store) RecentAnswers(ctx context.Context, collection, which string, limit int) ([]Answer, error) {
	cond := map[string]string{AllAnswers: "true", RefusedAnswers: "a.refused", StaleAnswers: staleCond}[which]
	if cond == "" {
		return nil, fmt.Errorf("list answers: unknown selection %q", which)
	}
	rows, err := s.reads().Query(ctx, `SELECT `+answerColumns+` FROM answers a WHERE a.collection = $1 AND `+cond+`
		ORDER BY a.created_at DESC, a.id DESC LIMIT $2`, collection, limit)
	if err != nil {
		return nil, fmt.Errorf("list answers: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Answer, error) { return scanAnswer(r) })
	if err != nil {
		return nil, fmt.Errorf("list answers: %w", err)
	}
	return out, nil
}

// jobListColumns are jobColumns without the uploaded file, which a
// listing does not need.
var jobListColumns = strings.Replace(jobColumns, ", data,", ", NULL::bytea,", 1)

// CollectionJobs lists a collection's latest background jobs (the jobs
// table: /ingest, /reingest, `citebot ingest --queue`), newest first,
// without their uploaded files.
func (s *Store) CollectionJobs(ctx context.Context, collection string, limit int) ([]Job, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+jobListColumns+` FROM jobs WHERE collection = $1 ORDER BY id DESC LIMIT $2`,
		collection, limit)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Job, error) { return scanJob(r) })
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return out, nil
}

// CollectionJob returns one background job of a collection, without its
// uploaded file.
func (s *Store) CollectionJob(ctx context.Context, collection string, id int64) (Job, error) {
	j, err := scanJob(s.pool.QueryRow(ctx, `SELECT `+jobListColumns+` FROM jobs WHERE collection = $1 AND id = $2`,
		collection, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Job{}, ErrNotFound
	}
	if err != nil {
		return Job{}, fmt.Errorf("read job: %w", err)
	}
	return j, nil
}
