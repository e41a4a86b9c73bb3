package store

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// CollectionInfo describes one collection.
type CollectionInfo struct {
	Name      string    `json:"name"`
	Documents int       `json:"documents"`
	Chunks    int       `json:"chunks"`
	CreatedAt time.Time `json:"created_at"`
}

// Collections lists every collection by name with its document and chunk
// counts.
func (s *Store) Collections(ctx context.Context) ([]CollectionInfo, error) {
	// chunk_count is kept up to date by every write (queueStatistics).
	rows, err := s.pool.Query(ctx, `
		SELECT k.name, (SELECT count(*) FROM documents d WHERE d.collection_id = k.id), k.chunk_count, k.created_at
		FROM collections k ORDER BY k.name`)
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	var out []CollectionInfo
	var c CollectionInfo
	_, err = pgx.ForEachRow(rows, []any{&c.Name, &c.Documents, &c.Chunks, &c.CreatedAt},
		func() error { out = append(out, c); return nil })
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	return out, nil
}

// Root is the deepest folder holding every local file of a collection,
// what its sources are shown relative to; "" when it has no local file.
func (s *Store) Root(ctx context.Context, collection string) (string, error) {
	// The common prefix of the smallest and the largest source is the
	// common prefix of all of them. Local sources are absolute paths.
	var lo, hi *string
	err := s.pool.QueryRow(ctx, `
		SELECT min(d.source), max(d.source) FROM documents d JOIN collections k ON k.id = d.collection_id
		WHERE k.name = $1 AND starts_with(d.source, '/')`, collection).Scan(&lo, &hi)
	if err != nil {
		return "", fmt.Errorf("collection root: %w", err)
	}
	if lo == nil || hi == nil {
		return "", nil
	}
	return commonDir(*lo, *hi), nil
}

// commonDir is the deepest folder containing both paths.
func commonDir(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	if n == len(a) && n == len(b) {
		return path.Dir(a)
	}
	p := a[:n]
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[:i]
	}
	if p == "" {
		return "/"
	}
	return p
}
