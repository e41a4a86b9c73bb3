package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/citebot/citebot/rag"
)

// Documents lists a page of a collection's documents by title, with the
// collection's total.
func (s *Store) Documents(ctx context.Context, collection string, offset, limit int) ([]rag.DocumentInfo, int, error) {
	rows, err := s.reads().Query(ctx, `
		SELECT d.id, k.name, d.source, d.title, d.ingested_at,
			(SELECT count(*) FROM chunks c WHERE c.document_id = d.id), count(*) OVER (),
			(SELECT max(s.last_synced_at) FROM sources s WHERE s.collection_id = k.id AND (
				EXISTS (SELECT 1 FROM source_items i WHERE i.source_id = s.id AND i.document = d.source)
				OR (s.kind = $4 AND (d.source = s.location OR starts_with(d.source, rtrim(s.location, '/') || '/')))))
		FROM documents d JOIN collections k ON k.id = d.collection_id
		WHERE k.name = $1 ORDER BY lower(d.title), d.id OFFSET $2 LIMIT $3`, collection, offset, limit, SourceKindPath)
	if err != nil {
		return nil, 0, fmt.Errorf("list documents: %w", err)
	}
	var out []rag.DocumentInfo
	var d rag.DocumentInfo
	var total int
	var synced *time.Time
	_, err = pgx.ForEachRow(rows, []any{&d.ID, &d.Collection, &d.Source, &d.Title, &d.IngestedAt, &d.Chunks, &total, &synced},
		func() error {
			d.SyncedAt = time.Time{}
			if synced != nil {
				d.SyncedAt = *synced
			}
			out = append(out, d)
			return nil
		})
	if err != nil {
		return nil, 0, fmt.Errorf("list documents: %w", err)
	}
	if len(out) == 0 && offset > 0 {
		err := s.reads().QueryRow(ctx, `SELECT count(*) FROM documents d JOIN collections k ON k.id = d.collection_id
			WHERE k.name = $1`, collection).Scan(&total)
		if err != nil {
			return nil, 0, fmt.Errorf("count documents: %w", err)
		}
	}
	return out, total, nil
}

// SearchDocuments returns up to limit documents whose title or source
// contains prefix (case-insensitive), those starting with it first.
func (s *Store) SearchDocuments(ctx context.Context, collection, prefix string, limit int) ([]rag.DocumentInfo, error) {
	pat := "%" + escapeLike(strings.ToLower(prefix)) + "%"
	rows, err := s.reads().Query(ctx, `
		SELECT d.id, k.name, d.source, d.title, d.ingested_at, 0
		FROM documents d JOIN collections k ON k.id = d.collection_id
		WHERE k.name = $1 AND (lower(d.title) LIKE $2 OR lower(d.source) LIKE $2)
		ORDER BY NOT starts_with(lower(d.title), lower($3)), lower(d.title), d.id LIMIT $4`,
		collection, pat, prefix, limit)
	if err != nil {
		return nil, fmt.Errorf("search documents: %w", err)
	}
	var out []rag.DocumentInfo
	var d rag.DocumentInfo
	_, err = pgx.ForEachRow(rows, []any{&d.ID, &d.Collection, &d.Source, &d.Title, &d.IngestedAt, &d.Chunks},
		func() error { out = append(out, d); return nil })
	if err != nil {
		return nil, fmt.Errorf("search documents: %w", err)
	}
	return out, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Sources lists every document source of a collection.
func (s *Store) Sources(ctx context.Context, collection string) ([]string, error) {
	rows, err := s.reads().Query(ctx, `SELECT d.source FROM documents d JOIN collections k ON k.id = d.collection_id
		WHERE k.name = $1 ORDER BY d.source`, collection)
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	srcs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	return srcs, nil
}

const passageColumns = `c.id, c.document_id, d.title, d.source, c.heading_path, c.page, c.position,
	c.start_offset, c.end_offset, c.content, '', 0::float8, 0::float8, 0::float8`

// DocumentPassages returns one document's chunks in document order.
func (s *Store) DocumentPassages(ctx context.Context, collection, source string) ([]rag.Passage, error) {
	rows, err := s.reads().Query(ctx, `SELECT `+passageColumns+`
		FROM chunks c JOIN documents d ON d.id = c.document_id JOIN collections k ON k.id = d.collection_id
		WHERE k.name = $1 AND d.source = $2 ORDER BY c.position`, collection, source)
	if err != nil {
		return nil, fmt.Errorf("list document passages: %w", err)
	}
	ps, err := scanPassages(rows)
	if err != nil {
		return nil, fmt.Errorf("list document passages: %w", err)
	}
	return ps, nil
}

// CollectionPassages returns up to limit chunks of a collection, spread
// over its documents: the first chunks of every document come before the
// second ones.
func (s *Store) CollectionPassages(ctx context.Context, collection string, limit int) ([]rag.Passage, error) {
	rows, err := s.reads().Query(ctx, `SELECT `+passageColumns+`
		FROM chunks c JOIN documents d ON d.id = c.document_id JOIN collections k ON k.id = d.collection_id
		WHERE k.name = $1 ORDER BY c.position, d.id LIMIT $2`, collection, limit)
	if err != nil {
		return nil, fmt.Errorf("list collection passages: %w", err)
	}
	ps, err := scanPassages(rows)
	if err != nil {
		return nil, fmt.Errorf("list collection passages: %w", err)
	}
	return ps, nil
}

// Summary returns a cached summary.
func (s *Store) Summary(ctx context.Context, key string) (string, bool, error) {
	var body string
	err := s.pool.QueryRow(ctx, `SELECT body FROM summaries WHERE key = $1`, key).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read summary: %w", err)
	}
	return body, true, nil
}

// PutSummary caches a summary.
func (s *Store) PutSummary(ctx context.Context, key, text string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO summaries (key, body) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET body = excluded.body, created_at = now()`, key, text)
	if err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// Feedback is a 👍/👎 on an answer, with what it was about.
type Feedback struct {
	Collection                 string
	GuildID, ChannelID, UserID string
	Question, Answer           string
	ChunkIDs                   []int64
	Helpful                    bool
	At                         time.Time
	// AnswerID is the stored answer rated; 0 when there is none.
	AnswerID int64
	// Reason is what the user wrote about a 👎; may be empty.
	Reason string
}

// SaveFeedback stores feedback in the collection it concerns.
func (s *Store) SaveFeedback(ctx context.Context, f Feedback) error {
	_, err := s.RecordFeedback(ctx, f)
	return err
}

// ChannelCollection returns the collection an admin mapped a channel to.
func (s *Store) ChannelCollection(ctx context.Context, guildID, channelID string) (string, bool, error) {
	var name string
	err := s.pool.QueryRow(ctx, `SELECT k.name FROM channel_collections m JOIN collections k ON k.id = m.collection_id
		WHERE m.guild_id = $1 AND m.channel_id = $2`, guildID, channelID).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read channel mapping: %w", err)
	}
	return name, true, nil
}

// MapChannel maps a channel of a guild to a named collection.
func (s *Store) MapChannel(ctx context.Context, guildID, channelID, collection string) error {
	collID, err := s.EnsureCollection(ctx, collection)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO channel_collections (guild_id, channel_id, collection_id) VALUES ($1, $2, $3)
		ON CONFLICT (guild_id, channel_id) DO UPDATE SET collection_id = excluded.collection_id`,
		guildID, channelID, collID)
	if err != nil {
		return fmt.Errorf("map channel: %w", err)
	}
	return nil
}
