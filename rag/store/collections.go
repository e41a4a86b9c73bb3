package store

import (
	"context"
	"fmt"
	"path"
	"strings"
)

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
