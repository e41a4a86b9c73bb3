package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// QueryRowForTest scans one value of a test query.
func (s *Store) QueryRowForTest(ctx context.Context, q string, dst any) error {
	return s.pool.QueryRow(ctx, q).Scan(dst)
}

// ExecForTest runs a test statement.
func (s *Store) ExecForTest(ctx context.Context, q string, args ...any) error {
	_, err := s.pool.Exec(ctx, q, args...)
	return err
}

// FlagStaleForTest runs flagStale over a collection in a transaction of
// its own, as a gated re-ingest's swap does in its.
func (s *Store) FlagStaleForTest(ctx context.Context, collection string) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `SELECT id FROM collections WHERE name = $1`, collection).Scan(&id); err != nil {
			return err
		}
		var err error
		n, err = flagStale(ctx, tx, id)
		return err
	})
	return n, err
}
