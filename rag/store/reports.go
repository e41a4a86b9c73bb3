package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// countAnswerSQL adds one answer to answer_counts (migration 009): $1
// collection, $2 surface, $3 refused, $4 low confidence; the day is the
// UTC day of the transaction.
const countAnswerSQL = `INSERT INTO answer_counts AS c (collection, day, surface, asked, refused, low_confidence)
	VALUES ($1, (now() AT TIME ZONE 'UTC')::date, $2, 1, $3::boolean::int, $4::boolean::int)
	ON CONFLICT (collection, day, surface) DO UPDATE SET asked = c.asked + 1,
		refused = c.refused + excluded.refused, low_confidence = c.low_confidence + excluded.low_confidence`

// SetStoreQuestions says whether question, answer and feedback text is
// stored (the default) or dropped, keeping only what counts need: the
// answers rows without their text (their citations, for the buttons and
// stale flags), feedback without text or user id, and answer_counts. Call
// it once, before the store is used.
func (s *Store) SetStoreQuestions(keep bool) { s.countsOnly = !keep }

// StoresQuestions reports whether question and reason text is stored.
func (s *Store) StoresQuestions() bool { return !s.countsOnly }

// RecordFeedback stores feedback in the collection it concerns and returns
// its id, which SetFeedbackReason takes.
func (s *Store) RecordFeedback(ctx context.Context, f Feedback) (int64, error) {
	collID, err := s.EnsureCollection(ctx, f.Collection)
	if err != nil {
		return 0, err
	}
	if f.At.IsZero() {
		f.At = time.Now()
	}
	ids := f.ChunkIDs
	if ids == nil {
		ids = []int64{}
	}
	if s.countsOnly {
		f.Question, f.Answer, f.Reason, f.UserID = "", "", "", ""
	}
	var id int64
	err = s.pool.QueryRow(ctx, `INSERT INTO feedback (collection_id, guild_id, channel_id, user_id, question, answer,
		chunk_ids, helpful, created_at, answer_id, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULLIF($10, 0), $11)
		RETURNING id`,
		collID, f.GuildID, f.ChannelID, f.UserID, f.Question, f.Answer, ids, f.Helpful, f.At, f.AnswerID, f.Reason).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("save feedback: %w", err)
	}
	return id, nil
}

// SetFeedbackReason stores what a user wrote about their 👎. userID must be
// the user who gave the feedback (ErrNotFound otherwise, and for feedback
// that retention deleted). Without stored questions it stores nothing.
func (s *Store) SetFeedbackReason(ctx context.Context, id int64, userID, reason string) error {
	if s.countsOnly {
		return nil
	}
	tag, err := s.pool.Exec(ctx, `UPDATE feedback SET reason = $3 WHERE id = $1 AND user_id = $2`, id, userID, reason)
	if err != nil {
		return fmt.Errorf("save feedback reason: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("feedback %d: %w", id, ErrNotFound)
	}
	return nil
}

// ReportFilter selects what a report covers: one collection ("" for all)
// since a time.
type ReportFilter struct {
	Collection string
	Since      time.Time
	Limit      int // default 500
}

func (f ReportFilter) limit() int {
	if f.Limit <= 0 {
		return 500
	}
	return f.Limit
}

// listAnswers runs a selection of answers with cond over a ReportFilter
// ($1 collection, $2 since, $3 limit), newest first.
func (s *Store) listAnswers(ctx context.Context, cond string, f ReportFilter) ([]Answer, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+answerColumns+` FROM answers a
		WHERE ($1 = '' OR a.collection = $1) AND a.created_at >= $2 AND `+cond+`
		ORDER BY a.created_at DESC, a.id DESC LIMIT $3`, f.Collection, f.Since, f.limit())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Answer, error) { return scanAnswer(r) })
}

// GapAnswers returns the refused and low-confidence answers whose question
// was stored, newest first, without citations.
func (s *Store) GapAnswers(ctx context.Context, f ReportFilter) ([]Answer, error) {
	out, err := s.listAnswers(ctx, `(a.refused OR a.low_confidence) AND a.question <> ''`, f)
	if err != nil {
		return nil, fmt.Errorf("list gap answers: %w", err)
	}
	return out, nil
}

// UnresolvedEscalations returns the answers escalated to a person since
// f.Since and not resolved, latest escalation first.
func (s *Store) UnresolvedEscalations(ctx context.Context, f ReportFilter) ([]Answer, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+answerColumns+` FROM answers a
		WHERE ($1 = '' OR a.collection = $1) AND a.escalated_at >= $2 AND a.resolved_at IS NULL
		ORDER BY a.escalated_at DESC, a.id DESC LIMIT $3`, f.Collection, f.Since, f.limit())
	if err != nil {
		return nil, fmt.Errorf("list unresolved escalations: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Answer, error) { return scanAnswer(r) })
	if err != nil {
		return nil, fmt.Errorf("list unresolved escalations: %w", err)
	}
	return out, nil
}

// StaleAnswersSince returns the answers given since f.Since that are stale
// (staleCond: flagged because a cited passage changed or went), newest first.
func (s *Store) StaleAnswersSince(ctx context.Context, f ReportFilter) ([]Answer, error) {
	out, err := s.listAnswers(ctx, staleCond, f)
	if err != nil {
		return nil, fmt.Errorf("list stale answers: %w", err)
	}
	return out, nil
}

// Complaint is a 👎 with what it rated and why.
type Complaint struct {
	FeedbackID, AnswerID int64 // AnswerID 0 when the answer is not stored
	Collection           string
	Question, Answer     string
	Reason               string
	At                   time.Time
}

// Complaints returns the feedback that rated an answer unhelpful since
// f.Since, newest first.
func (s *Store) Complaints(ctx context.Context, f ReportFilter) ([]Complaint, error) {
	rows, err := s.pool.Query(ctx, `SELECT f.id, coalesce(f.answer_id, 0), k.name, f.question, f.answer, f.reason, f.created_at
		FROM feedback f JOIN collections k ON k.id = f.collection_id
		WHERE ($1 = '' OR k.name = $1) AND f.created_at >= $2 AND NOT f.helpful
		ORDER BY f.created_at DESC, f.id DESC LIMIT $3`, f.Collection, f.Since, f.limit())
	if err != nil {
		return nil, fmt.Errorf("list complaints: %w", err)
	}
	var out []Complaint
	var c Complaint
	_, err = pgx.ForEachRow(rows, []any{&c.FeedbackID, &c.AnswerID, &c.Collection, &c.Question, &c.Answer, &c.Reason, &c.At},
		func() error { out = append(out, c); return nil })
	if err != nil {
		return nil, fmt.Errorf("list complaints: %w", err)
	}
	return out, nil
}

// FeedbackPerWeek counts feedback per ISO week (Monday, UTC) since
// f.Since, with how much of it was helpful (Hits). Weeks without feedback
// are absent.
func (s *Store) FeedbackPerWeek(ctx context.Context, f ReportFilter) ([]Bucket, error) {
	rows, err := s.reads().Query(ctx, `
		SELECT date_trunc('week', f.created_at AT TIME ZONE 'UTC') AS wk, count(*), count(*) FILTER (WHERE f.helpful)
		FROM feedback f JOIN collections k ON k.id = f.collection_id
		WHERE ($1 = '' OR k.name = $1) AND f.created_at >= $2 GROUP BY wk ORDER BY wk`, f.Collection, f.Since)
	if err != nil {
		return nil, fmt.Errorf("count feedback per week: %w", err)
	}
	var out []Bucket
	var b Bucket
	_, err = pgx.ForEachRow(rows, []any{&b.Start, &b.N, &b.Hits}, func() error {
		b.Start = b.Start.UTC()
		out = append(out, b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count feedback per week: %w", err)
	}
	return out, nil
}

// AnswerTotals are the answer_counts summed over a period.
type AnswerTotals struct {
	Asked, Refused, LowConfidence int
}

// CountAnswers sums answer_counts over the UTC days from f.Since's on.
func (s *Store) CountAnswers(ctx context.Context, f ReportFilter) (AnswerTotals, error) {
	var t AnswerTotals
	err := s.pool.QueryRow(ctx, `SELECT coalesce(sum(asked), 0), coalesce(sum(refused), 0), coalesce(sum(low_confidence), 0)
		FROM answer_counts WHERE ($1 = '' OR collection = $1) AND day >= ($2::timestamptz AT TIME ZONE 'UTC')::date`,
		f.Collection, f.Since).Scan(&t.Asked, &t.Refused, &t.LowConfidence)
	if err != nil {
		return AnswerTotals{}, fmt.Errorf("count answers: %w", err)
	}
	return t, nil
}
