package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/citebot/citebot/rag/wordforms"
)

// DocumentWrite is a document with its chunks, written in one transaction.
type DocumentWrite struct {
	Collection  string
	Source      string
	Title       string
	MediaType   string
	ContentHash string
	Content     string
	Metadata    map[string]string
	Model       Model
	Chunks      []ChunkWrite
}

// ChunkWrite is one chunk of a DocumentWrite; Embedding has Model.Dim values.
type ChunkWrite struct {
	Position    int
	HeadingPath []string
	Page        int
	Start, End  int
	Text        string
	Hash        string
	Tokens      int
	Embedding   []float32
}

// ErrBadEmbedding reports a chunk whose vector does not fit its model.
var ErrBadEmbedding = errors.New("embedding does not match the model's dimension")

// ReplaceDocument stores a document and replaces all its chunks, postings
// and vectors in one transaction: a concurrent search sees the old version
// or the new one, never a mix. Answers citing replaced text are flagged
// stale in the same transaction (stale.go). It returns the document id.
func (s *Store) ReplaceDocument(ctx context.Context, w DocumentWrite) (int64, error) {
	ids, err := s.ReplaceDocuments(ctx, []DocumentWrite{w})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// ReplaceDocuments stores several documents of one collection and model
// in one transaction, as ReplaceDocument does one: small documents cost
// far less written together, in a fixed number of round trips. Sources
// must differ. It returns the document ids in the order given.
func (s *Store) ReplaceDocuments(ctx context.Context, ws []DocumentWrite) ([]int64, error) {
	if err := checkWrites(ws); err != nil {
		return nil, err
	}
	// Rows are locked in source order, the same in every writer.
	sorted := slices.Clone(ws)
	slices.SortFunc(sorted, func(a, b DocumentWrite) int { return strings.Compare(a.Source, b.Source) })
	var ids map[string]int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		ids, err = replaceDocuments(ctx, tx, sorted)
		return err
	})
	if err != nil {
		if len(ws) == 1 {
			return nil, fmt.Errorf("store document %s: %w", ws[0].Source, err)
		}
		return nil, fmt.Errorf("store %d documents: %w", len(ws), err)
	}
	out := make([]int64, len(ws))
	for i, w := range ws {
		out[i] = ids[w.Source]
	}
	return out, nil
}

func checkWrites(ws []DocumentWrite) error {
	if len(ws) == 0 {
		return errors.New("store documents: none given")
	}
	seen := make(map[string]bool, len(ws))
	for _, w := range ws {
		if w.Collection != ws[0].Collection || w.Model.ID != ws[0].Model.ID {
			return fmt.Errorf("store documents: %s is in another collection or model than %s", w.Source, ws[0].Source)
		}
		if seen[w.Source] {
			return fmt.Errorf("store documents: %s given twice", w.Source)
		}
		seen[w.Source] = true
		for i, c := range w.Chunks {
			if len(c.Embedding) != w.Model.Dim {
				return fmt.Errorf("chunk %d of %s: %w (%d, want %d)", i, w.Source, ErrBadEmbedding, len(c.Embedding), w.Model.Dim)
			}
		}
	}
	return nil
}

// replaceDocuments writes the new versions of documents. Everything but
// the collection's statistics runs without the collection's lock, so
// writers of different documents proceed in parallel; they take turns only
// for the document frequencies and counts at the end. Locks are taken in
// the order document rows (by source), then the collection row, so writers
// cannot deadlock.
func replaceDocuments(ctx context.Context, tx pgx.Tx, ws []DocumentWrite) (map[string]int64, error) {
	collID, ids, old, chunkIDs, err := upsertDocuments(ctx, tx, ws)
	if err != nil {
		return nil, err
	}
	if err := copyChunks(ctx, tx, collID, ids, chunkIDs, ws); err != nil {
		return nil, err
	}
	docIDs := make([]int64, 0, len(ids))
	for _, id := range ids {
		docIDs = append(docIDs, id)
	}
	b := &pgx.Batch{}
	b.Queue(`
		INSERT INTO chunk_terms (collection_id, term, chunk_id, tf, dl, impact)
		SELECT c.collection_id, t.lexeme, c.id, x.tf, c.term_count, `+impactSQL+`
		FROM chunks c, unnest(c.tsv) t, LATERAL (SELECT coalesce(array_length(t.positions, 1), 1) AS tf) x
		WHERE c.document_id = ANY($1)`, docIDs)
	queueStatistics(b, collID, docIDs, old)
	queueFlagStale(b, collID, old.hashes)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("index terms and statistics: %w", err)
	}
	return ids, nil
}

// upsertDocuments makes sure the collection exists, upserts the document
// rows, deletes their old chunks and allocates ids for the new ones, in one
// round trip.
func upsertDocuments(ctx context.Context, tx pgx.Tx, ws []DocumentWrite) (collID int64, ids map[string]int64, old oldChunks, chunkIDs []int64, err error) {
	n := 0
	cols := make([][]string, 6)
	for _, w := range ws {
		meta := []byte("{}")
		if w.Metadata != nil {
			if meta, err = json.Marshal(w.Metadata); err != nil {
				return 0, nil, old, nil, fmt.Errorf("encode metadata of %s: %w", w.Source, err)
			}
		}
		for i, v := range []string{w.Source, w.Title, w.MediaType, w.ContentHash, w.Content, string(meta)} {
			cols[i] = append(cols[i], v)
		}
		n += len(w.Chunks)
	}
	coll := ws[0].Collection
	ids = make(map[string]int64, len(ws))
	b := &pgx.Batch{}
	// An existing collection proposes no row, so that a shadow's name
	// (which migration 014's CHECK refuses for new rows) is written to.
	b.Queue(`INSERT INTO collections (name) SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM collections WHERE name = $1)
		ON CONFLICT (name) DO NOTHING`, coll)
	b.Queue(`
		INSERT INTO documents (collection_id, source, title, media_type, content_hash, content, metadata)
		SELECT k.id, u.source, u.title, u.media_type, u.content_hash, u.content, u.metadata::jsonb
		FROM collections k, unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
			WITH ORDINALITY AS u(source, title, media_type, content_hash, content, metadata, ord)
		WHERE k.name = $1
		ORDER BY u.ord
		ON CONFLICT (collection_id, source) DO UPDATE SET title = excluded.title,
			media_type = excluded.media_type, content_hash = excluded.content_hash,
			content = excluded.content, metadata = excluded.metadata, ingested_at = now()
		RETURNING collection_id, id, source`, coll, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5]).Query(func(rows pgx.Rows) error {
		var id int64
		var src string
		_, err := pgx.ForEachRow(rows, []any{&collID, &id, &src}, func() error { ids[src] = id; return nil })
		return err
	})
	b.Queue(`
		WITH d AS (
			DELETE FROM chunks c USING documents d, collections k
			WHERE c.document_id = d.id AND d.collection_id = k.id AND k.name = $1 AND d.source = ANY($2)
			RETURNING c.id, c.term_count, c.content_hash)
		SELECT coalesce(array_agg(id), '{}'), coalesce(array_agg(DISTINCT content_hash), '{}'), count(*),
			coalesce(sum(term_count), 0) FROM d`, coll, cols[0]).QueryRow(func(row pgx.Row) error {
		return row.Scan(&old.ids, &old.hashes, &old.n, &old.terms)
	})
	b.Queue(`SELECT nextval(pg_get_serial_sequence('chunks', 'id')) FROM generate_series(1, $1)`, n).Query(func(rows pgx.Rows) error {
		var err error
		chunkIDs, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return 0, nil, old, nil, fmt.Errorf("upsert documents: %w", err)
	}
	return collID, ids, old, chunkIDs, nil
}

// copyChunks writes the chunks and their vectors with COPY.
func copyChunks(ctx context.Context, tx pgx.Tx, collID int64, docIDs map[string]int64, chunkIDs []int64, ws []DocumentWrite) error {
	type row struct {
		doc int64
		w   *DocumentWrite
		c   *ChunkWrite
	}
	rows := make([]row, 0, len(chunkIDs))
	for i := range ws {
		for j := range ws[i].Chunks {
			rows = append(rows, row{docIDs[ws[i].Source], &ws[i], &ws[i].Chunks[j]})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"chunks"},
		[]string{"id", "document_id", "collection_id", "position", "heading_path", "page",
			"start_offset", "end_offset", "content", "content_hash", "token_count", "search_text"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			r := rows[i]
			hp := r.c.HeadingPath
			if hp == nil {
				hp = []string{}
			}
			return []any{chunkIDs[i], r.doc, collID, r.c.Position, hp, r.c.Page, r.c.Start, r.c.End,
				r.c.Text, r.c.Hash, r.c.Tokens, SearchText(r.w.Title, r.c.HeadingPath, r.c.Text)}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy chunks: %w", err)
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"chunk_embeddings"},
		[]string{"chunk_id", "model_id", "collection_id", "content_hash", "embedding"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			r := rows[i]
			return []any{chunkIDs[i], r.w.Model.ID, collID, r.c.Hash, pgvector.NewVector(r.c.Embedding)}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy embeddings: %w", err)
	}
	return nil
}

// impactSQL orders a term's postings; it must match the backfill in
// migrations/002_bm25_impacts.sql.
const impactSQL = `x.tf / (x.tf + 1.2 * (0.25 + 0.75 * c.term_count / 64.0))`

// oldChunks is what a write deleted: the chunk ids, whose postings are
// still to be dropped, their content hashes, which answers may cite
// (stale.go), their number and their total length.
type oldChunks struct {
	ids      []int64
	hashes   []string
	n, terms int64
}

// queueStatistics queues, after taking the collection's row, the drop of
// the old chunks' postings and the move of the document frequencies and
// collection counts from the old chunks to the documents' current ones.
func queueStatistics(b *pgx.Batch, collID int64, docIDs []int64, old oldChunks) {
	// NO KEY UPDATE: the foreign keys of this transaction's rows already hold
	// the row FOR KEY SHARE, which FOR UPDATE would conflict with.
	b.Queue(`SELECT 1 FROM collections WHERE id = $1 FOR NO KEY UPDATE`, collID)
	// One posting per (term, chunk): the dropped postings are the old
	// chunks' document frequencies.
	b.Queue(`
		WITH gone AS (DELETE FROM chunk_terms WHERE chunk_id = ANY($3) RETURNING term),
		delta AS (
			SELECT term, sum(d) AS d FROM (
				SELECT term, -1 AS d FROM gone
				UNION ALL
				SELECT t.lexeme, 1 FROM chunks c, unnest(c.tsv) t WHERE c.document_id = ANY($2)) x
			GROUP BY term HAVING sum(d) <> 0)
		INSERT INTO term_df (collection_id, term, df) SELECT $1, term, d FROM delta
		ON CONFLICT (collection_id, term) DO UPDATE SET df = term_df.df + excluded.df`, collID, docIDs, old.ids)
	b.Queue(`
		UPDATE collections SET chunk_count = chunk_count - $3 + (SELECT count(*) FROM chunks WHERE document_id = ANY($2)),
			term_count = term_count - $4 + (SELECT coalesce(sum(term_count), 0) FROM chunks WHERE document_id = ANY($2))
		WHERE id = $1`, collID, docIDs, old.n, old.terms)
}

// AnalysisVersion names how SearchText and the query side analyse text
// for the text leg; it changes whenever what gets indexed changes, and
// ingestion mixes it into a document's version so that the next ingest of
// unchanged sources indexes them again. 2: irregular word forms.
const AnalysisVersion = 2

// SearchText is what the text leg indexes for a chunk: the title and the
// heading path give short chunks the words of their context. Irregular
// word forms are brought to their base form (wordforms.Normalize), as in
// queries.
func SearchText(title string, headingPath []string, text string) string {
	n := len(title) + len(text) + 2
	for _, h := range headingPath {
		n += len(h) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, title...)
	b = append(b, '\n')
	for _, h := range headingPath {
		if h == title {
			continue
		}
		b = append(b, h...)
		b = append(b, '\n')
	}
	b = append(b, text...)
	return wordforms.Normalize(string(b))
}

// DeleteDocument removes a document and all its chunks, reporting whether
// it existed; answers citing them are flagged stale in the same
// transaction (stale.go).
func (s *Store) DeleteDocument(ctx context.Context, collection, source string) (bool, error) {
	var found bool
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var collID, docID int64
		var old oldChunks
		err := tx.QueryRow(ctx, `
			SELECT k.id, d.id FROM documents d JOIN collections k ON k.id = d.collection_id
			WHERE k.name = $1 AND d.source = $2 FOR UPDATE OF d`, collection, source).Scan(&collID, &docID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find document: %w", err)
		}
		found = true
		err = tx.QueryRow(ctx, `
			WITH d AS (DELETE FROM chunks WHERE document_id = $1 RETURNING id, term_count, content_hash)
			SELECT coalesce(array_agg(id), '{}'), coalesce(array_agg(DISTINCT content_hash), '{}'), count(*),
				coalesce(sum(term_count), 0) FROM d`, docID).Scan(&old.ids, &old.hashes, &old.n, &old.terms)
		if err != nil {
			return fmt.Errorf("delete chunks: %w", err)
		}
		b := &pgx.Batch{}
		queueStatistics(b, collID, []int64{docID}, old)
		queueFlagStale(b, collID, old.hashes)
		b.Queue(`DELETE FROM documents WHERE id = $1`, docID)
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return false, fmt.Errorf("delete document %s: %w", source, err)
	}
	return found, nil
}
