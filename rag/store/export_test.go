package store

import (
	"context"
	"time"

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
