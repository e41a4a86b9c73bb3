package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The HNSW graph of a model is costly to grow one vector at a time
// (pgvector's incremental insert of a 512-dimension vector takes ~1.5 ms
// here) and about seven times cheaper to build from rows already stored.
// A large load therefore drops the model's index, writes its vectors
// without it, and builds the index again when it is done: the standard
// bulk-loading advice for pgvector. Meanwhile vector searches of that
// model scan exactly: correct, only slower.

// hnswBuild are the HNSW graph's build parameters. ef_construction 32
// instead of pgvector's 64 builds the graph 1.6 times faster and gave the
// same SciFact results to the last digit (809 queries, vector and hybrid
// nDCG@10 0.2958 and 0.6849 with either; docs/retrieval.md): the vector leg
// asks for 50 candidates, well within what the sparser graph finds.
const hnswBuild = "m = 16, ef_construction = 32"

// vectorIndexName is the name of model id's HNSW index; migration
// 001_schema.sql made chunk_embeddings_hnsw_1 for the default model.
func vectorIndexName(modelID int) string {
	return fmt.Sprintf("chunk_embeddings_hnsw_%d", modelID)
}

// VectorCount returns how many vectors of m are stored.
func (s *Store) VectorCount(ctx context.Context, m Model) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM chunk_embeddings WHERE model_id = $1`, m.ID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count vectors: %w", err)
	}
	return n, nil
}

// Advisory lock classes (the first key of PostgreSQL's two-key advisory
// locks; the second is the model's embedding_models.id) that order index
// work across processes:
//   - lockIndexDDL is held by the one session that creates or drops a
//     model's index. Only its holder may treat an invalid index as
//     interrupted: CREATE INDEX CONCURRENTLY leaves its index invalid
//     while it runs, and any other session would drop a build in progress.
//   - lockBulkLoad is held shared by every bulk load of the model, from
//     dropping its index until the load ends: meanwhile nobody builds it
//     (an ask would otherwise end the bulk load's cheap writes), and the
//     last bulk load to end builds it.
const (
	lockIndexDDL int32 = 0x63690001
	lockBulkLoad int32 = 0x63690002
)

// lockPoll is how often a session waiting for lockIndexDDL tries again.
// It never waits inside pg_advisory_lock: a statement waiting there keeps
// its snapshot, which the CREATE INDEX CONCURRENTLY of the lock's holder
// waits for, and PostgreSQL would end one of them with "deadlock detected".
const lockPoll = 50 * time.Millisecond

// unlockTimeout bounds releasing a lock, which runs even after ctx ended.
const unlockTimeout = 5 * time.Second

// DropVectorIndex removes m's HNSW index, without blocking searches that
// are running; a build in progress elsewhere is waited for. A bulk load
// uses BeginBulkLoad instead, so that nobody builds the index back under
// it.
func (s *Store) DropVectorIndex(ctx context.Context, m Model) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("drop vector index: %w", err)
	}
	defer conn.Release()
	return dropIndexLocked(ctx, conn, m)
}

// dropIndexLocked drops m's index while holding lockIndexDDL on conn.
func dropIndexLocked(ctx context.Context, conn *pgxpool.Conn, m Model) error {
	if err := waitLock(ctx, conn, lockIndexDDL, m.ID, false); err != nil {
		return fmt.Errorf("drop vector index: %w", err)
	}
	defer unlock(ctx, conn, lockIndexDDL, m.ID, false)
	return dropIndex(ctx, conn, m)
}

func dropIndex(ctx context.Context, conn *pgxpool.Conn, m Model) error {
	// DDL takes no parameters; the name is made from an integer id.
	if _, err := conn.Exec(ctx, "DROP INDEX CONCURRENTLY IF EXISTS "+vectorIndexName(m.ID)); err != nil {
		return fmt.Errorf("drop vector index: %w", err)
	}
	return nil
}

// BuildVectorIndex makes sure m's HNSW index exists and is valid: it is
// built from the stored vectors when missing (after a bulk load, or a load
// that was interrupted) and rebuilt when a build was interrupted half-way.
// It builds concurrently, so writers are not blocked, with the server's
// parallel maintenance workers. It returns at once, without building,
// while another session builds the index or a bulk load of m is running
// (which builds it when it ends): vector searches scan exactly meanwhile.
func (s *Store) BuildVectorIndex(ctx context.Context, m Model) error {
	if valid, err := indexValid(ctx, s.pool, m); err != nil || (valid != nil && *valid) {
		return err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("build vector index: %w", err)
	}
	defer conn.Release()
	return buildIndex(ctx, conn, m)
}

// buildIndex is BuildVectorIndex on conn, which holds no lock of m.
func buildIndex(ctx context.Context, conn *pgxpool.Conn, m Model) error {
	// Free of bulk loads? The exclusive lock is taken only to test it.
	if ok, err := tryLock(ctx, conn, lockBulkLoad, m.ID, false); err != nil || !ok {
		return err
	}
	unlock(ctx, conn, lockBulkLoad, m.ID, false)
	if ok, err := tryLock(ctx, conn, lockIndexDDL, m.ID, false); err != nil || !ok {
		return err // another session is building or dropping it
	}
	defer unlock(ctx, conn, lockIndexDDL, m.ID, false)
	valid, err := indexValid(ctx, conn, m)
	switch {
	case err != nil:
		return err
	case valid != nil && *valid:
		return nil
	case valid != nil: // invalid, and nobody builds it: an interrupted build
		if err := dropIndex(ctx, conn, m); err != nil {
			return err
		}
	}
	reset, err := raiseBuildMemory(ctx, conn, m)
	if err != nil {
		return err
	}
	defer reset()
	// The index must match the vector leg of hybridSQL: an expression on
	// the model's dimension, partial on its id (both integers from
	// embedding_models). See hnswBuild for its parameters.
	_, err = conn.Exec(ctx, fmt.Sprintf(`CREATE INDEX CONCURRENTLY IF NOT EXISTS %s
		ON chunk_embeddings USING hnsw ((embedding::vector(%d)) vector_cosine_ops) WITH (%s) WHERE model_id = %d`,
		vectorIndexName(m.ID), m.Dim, hnswBuild, m.ID))
	if err != nil {
		return fmt.Errorf("build vector index: %w", err)
	}
	return nil
}

// hnswBuildBytesPerVector is what one vector of dim dimensions takes in
// pgvector's in-memory HNSW graph during a build: the vector itself and
// about a kilobyte of element and neighbour lists at m = 16.
func hnswBuildBytesPerVector(dim int) int64 { return int64(dim)*4 + 1024 }

// hnswBuildMemoryCap bounds what a build may raise maintenance_work_mem to.
const hnswBuildMemoryCap int64 = 8 << 30

// raiseBuildMemory raises maintenance_work_mem for this session's index
// build to what the graph of m's vectors needs, when the server's setting
// is lower. pgvector builds fast while the graph fits in that memory and
// several times slower once it no longer does ("hnsw graph no longer fits
// into maintenance_work_mem"): by this estimate the project's 512MB holds
// about 170,000 vectors of 512 dimensions (docs/retrieval.md). The
// returned func restores the setting before the connection goes back to
// the pool.
func raiseBuildMemory(ctx context.Context, conn *pgxpool.Conn, m Model) (func(), error) {
	var have, n int64
	err := conn.QueryRow(ctx, `SELECT pg_size_bytes(current_setting('maintenance_work_mem')),
		(SELECT count(*) FROM chunk_embeddings WHERE model_id = $1)`, m.ID).Scan(&have, &n)
	if err != nil {
		return nil, fmt.Errorf("build vector index: size the build: %w", err)
	}
	need := min(n*hnswBuildBytesPerVector(m.Dim)*5/4, hnswBuildMemoryCap)
	if need <= have {
		return func() {}, nil
	}
	if _, err := conn.Exec(ctx, `SELECT set_config('maintenance_work_mem', $1, false)`, fmt.Sprintf("%dMB", need>>20+1)); err != nil {
		return nil, fmt.Errorf("build vector index: raise maintenance_work_mem: %w", err)
	}
	return func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unlockTimeout)
		defer cancel()
		if _, err := conn.Exec(rctx, `RESET maintenance_work_mem`); err != nil {
			_ = conn.Conn().Close(rctx)
		}
	}, nil
}

type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// indexValid reports whether m's index is valid, or nil when there is none.
func indexValid(ctx context.Context, q queryRower, m Model) (*bool, error) {
	var valid *bool
	err := q.QueryRow(ctx, `SELECT (SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass($1))`,
		vectorIndexName(m.ID)).Scan(&valid)
	if err != nil {
		return nil, fmt.Errorf("look up vector index: %w", err)
	}
	return valid, nil
}

// BulkLoad is a bulk load of one model's vectors in progress: its index is
// dropped, and nobody builds it until End.
type BulkLoad struct {
	s    *Store
	conn *pgxpool.Conn // holds lockBulkLoad shared
	m    Model
}

// BeginBulkLoad drops m's HNSW index for a large load, so that vectors are
// written without growing it, and keeps any other session from building it
// until End. Several bulk loads of one model may run at once.
func (s *Store) BeginBulkLoad(ctx context.Context, m Model) (*BulkLoad, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin bulk load: %w", err)
	}
	if err := waitLock(ctx, conn, lockBulkLoad, m.ID, true); err != nil {
		conn.Release()
		return nil, fmt.Errorf("begin bulk load: %w", err)
	}
	if err := dropIndexLocked(ctx, conn, m); err != nil {
		unlock(ctx, conn, lockBulkLoad, m.ID, true)
		conn.Release()
		return nil, err
	}
	return &BulkLoad{s: s, conn: conn, m: m}, nil
}

// End ends the bulk load and, when it is the last of its model, builds the
// index; if ctx has ended the index is left to the next BuildVectorIndex
// (EnsureModel runs it at every start).
func (b *BulkLoad) End(ctx context.Context) error {
	unlock(ctx, b.conn, lockBulkLoad, b.m.ID, true)
	// The held connection may have died during the load (a server
	// restart, which released its lock too): build on a fresh one.
	b.conn.Release()
	if ctx.Err() != nil {
		return nil
	}
	return b.s.BuildVectorIndex(ctx, b.m)
}

// tryLock takes an advisory lock of class on id if it is free.
func tryLock(ctx context.Context, conn *pgxpool.Conn, class int32, id int, shared bool) (bool, error) {
	fn := "pg_try_advisory_lock"
	if shared {
		fn += "_shared"
	}
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT "+fn+"($1, $2)", class, int32(id)).Scan(&ok); err != nil {
		return false, fmt.Errorf("take index lock: %w", err)
	}
	return ok, nil
}

// waitLock takes an advisory lock, trying every lockPoll until ctx ends.
func waitLock(ctx context.Context, conn *pgxpool.Conn, class int32, id int, shared bool) error {
	t := time.NewTicker(lockPoll)
	defer t.Stop()
	for {
		ok, err := tryLock(ctx, conn, class, id, shared)
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for index lock: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// unlock releases an advisory lock. If that fails the connection is
// closed, which releases it too, rather than going back to the pool with
// the lock held.
func unlock(ctx context.Context, conn *pgxpool.Conn, class int32, id int, shared bool) {
	fn := "pg_advisory_unlock"
	if shared {
		fn += "_shared"
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unlockTimeout)
	defer cancel()
	if _, err := conn.Exec(ctx, "SELECT "+fn+"($1, $2)", class, int32(id)); err != nil {
		_ = conn.Conn().Close(ctx)
	}
}
