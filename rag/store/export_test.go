package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
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

// ExactNeighborsForTest returns the k chunks of collection nearest to vec
// by an exact scan, the reference for the HNSW leg's recall.
func (s *Store) ExactNeighborsForTest(ctx context.Context, m Model, collection string, vec []float32, k int) ([]int64, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL enable_indexscan = off`); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, fmt.Sprintf(`
		SELECT e.chunk_id FROM chunk_embeddings e JOIN collections k ON k.id = e.collection_id
		WHERE k.name = $1 AND e.model_id = %[1]d
		ORDER BY e.embedding::vector(%[2]d) <=> $2::vector(%[2]d) LIMIT $3`, m.ID, m.Dim),
		collection, pgvector.NewVector(vec), k)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// ReadServerForTest reports, through the pool the replica-bound reads
// use, whether that server is in recovery and its port.
func (s *Store) ReadServerForTest(ctx context.Context) (standby bool, port int, err error) {
	err = s.reads().QueryRow(ctx, `SELECT pg_is_in_recovery(), inet_server_port()`).Scan(&standby, &port)
	return standby, port, err
}

// DocumentPartsForTest counts, through the replica-bound pool, each
// document's chunks, vectors and chunks with postings in collection, by
// source.
func (s *Store) DocumentPartsForTest(ctx context.Context, collection string) (map[string][3]int, error) {
	rows, err := s.reads().Query(ctx, `
		SELECT d.source,
			(SELECT count(*) FROM chunks c WHERE c.document_id = d.id),
			(SELECT count(*) FROM chunk_embeddings e JOIN chunks c ON c.id = e.chunk_id WHERE c.document_id = d.id),
			(SELECT count(DISTINCT t.chunk_id) FROM chunk_terms t JOIN chunks c ON c.id = t.chunk_id WHERE c.document_id = d.id)
		FROM documents d JOIN collections k ON k.id = d.collection_id WHERE k.name = $1`, collection)
	if err != nil {
		return nil, err
	}
	out := map[string][3]int{}
	var src string
	var n [3]int
	_, err = pgx.ForEachRow(rows, []any{&src, &n[0], &n[1], &n[2]}, func() error { out[src] = n; return nil })
	return out, err
}

// ExplainSearchForTest returns the EXPLAIN (ANALYZE, BUFFERS) plan of the
// statement Search runs for p, at the same HNSW settings.
func (s *Store) ExplainSearchForTest(ctx context.Context, p SearchParams) (string, error) {
	st, err := searchStatement(p)
	if err != nil {
		return "", err
	}
	tx, err := s.reads().BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return "", err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)`, st.efSearch); err != nil {
		return "", err
	}
	rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+st.query, st.args...)
	if err != nil {
		return "", err
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return strings.Join(lines, "\n"), err
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
