package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Stale answers. A stored answer is stale when a passage it cited changed
// or went (answers.stale_at, answer_citations.changed_at: migration 010).
// A citation is its passage's text, by content hash: it still holds while
// some chunk of the answer's collection has that hash, whether the chunk
// moved, was written again with a new id or the text went to another
// document. Every write that deletes chunks — ReplaceDocuments (and so
// every ingest, re-sync and bulk load), DeleteDocument (forget, re-sync
// removals) — flags, in its own transaction, the answers citing a hash it
// deleted that the collection no longer has. A re-ingest that changes
// nothing writes nothing here.

// staleTail finishes a flagging statement whose first CTE, cited, holds the
// (answer_id, n, content_hash) of the citations to check; $1 is the
// collection id.
//
// A chunk that keeps a hash present is taken FOR KEY SHARE: a concurrent
// writer deleting it waits for this transaction, and its own check then
// sees whether the hash is gone. SKIP LOCKED passes over a chunk such a
// writer is deleting already, so its hash counts as gone: a concurrent
// change may flag an answer that it need not, never miss one, and never
// deadlock here.
const staleTail = `,
	changed AS (
		UPDATE answer_citations c SET changed_at = now()
		FROM cited x WHERE c.answer_id = x.answer_id AND c.n = x.n AND NOT EXISTS (
			SELECT 1 FROM chunks k WHERE k.content_hash = x.content_hash AND k.collection_id = $1
			FOR KEY SHARE SKIP LOCKED)
		RETURNING c.answer_id),
	flagged AS (
		UPDATE answers a SET stale_at = now()
		WHERE a.stale_at IS NULL AND a.id IN (SELECT answer_id FROM changed)
		RETURNING a.id)
	SELECT count(*) FROM flagged`

// staleHashesSQL flags the answers of collection $1 citing the hashes $2,
// of chunks the transaction has just deleted from it.
const staleHashesSQL = `WITH cited AS (
		SELECT c.answer_id, c.n, c.content_hash FROM answer_citations c JOIN answers a ON a.id = c.answer_id
		WHERE c.content_hash = ANY($2::text[]) AND c.changed_at IS NULL
			AND a.collection = (SELECT name FROM collections WHERE id = $1))` + staleTail

// staleCollectionSQL flags the answers of collection $1 (by its name, as
// answers store it) whose cited hashes it no longer has.
const staleCollectionSQL = `WITH cited AS (
		SELECT c.answer_id, c.n, c.content_hash FROM answers a JOIN answer_citations c ON c.answer_id = a.id
		WHERE a.collection = (SELECT name FROM collections WHERE id = $1) AND c.changed_at IS NULL)` + staleTail

// queueFlagStale queues, in a write's batch, the flagging of the answers
// citing the content hashes of the chunks the write deleted from
// collection collID.
func queueFlagStale(b *pgx.Batch, collID int64, gone []string) {
	if len(gone) > 0 {
		b.Queue(staleHashesSQL, collID, gone)
	}
}

// flagStale flags, in tx, every stored answer of the collection whose cited
// text is no longer in it, and returns how many answers it flagged. It is
// for changes that replace a collection's chunks wholesale (a gated
// re-ingest making its new version live): call it after the change, with
// the id of the collection that now carries the answers' collection name.
func flagStale(ctx context.Context, tx pgx.Tx, collectionID int64) (int, error) {
	var n int
	if err := tx.QueryRow(ctx, staleCollectionSQL, collectionID).Scan(&n); err != nil {
		return 0, fmt.Errorf("flag stale answers: %w", err)
	}
	return n, nil
}
