package store

import "context"

// QueryRowForTest scans one value of a test query.
func (s *Store) QueryRowForTest(ctx context.Context, q string, dst any) error {
	return s.pool.QueryRow(ctx, q).Scan(dst)
}

// ExecForTest runs a test statement.
func (s *Store) ExecForTest(ctx context.Context, q string, args ...any) error {
	_, err := s.pool.Exec(ctx, q, args...)
	return err
}
