package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// shadowMark separates a shadow collection's name from its tag; live
// names never hold it (migration 014's collections_shadow_name CHECK).
const shadowMark = "\x1f"

// gateLockSQL is the session advisory lock key of a gated re-ingest of
// the collection named $1 (the name stays across a swap; ids do not): one
// run per collection at a time, released by the database when the run's
// process dies.
const gateLockSQL = `hashtextextended('citebot-gate:' || $1::text, 0)`

// ErrGateBusy is returned by BeginShadow when another gated re-ingest of
// the collection is running.
var ErrGateBusy = errors.New("another gated re-ingest of this collection is running")

// ErrLiveChanged is returned by Promote when the live collection was
// written while its shadow was built: swapping would lose that change.
var ErrLiveChanged = errors.New("the live collection changed while the new version was built; run again")

// Shadow is the next version of a live collection, built beside it: a
// copy of its documents, chunks, postings, vectors and remembered sources
// under a reserved name (Name) that no search, listing, sync or ingest of
// the live name reaches. Promote makes it live in one transaction; Close
// drops whatever is left (the shadow, or the retired old version) and ends
// the run. A run that dies leaves a shadow that the next BeginShadow, or
// SweepShadows, drops.
type Shadow struct {
	pool   *pgxpool.Pool
	conn   *pgxpool.Conn // holds the gate lock for the run
	live   string
	liveID int64
	id     int64  // the shadow; after Promote, the retired old version
	print  string // the live collection's documents when copied
	name   string
	done   bool // promoted
}

// Name is the shadow's collection name: ingest into it, and search or
// answer in it, as in any collection.
func (sh *Shadow) Name() string { return sh.name }

// Live is the name of the collection the shadow is the next version of.
func (sh *Shadow) Live() string { return sh.live }

// BeginShadow starts a gated re-ingest of collection live (created empty
// when missing): it takes the collection's gate lock, drops the shadows
// that dead runs left (of any collection), and copies the live version
// into a new shadow. It
// embeds nothing; the copy costs a write of every row of the collection.
func (s *Store) BeginShadow(ctx context.Context, live string) (*Shadow, error) {
	liveID, err := s.EnsureCollection(ctx, live)
	if err != nil {
		return nil, err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin shadow of %s: %w", live, err)
	}
	sh := &Shadow{pool: s.pool, conn: conn, live: live, liveID: liveID}
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+gateLockSQL+`)`, live).Scan(&locked); err != nil {
		conn.Release()
		return nil, fmt.Errorf("begin shadow of %s: lock: %w", live, err)
	}
	if !locked {
		conn.Release()
		return nil, fmt.Errorf("begin shadow of %s: %w", live, ErrGateBusy)
	}
	// Leftovers of other collections' dead runs go too; this one's are
	// dropped under its lock by build.
	if _, err := s.SweepShadows(ctx); err != nil {
		sh.unlock(ctx)
		return nil, fmt.Errorf("begin shadow of %s: %w", live, err)
	}
	if err := sh.build(ctx); err != nil {
		sh.unlock(ctx)
		return nil, fmt.Errorf("begin shadow of %s: %w", live, err)
	}
	return sh, nil
}

// build drops leftovers of earlier runs and copies the live collection,
// all in one snapshot, so that the copy is consistent and its fingerprint
// is of what was copied.
func (sh *Shadow) build(ctx context.Context) error {
	if err := dropShadowsOf(ctx, sh.conn, sh.liveID); err != nil {
		return err
	}
	tag, err := randomTag()
	if err != nil {
		return err
	}
	sh.name = sh.live + shadowMark + "gate-" + tag
	return pgx.BeginTxFunc(ctx, sh.conn, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO collections (name, shadow_of, chunk_count, term_count)
			SELECT $1, id, chunk_count, term_count FROM collections WHERE id = $2
			RETURNING id`, sh.name, sh.liveID).Scan(&sh.id)
		if err != nil {
			return fmt.Errorf("create shadow: %w", err)
		}
		if sh.print, err = fingerprint(ctx, tx, sh.liveID); err != nil {
			return err
		}
		return copyCollection(ctx, tx, sh.liveID, sh.id)
	})
}

func randomTag() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("shadow tag: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// fingerprintSQL identifies a collection's version by its documents and
// their content hashes; a write of any document changes it.
const fingerprintSQL = `
	SELECT coalesce(md5(string_agg(source || E'\n' || content_hash, E'\n' ORDER BY source)), '')
	FROM documents WHERE collection_id = $1`

func fingerprint(ctx context.Context, tx pgx.Tx, collID int64) (string, error) {
	var fp string
	if err := tx.QueryRow(ctx, fingerprintSQL, collID).Scan(&fp); err != nil {
		return "", fmt.Errorf("fingerprint collection: %w", err)
	}
	return fp, nil
}

// copySQL copies collection shadow_copy.src's content into collection
// shadow_copy.dst with new ids, mapped through temporary tables:
// documents, chunks (their tsvector is generated again from the same
// search_text), vectors, postings, document frequencies, and remembered
// sources with their items. The columns are those of migrations 001-005.
var copySQL = []string{
	`CREATE TEMP TABLE shadow_docs ON COMMIT DROP AS
		SELECT d.id AS old, nextval(pg_get_serial_sequence('documents', 'id')) AS new
		FROM documents d JOIN shadow_copy x ON d.collection_id = x.src`,
	`INSERT INTO documents (id, collection_id, source, title, media_type, content_hash, content, metadata, ingested_at)
		SELECT m.new, x.dst, d.source, d.title, d.media_type, d.content_hash, d.content, d.metadata, d.ingested_at
		FROM documents d JOIN shadow_docs m ON m.old = d.id CROSS JOIN shadow_copy x`,
	`CREATE TEMP TABLE shadow_chunks ON COMMIT DROP AS
		SELECT c.id AS old, nextval(pg_get_serial_sequence('chunks', 'id')) AS new, m.new AS doc
		FROM chunks c JOIN shadow_docs m ON m.old = c.document_id`,
	`INSERT INTO chunks (id, document_id, collection_id, position, heading_path, page, start_offset, end_offset,
			content, content_hash, token_count, search_text)
		SELECT m.new, m.doc, x.dst, c.position, c.heading_path, c.page, c.start_offset, c.end_offset,
			c.content, c.content_hash, c.token_count, c.search_text
		FROM chunks c JOIN shadow_chunks m ON m.old = c.id CROSS JOIN shadow_copy x`,
	`INSERT INTO chunk_embeddings (chunk_id, model_id, collection_id, content_hash, embedding)
		SELECT m.new, e.model_id, x.dst, e.content_hash, e.embedding
		FROM chunk_embeddings e JOIN shadow_chunks m ON m.old = e.chunk_id CROSS JOIN shadow_copy x`,
	`INSERT INTO chunk_terms (collection_id, term, chunk_id, tf, dl, impact)
		SELECT x.dst, t.term, m.new, t.tf, t.dl, t.impact
		FROM chunk_terms t JOIN shadow_copy x ON t.collection_id = x.src JOIN shadow_chunks m ON m.old = t.chunk_id`,
	`INSERT INTO term_df (collection_id, term, df)
		SELECT x.dst, t.term, t.df FROM term_df t JOIN shadow_copy x ON t.collection_id = x.src`,
	`CREATE TEMP TABLE shadow_sources ON COMMIT DROP AS
		SELECT s.id AS old, nextval(pg_get_serial_sequence('sources', 'id')) AS new
		FROM sources s JOIN shadow_copy x ON s.collection_id = x.src`,
	`INSERT INTO sources (id, collection_id, kind, location, options, revision, failures, last_error,
			last_synced_at, last_attempt_at, created_at)
		SELECT m.new, x.dst, s.kind, s.location, s.options, s.revision, s.failures, s.last_error,
			s.last_synced_at, s.last_attempt_at, s.created_at
		FROM sources s JOIN shadow_sources m ON m.old = s.id CROSS JOIN shadow_copy x`,
	`INSERT INTO source_items (source_id, key, document, content_hash, etag, last_modified, links, failures)
		SELECT m.new, i.key, i.document, i.content_hash, i.etag, i.last_modified, i.links, i.failures
		FROM source_items i JOIN shadow_sources m ON m.old = i.source_id`,
}

func copyCollection(ctx context.Context, tx pgx.Tx, from, to int64) error {
	_, err := tx.Exec(ctx, `CREATE TEMP TABLE shadow_copy ON COMMIT DROP AS SELECT $1::bigint AS src, $2::bigint AS dst`, from, to)
	if err != nil {
		return fmt.Errorf("copy collection: %w", err)
	}
	for _, q := range copySQL {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("copy collection: %w", err)
		}
	}
	return nil
}

// movedSQL moves what belongs to the collection rather than to one of its
// versions from collection $1 to collection $2: channel mappings, feedback
// and the console's QA sets and runs (migrations 001 and 007). Every
// table with a key to collections is either copied (copySQL) or moved
// here; TestShadowCoversEveryCollectionKey checks it.
var movedSQL = []string{
	`UPDATE channel_collections SET collection_id = $2 WHERE collection_id = $1`,
	`UPDATE feedback SET collection_id = $2 WHERE collection_id = $1`,
	`UPDATE eval_qa_sets SET collection_id = $2 WHERE collection_id = $1`,
	`UPDATE eval_runs SET collection_id = $2 WHERE collection_id = $1`,
	`UPDATE console_ingest_runs SET collection_id = $2 WHERE collection_id = $1`,
}

// Promote makes the shadow the live collection in one transaction: the
// old version is renamed away and becomes the shadow's retired copy, the
// shadow takes the live name, and channel mappings, feedback and console
// records move to it, so that everything naming the collection keeps
// working. Answers whose cited text the new version lacks are flagged
// stale in the same transaction. It fails with ErrLiveChanged, changing
// nothing, when the live collection was written since BeginShadow.
func (sh *Shadow) Promote(ctx context.Context) error {
	if sh.done {
		return errors.New("promote shadow: already promoted")
	}
	err := pgx.BeginFunc(ctx, sh.conn, func(tx pgx.Tx) error {
		var liveID int64
		err := tx.QueryRow(ctx, `SELECT id FROM collections WHERE name = $1 AND shadow_of IS NULL FOR UPDATE`, sh.live).Scan(&liveID)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return ErrLiveChanged
		case err != nil:
			return fmt.Errorf("lock live collection: %w", err)
		case liveID != sh.liveID:
			return ErrLiveChanged
		}
		if fp, err := fingerprint(ctx, tx, liveID); err != nil || fp != sh.print {
			return cmpOr(err, ErrLiveChanged)
		}
		return swap(ctx, tx, sh)
	})
	if err != nil {
		return fmt.Errorf("promote shadow of %s: %w", sh.live, err)
	}
	sh.done = true
	sh.liveID, sh.id = sh.id, sh.liveID // the shadow is live; the old version is what Close drops
	return nil
}

// cmpOr returns err when it is not nil, else alt.
func cmpOr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}

// swap renames the old version away, gives the shadow the live name and
// moves the collection's own records to it.
func swap(ctx context.Context, tx pgx.Tx, sh *Shadow) error {
	tag, err := randomTag()
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(`UPDATE collections SET name = $2, shadow_of = $3 WHERE id = $1`,
		sh.liveID, sh.live+shadowMark+"retired-"+tag, sh.id)
	b.Queue(`UPDATE collections SET name = $2, shadow_of = NULL WHERE id = $1`, sh.id, sh.live)
	for _, q := range movedSQL {
		b.Queue(q, sh.liveID, sh.id)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("swap versions: %w", err)
	}
	_, err = flagStale(ctx, tx, sh.id)
	return err
}

// Close ends the run: it drops the shadow when it was not promoted, or
// the retired old version when it was, and releases the gate lock. It runs
// even when ctx is done, so that a cancelled run cleans up after itself.
func (sh *Shadow) Close(ctx context.Context) error {
	if sh.conn == nil {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	var err error
	if sh.conn.Conn().IsClosed() {
		// A query cancelled midway closes the run's connection, and the
		// lock goes with it: the drop takes another connection.
		err = sh.dropApart(ctx)
	} else {
		err = dropCollection(ctx, sh.conn, sh.id)
	}
	sh.unlock(ctx)
	if err != nil {
		return fmt.Errorf("drop shadow of %s: %w", sh.live, err)
	}
	return nil
}

// dropApart drops the shadow (or the retired version) on a connection of
// its own.
func (sh *Shadow) dropApart(ctx context.Context) error {
	conn, err := sh.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	return dropCollection(ctx, conn, sh.id)
}

// unlock releases the gate lock and the connection; a connection whose
// unlock failed is closed, which releases the lock too.
func (sh *Shadow) unlock(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	if _, err := sh.conn.Exec(ctx, `SELECT pg_advisory_unlock(`+gateLockSQL+`)`, sh.live); err != nil {
		sh.conn.Conn().Close(ctx)
	}
	sh.conn.Release()
	sh.conn = nil
}

// dropShadowsOf drops every shadow or retired version of collection
// liveID; the caller holds its gate lock.
func dropShadowsOf(ctx context.Context, conn *pgxpool.Conn, liveID int64) error {
	rows, err := conn.Query(ctx, `SELECT id FROM collections WHERE shadow_of = $1`, liveID)
	if err != nil {
		return fmt.Errorf("list leftover shadows: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("list leftover shadows: %w", err)
	}
	for _, id := range ids {
		if err := dropCollection(ctx, conn, id); err != nil {
			return err
		}
	}
	return nil
}

// dropCollection deletes a shadow collection and everything in it: the
// postings by hand (they have no key to their chunks, migration 003), the
// rest by cascade. It never deletes a live collection.
func dropCollection(ctx context.Context, conn *pgxpool.Conn, id int64) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(`DELETE FROM chunk_terms WHERE collection_id = $1 AND EXISTS (
			SELECT 1 FROM collections WHERE id = $1 AND shadow_of IS NOT NULL)`, id)
		b.Queue(`DELETE FROM collections WHERE id = $1 AND shadow_of IS NOT NULL`, id)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("drop shadow collection: %w", err)
		}
		return nil
	})
}

// SweepShadows drops the shadows that gated runs which died left behind,
// skipping collections whose run is still going, and returns how many
// collections it cleaned.
func (s *Store) SweepShadows(ctx context.Context) (int, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, fmt.Errorf("sweep shadows: %w", err)
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, `
		SELECT DISTINCT l.id, l.name FROM collections k JOIN collections l ON l.id = k.shadow_of
		WHERE k.shadow_of IS NOT NULL`)
	if err != nil {
		return 0, fmt.Errorf("sweep shadows: %w", err)
	}
	type live struct {
		id   int64
		name string
	}
	lives, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (live, error) {
		var l live
		return l, r.Scan(&l.id, &l.name)
	})
	if err != nil {
		return 0, fmt.Errorf("sweep shadows: %w", err)
	}
	n := 0
	for _, l := range lives {
		ok, err := sweepOne(ctx, conn, l.id, l.name)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// sweepOne drops the shadows of one live collection unless a gated run
// of it holds its lock.
func sweepOne(ctx context.Context, conn *pgxpool.Conn, id int64, name string) (bool, error) {
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+gateLockSQL+`)`, name).Scan(&locked); err != nil {
		return false, fmt.Errorf("sweep shadows: lock: %w", err)
	}
	if !locked {
		return false, nil
	}
	err := dropShadowsOf(ctx, conn, id)
	if _, uerr := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+gateLockSQL+`)`, name); uerr != nil {
		conn.Conn().Close(context.WithoutCancel(ctx))
		if err == nil {
			err = fmt.Errorf("sweep shadows: unlock: %w", uerr)
		}
	}
	return err == nil, err
}
