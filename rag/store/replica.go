package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// A read replica is a PostgreSQL streaming replica (hot standby) of the
// database: it replays the primary's write-ahead log, so it holds exactly
// what the primary committed, some milliseconds later. Each transaction
// becomes visible there whole, at its commit record, and a document with
// its chunks, postings and vectors is written in one transaction
// (ReplaceDocuments), so the replica shows a document whole or not at all.
//
// Reads go to the replica only where a few seconds of lag cannot be told
// from a slightly earlier question:
//   - Search (the retrieval of every answer);
//   - the library: Documents, SearchDocuments, Sources, DocumentPassages,
//     CollectionPassages;
//   - the console's statistics: Collections, RecentFeedback,
//     HelpfulPerWeek, AnswersPer, RecentAnswers, and FeedbackPerWeek, which
//     HelpfulPerWeek is, for the reports.
//
// Everything else stays on the primary: writes, and the reads that must
// see a write just made (read-your-writes): a job, ingest run or eval run
// read back by the process that wrote it, a conversation's earlier answers
// (ThreadTurns, Answer: the buttons under an answer just posted), the
// channel mappings (/map, then /ask), console sign-ins, sources and their
// items during a sync, document states and cached embeddings during an
// ingest, summaries, models and collections, migrations and every
// advisory lock.

// ErrNotReplica reports a read URL whose server is not a hot standby.
var ErrNotReplica = errors.New("not a read replica (pg_is_in_recovery() is false)")

// AttachReadReplica connects the reads listed above to the streaming
// replica at url. The server must be in recovery (a standby): a primary
// given by mistake would take reads that are not replicated anywhere, so
// it is refused with ErrNotReplica.
func (s *Store) AttachReadReplica(ctx context.Context, url string) error {
	pool, err := openPool(ctx, url, "the read replica URL")
	if err != nil {
		return fmt.Errorf("read replica: %w", err)
	}
	var standby bool
	if err := pool.QueryRow(ctx, `SELECT pg_is_in_recovery()`).Scan(&standby); err != nil {
		pool.Close()
		return fmt.Errorf("read replica: check recovery: %w", err)
	}
	if !standby {
		pool.Close()
		return fmt.Errorf("read replica: %w", ErrNotReplica)
	}
	if s.read != nil {
		s.read.Close()
	}
	s.read = pool
	return nil
}

// reads is the pool for the lag-tolerant reads: the replica's when one is
// attached, else the primary's.
func (s *Store) reads() *pgxpool.Pool {
	if s.read != nil {
		return s.read
	}
	return s.pool
}
