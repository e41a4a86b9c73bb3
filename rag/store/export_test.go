package store

import (
	"context"
	"time"
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

// AbandonForTest ends the shadow's run as a dying process would: its
// connection closes (the server then releases the gate lock) and the
// shadow stays. It returns once the server has ended that session.
func (sh *Shadow) AbandonForTest(ctx context.Context) error {
	var pid int
	if err := sh.conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		return err
	}
	sh.conn.Conn().Close(ctx)
	sh.conn.Release()
	sh.conn = nil
	for {
		var alive bool
		if err := sh.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)`, pid).Scan(&alive); err != nil || !alive {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
