package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// SourceChange is a passage a stale answer cited, as cited, that changed
// or went.
type SourceChange struct {
	Citation
	ChangedAt time.Time
	// Removed is set when the cited document is no longer in the
	// collection at all; otherwise its text changed.
	Removed bool
}

// StaleAnswer is a stale answer (Answer.StaleAt set, without citations)
// with the cited passages that changed, by citation number.
type StaleAnswer struct {
	Answer
	Changes []SourceChange
}

// StaleReport returns the answers that became stale since f.Since, the
// latest first, each with what changed.
func (s *Store) StaleReport(ctx context.Context, f ReportFilter) ([]StaleAnswer, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+answerColumns+` FROM answers a
		WHERE a.stale_at IS NOT NULL AND a.stale_at >= $2 AND ($1 = '' OR a.collection = $1)
		ORDER BY a.stale_at DESC, a.id DESC LIMIT $3`, f.Collection, f.Since, f.limit())
	if err != nil {
		return nil, fmt.Errorf("list stale answers: %w", err)
	}
	answers, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Answer, error) { return scanAnswer(r) })
	if err != nil {
		return nil, fmt.Errorf("list stale answers: %w", err)
	}
	out := make([]StaleAnswer, len(answers))
	byID := make(map[int64]*StaleAnswer, len(answers))
	ids := make([]int64, len(answers))
	for i, a := range answers {
		out[i].Answer = a
		byID[a.ID] = &out[i]
		ids[i] = a.ID
	}
	rows, err = s.pool.Query(ctx, `SELECT c.answer_id, c.n, c.chunk_id, c.content_hash, c.document_id, c.title, c.source,
			c.heading_path, c.page, c.content, c.changed_at,
			NOT EXISTS (SELECT 1 FROM documents d JOIN collections k ON k.id = d.collection_id
				WHERE k.name = a.collection AND d.source = c.source)
		FROM answer_citations c JOIN answers a ON a.id = c.answer_id
		WHERE c.answer_id = ANY($1) AND c.changed_at IS NOT NULL ORDER BY c.answer_id, c.n`, ids)
	if err != nil {
		return nil, fmt.Errorf("list changed sources: %w", err)
	}
	var id int64
	var ch SourceChange
	_, err = pgx.ForEachRow(rows, []any{&id, &ch.N, &ch.ChunkID, &ch.ContentHash, &ch.DocumentID, &ch.Title, &ch.Source,
		&ch.HeadingPath, &ch.Page, &ch.Text, &ch.ChangedAt, &ch.Removed}, func() error {
		byID[id].Changes = append(byID[id].Changes, ch)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list changed sources: %w", err)
	}
	return out, nil
}

// StaleNotice is a stale Discord answer whose message does not say so yet.
type StaleNotice struct {
	AnswerID             int64
	ChannelID, MessageID string
	StaleAt              time.Time
}

// NotifyStale claims one stale, posted Discord answer whose message has not
// been told (FOR UPDATE SKIP LOCKED: each replica claims another) and calls
// notify with it, holding the claim. When notify returns nil the answer is
// recorded as notified in the claim's transaction, so each message is
// edited once across replicas; when it fails the answer stays for a later
// call. ok is false when there was nothing to claim.
func (s *Store) NotifyStale(ctx context.Context, notify func(ctx context.Context, n StaleNotice) error) (ok bool, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var n StaleNotice
		// The WHERE clause is answers_stale_unnotified_idx's (migration 010).
		err := tx.QueryRow(ctx, `SELECT id, channel_id, message_id, stale_at FROM answers
			WHERE stale_at IS NOT NULL AND stale_notified_at IS NULL AND surface = 'discord' AND message_id <> ''
			ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`).Scan(&n.AnswerID, &n.ChannelID, &n.MessageID, &n.StaleAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		ok = true
		if err := notify(ctx, n); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE answers SET stale_notified_at = now() WHERE id = $1`, n.AnswerID)
		return err
	})
	if err != nil {
		return ok, fmt.Errorf("notify stale answer: %w", err)
	}
	return ok, nil
}
