package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Stale answers. A stored answer is stale when a passage it cited changed
// or went (answers.stale_at, answer_citations.changed_at: migration 010).
// Every write that deletes chunks — ReplaceDocuments (and so every ingest,
// re-sync and bulk load), DeleteDocument (forget, re-sync removals) — flags
// the answers citing them in its own transaction. A citation whose text is
// still in the collection, in a chunk with the same content hash (the
// chunk moved, or was written again with a new id), is pointed at that
// chunk instead and flags nothing.

// staleTail finishes a flagging statement whose first CTE, cited, holds the
// (answer_id, n, content_hash) of the citations whose chunk is gone or no
// longer has their hash; $1 is the collection id.
//
// A chunk a citation moves to is taken FOR KEY SHARE: a concurrent writer
// deleting it waits for this transaction, and then sees the moved citation
// and flags it. SKIP LOCKED passes over a chunk that such a writer is
// deleting already, so the citation counts as changed: a concurrent change
// may flag an answer that it need not, never miss one, and never deadlock
// here.
const staleTail = `,
	moved AS (
		SELECT x.answer_id, x.n, m.id, m.document_id FROM cited x CROSS JOIN LATERAL (
			SELECT k.id, k.document_id FROM chunks k
			WHERE k.content_hash = x.content_hash AND k.collection_id = $1 AND x.content_hash <> ''
			ORDER BY k.id LIMIT 1 FOR KEY SHARE SKIP LOCKED) m),
	repointed AS (
		UPDATE answer_citations c SET chunk_id = m.id, document_id = m.document_id
		FROM moved m WHERE c.answer_id = m.answer_id AND c.n = m.n),
	changed AS (
		UPDATE answer_citations c SET changed_at = now()
		FROM cited x WHERE c.answer_id = x.answer_id AND c.n = x.n
			AND NOT EXISTS (SELECT 1 FROM moved m WHERE m.answer_id = x.answer_id AND m.n = x.n)
		RETURNING c.answer_id),
	flagged AS (
		UPDATE answers a SET stale_at = now()
		WHERE a.stale_at IS NULL AND a.id IN (SELECT answer_id FROM changed)
		RETURNING a.id)
	SELECT count(*) FROM flagged`

// staleChunksSQL flags the answers citing the chunks $2, which the
// transaction has just deleted from collection $1.
const staleChunksSQL = `WITH cited AS (
		SELECT c.answer_id, c.n, c.content_hash FROM answer_citations c
		WHERE c.chunk_id = ANY($2::bigint[]) AND c.changed_at IS NULL)` + staleTail

// staleCollectionSQL flags the answers of collection $1 (by its name, as
// answers store it) whose cited chunks are not in it with their hash.
const staleCollectionSQL = `WITH cited AS (
		SELECT c.answer_id, c.n, c.content_hash
		FROM answers a JOIN answer_citations c ON c.answer_id = a.id
		WHERE a.collection = (SELECT name FROM collections WHERE id = $1) AND c.changed_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM chunks k
				WHERE k.id = c.chunk_id AND k.collection_id = $1 AND k.content_hash = c.content_hash))` + staleTail

// queueFlagStale queues, in a write's batch, the flagging of the answers
// that cite the chunks gone, which the write deleted from collection collID.
func queueFlagStale(b *pgx.Batch, collID int64, gone []int64) {
	if len(gone) > 0 {
		b.Queue(staleChunksSQL, collID, gone)
	}
}

// flagStale flags, in tx, every stored answer of the collection whose cited
// text is no longer in it, and returns how many answers it flagged. It is
// for changes that replace a collection's chunks wholesale (a gated
// re-ingest making its new version live): call it after the change, with
// the id of the collection that now carries the answers' collection name.
// Citations whose text is still there follow it to its new chunk.
func flagStale(ctx context.Context, tx pgx.Tx, collectionID int64) (int, error) {
	var n int
	if err := tx.QueryRow(ctx, staleCollectionSQL, collectionID).Scan(&n); err != nil {
		return 0, fmt.Errorf("flag stale answers: %w", err)
	}
	return n, nil
}
