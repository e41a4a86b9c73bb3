package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// MaxHelpfulAnswers bounds the answers HelpfulAnswers returns, the most
// recent first, so that a gate run's cost stays bounded.
const MaxHelpfulAnswers = 500

// HelpfulAnswers returns up to limit (at most MaxHelpfulAnswers) stored
// answers of collection that people rated helpful — more 👍 than 👎 in
// feedback, by feedback.answer_id — and that were not refusals, newest
// first, each with its citations.
func (s *Store) HelpfulAnswers(ctx context.Context, collection string, limit int) ([]Answer, error) {
	if limit <= 0 || limit > MaxHelpfulAnswers {
		limit = MaxHelpfulAnswers
	}
	rows, err := s.pool.Query(ctx, `SELECT `+answerColumns+` FROM answers a
		WHERE a.collection = $1 AND NOT a.refused
			AND (SELECT count(*) FILTER (WHERE f.helpful) > count(*) FILTER (WHERE NOT f.helpful)
				FROM feedback f WHERE f.answer_id = a.id)
		ORDER BY a.created_at DESC, a.id DESC LIMIT $2`, collection, limit)
	if err != nil {
		return nil, fmt.Errorf("list helpful answers: %w", err)
	}
	answers, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Answer, error) { return scanAnswer(r) })
	if err != nil {
		return nil, fmt.Errorf("list helpful answers: %w", err)
	}
	if len(answers) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(answers))
	at := make(map[int64]int, len(answers))
	for i, a := range answers {
		ids[i], at[a.ID] = a.ID, i
	}
	rows, err = s.pool.Query(ctx, `SELECT answer_id, n, chunk_id, content_hash, document_id, title, source,
		heading_path, page, content FROM answer_citations WHERE answer_id = ANY($1) ORDER BY answer_id, n`, ids)
	if err != nil {
		return nil, fmt.Errorf("read helpful citations: %w", err)
	}
	var id int64
	var c Citation
	_, err = pgx.ForEachRow(rows, []any{&id, &c.N, &c.ChunkID, &c.ContentHash, &c.DocumentID, &c.Title, &c.Source,
		&c.HeadingPath, &c.Page, &c.Text}, func() error {
		answers[at[id]].Citations = append(answers[at[id]].Citations, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read helpful citations: %w", err)
	}
	return answers, nil
}

// HoldsText reports whether some chunk of collection contains text,
// compared case-insensitively with white space runs as one space (as
// eval.Normalize compares). It reads every chunk of the collection; a gate
// report calls it only for the questions that broke.
func (s *Store) HoldsText(ctx context.Context, collection, text string) (bool, error) {
	norm := strings.Join(strings.Fields(strings.ToLower(text)), " ")
	if norm == "" {
		return false, nil
	}
	var found bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (
		SELECT 1 FROM chunks c JOIN collections k ON k.id = c.collection_id
		WHERE k.name = $1 AND strpos(lower(regexp_replace(c.content, '\s+', ' ', 'g')), $2) > 0)`,
		collection, norm).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("look for cited text: %w", err)
	}
	return found, nil
}
