package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNotFound is returned when a stored row asked for by id does not
// exist (or no longer does, after retention).
var ErrNotFound = errors.New("not found")

// Answer is one stored answer with what it cited.
type Answer struct {
	ID int64
	// Surface is where it was asked: "discord", "ask" or "chat".
	Surface string
	// Kind is "ask", "mention" or "summary".
	Kind       string
	Collection string
	// GuildID, ChannelID, ThreadID, MessageID and InteractionID place a
	// Discord answer; all empty elsewhere. ThreadID is the conversation the
	// answer continues.
	GuildID, ChannelID, ThreadID, MessageID, InteractionID string
	Question                                               string
	// Query is the standalone query retrieval ran.
	Query     string
	Text      string
	Mode      string
	Refused   bool
	Private   bool
	Latency   time.Duration
	CreatedAt time.Time
	// StaleAt is when a cited passage changed; zero while it has not.
	StaleAt time.Time
	// Relevance is the score that gated answering; LowConfidence marks an
	// answer given with a relevance just above the refusal threshold.
	Relevance     float64
	LowConfidence bool
	// EscalatedAt/By and ResolvedAt/By record the "Ask a person" and
	// "Resolved" buttons (who pressed them: a Discord user id); zero/empty
	// while unset.
	EscalatedAt, ResolvedAt time.Time
	EscalatedBy, ResolvedBy string
	Citations               []Citation
}

// Citation is a passage an answer cited, as it was when cited.
type Citation struct {
	N           int
	ChunkID     int64
	ContentHash string // the chunk's hash at answer time; filled by SaveAnswer
	DocumentID  int64
	Title       string
	Source      string
	HeadingPath []string
	Page        int
	Text        string
}

// SaveAnswer stores an answer and its citations in one transaction and
// returns its id, and adds it to the day's answer_counts. Each citation's
// content hash is read from the chunk it names.
func (s *Store) SaveAnswer(ctx context.Context, a Answer) (int64, error) {
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO answers (surface, kind, collection, guild_id, channel_id, thread_id,
			message_id, interaction_id, question, query, answer, mode, refused, private, latency_ms, relevance, low_confidence)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
			a.Surface, a.Kind, a.Collection, a.GuildID, a.ChannelID, a.ThreadID, a.MessageID, a.InteractionID,
			a.Question, a.Query, a.Text, a.Mode, a.Refused, a.Private, a.Latency.Milliseconds(), a.Relevance,
			a.LowConfidence).Scan(&id)
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		b.Queue(countAnswerSQL, a.Collection, a.Surface, a.Refused, a.LowConfidence)
		for _, c := range a.Citations {
			hp := c.HeadingPath
			if hp == nil {
				hp = []string{}
			}
			b.Queue(`INSERT INTO answer_citations (answer_id, n, chunk_id, content_hash, document_id, title, source,
				heading_path, page, content)
				VALUES ($1, $2, $3, coalesce((SELECT content_hash FROM chunks WHERE id = $3), ''), $4, $5, $6, $7, $8, $9)`,
				id, c.N, c.ChunkID, c.DocumentID, c.Title, c.Source, hp, c.Page, c.Text)
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return 0, fmt.Errorf("save answer: %w", err)
	}
	return id, nil
}

// AnswerPosted records where an answer was posted: its first message and
// the thread its conversation continues in.
func (s *Store) AnswerPosted(ctx context.Context, id int64, threadID, messageID string) error {
	_, err := s.pool.Exec(ctx, `UPDATE answers SET thread_id = $2, message_id = $3 WHERE id = $1`, id, threadID, messageID)
	if err != nil {
		return fmt.Errorf("record posted answer: %w", err)
	}
	return nil
}

const answerColumns = `a.id, a.surface, a.kind, a.collection, a.guild_id, a.channel_id, a.thread_id, a.message_id,
	a.interaction_id, a.question, a.query, a.answer, a.mode, a.refused, a.private, a.latency_ms, a.created_at,
	coalesce(a.stale_at, 'epoch'::timestamptz), a.relevance, a.low_confidence,
	coalesce(a.escalated_at, 'epoch'::timestamptz), a.escalated_by, coalesce(a.resolved_at, 'epoch'::timestamptz),
	a.resolved_by`

func scanAnswer(row pgx.Row) (Answer, error) {
	var a Answer
	var ms int64
	err := row.Scan(&a.ID, &a.Surface, &a.Kind, &a.Collection, &a.GuildID, &a.ChannelID, &a.ThreadID, &a.MessageID,
		&a.InteractionID, &a.Question, &a.Query, &a.Text, &a.Mode, &a.Refused, &a.Private, &ms, &a.CreatedAt, &a.StaleAt,
		&a.Relevance, &a.LowConfidence, &a.EscalatedAt, &a.EscalatedBy, &a.ResolvedAt, &a.ResolvedBy)
	a.Latency = time.Duration(ms) * time.Millisecond
	for _, t := range []*time.Time{&a.StaleAt, &a.EscalatedAt, &a.ResolvedAt} {
		if t.Equal(time.Unix(0, 0)) {
			*t = time.Time{}
		}
	}
	return a, err
}

// Answer returns a stored answer with its citations, or ErrNotFound.
func (s *Store) Answer(ctx context.Context, id int64) (Answer, error) {
	a, err := scanAnswer(s.pool.QueryRow(ctx, `SELECT `+answerColumns+` FROM answers a WHERE a.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Answer{}, fmt.Errorf("answer %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Answer{}, fmt.Errorf("read answer: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT n, chunk_id, content_hash, document_id, title, source, heading_path, page, content
		FROM answer_citations WHERE answer_id = $1 ORDER BY n`, id)
	if err != nil {
		return Answer{}, fmt.Errorf("read citations: %w", err)
	}
	var c Citation
	_, err = pgx.ForEachRow(rows, []any{&c.N, &c.ChunkID, &c.ContentHash, &c.DocumentID, &c.Title, &c.Source,
		&c.HeadingPath, &c.Page, &c.Text}, func() error { a.Citations = append(a.Citations, c); return nil })
	if err != nil {
		return Answer{}, fmt.Errorf("read citations: %w", err)
	}
	return a, nil
}

// Turn is one question and answer of a conversation.
type Turn struct {
	Question, Answer string
}

// ThreadTurns returns the last n public turns of a thread's
// conversation, oldest first.
func (s *Store) ThreadTurns(ctx context.Context, threadID string, n int) ([]Turn, error) {
	rows, err := s.pool.Query(ctx, `SELECT question, answer FROM (
			SELECT question, answer, created_at, id FROM answers
			WHERE thread_id = $1 AND thread_id <> '' AND NOT private ORDER BY created_at DESC, id DESC LIMIT $2
		) t ORDER BY created_at, id`, threadID, n)
	if err != nil {
		return nil, fmt.Errorf("read thread history: %w", err)
	}
	var out []Turn
	var t Turn
	_, err = pgx.ForEachRow(rows, []any{&t.Question, &t.Answer}, func() error { out = append(out, t); return nil })
	if err != nil {
		return nil, fmt.Errorf("read thread history: %w", err)
	}
	return out, nil
}

// AnswerFilter selects stored answers; zero fields select all.
type AnswerFilter struct {
	Collection string
	GuildID    string
	Surface    string
	Since      time.Time
	Limit      int // default 100
	Offset     int
}

// ListAnswers returns stored answers, newest first, without citations.
func (s *Store) ListAnswers(ctx context.Context, f AnswerFilter) ([]Answer, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	rows, err := s.pool.Query(ctx, `SELECT `+answerColumns+` FROM answers a
		WHERE ($1 = '' OR a.collection = $1) AND ($2 = '' OR a.guild_id = $2) AND ($3 = '' OR a.surface = $3)
			AND a.created_at >= $4
		ORDER BY a.created_at DESC, a.id DESC OFFSET $5 LIMIT $6`,
		f.Collection, f.GuildID, f.Surface, f.Since, f.Offset, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list answers: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Answer, error) { return scanAnswer(r) })
	if err != nil {
		return nil, fmt.Errorf("list answers: %w", err)
	}
	return out, nil
}

// DeleteAnswersBefore enforces retention: it deletes the answers (with
// their citations and feedback) and any other feedback created before t,
// and returns how many answers went.
func (s *Store) DeleteAnswersBefore(ctx context.Context, t time.Time) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM answers WHERE created_at < $1`, t)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, `DELETE FROM feedback WHERE created_at < $1`, t)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete old answers: %w", err)
	}
	return n, nil
}
