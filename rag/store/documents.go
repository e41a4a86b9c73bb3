package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
)

// Model is an embedding model known to the database.
type Model struct {
	ID   int
	Name string
	Dim  int
}

// EnsureModel returns the model called name, registering it and creating
// its HNSW index on first use (or when a bulk load left it missing). A
// model whose dimension changed is refused: its vectors would not fit its
// index.
func (s *Store) EnsureModel(ctx context.Context, name string, dim int) (Model, error) {
	m := Model{Name: name}
	err := upsertRetry(func() error {
		return s.pool.QueryRow(ctx, `
			WITH ins AS (
				INSERT INTO embedding_models (name, dim) VALUES ($1, $2)
				ON CONFLICT (name) DO NOTHING RETURNING id, dim)
			SELECT id, dim FROM ins UNION ALL SELECT id, dim FROM embedding_models WHERE name = $1
			LIMIT 1`, name, dim).Scan(&m.ID, &m.Dim)
	})
	if err != nil {
		return Model{}, fmt.Errorf("register model %s: %w", name, err)
	}
	if m.Dim != dim {
		return Model{}, fmt.Errorf("model %s is stored with %d dimensions, the embedder gives %d: "+
			"rename the model or remove its embeddings", name, m.Dim, dim)
	}
	if err := s.BuildVectorIndex(ctx, m); err != nil {
		return Model{}, fmt.Errorf("model %s: %w", name, err)
	}
	return m, nil
}

// EnsureCollection returns the id of the collection called name, creating
// it when missing.
func (s *Store) EnsureCollection(ctx context.Context, name string) (int64, error) {
	var id int64
	err := upsertRetry(func() error {
		return s.pool.QueryRow(ctx, `
			WITH ins AS (INSERT INTO collections (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id)
			SELECT id FROM ins UNION ALL SELECT id FROM collections WHERE name = $1 LIMIT 1`, name).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("ensure collection %s: %w", name, err)
	}
	return id, nil
}

// upsertRetry runs an insert-or-select once more when it found no row:
// when another session inserts the same name at the same moment, the
// insert yields to it but the statement's snapshot cannot see its row yet.
// The next statement can.
func upsertRetry(q func() error) error {
	err := q()
	if errors.Is(err, pgx.ErrNoRows) {
		err = q()
	}
	return err
}

// DocState is what incremental ingestion needs to know of a stored document.
type DocState struct {
	ID          int64
	ContentHash string
	// Model is set when every chunk has a vector of the model asked about.
	Embedded bool
}

// DocumentStates returns the stored documents of a collection by source,
// with whether all their chunks carry vectors of model.
func (s *Store) DocumentStates(ctx context.Context, collection string, modelID int) (map[string]DocState, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT d.source, d.id, d.content_hash,
			NOT EXISTS (SELECT 1 FROM chunks c WHERE c.document_id = d.id AND NOT EXISTS (
				SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = c.id AND e.model_id = $2))
		FROM documents d JOIN collections k ON k.id = d.collection_id
		WHERE k.name = $1`, collection, modelID)
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	states := make(map[string]DocState)
	var src string
	var st DocState
	_, err = pgx.ForEachRow(rows, []any{&src, &st.ID, &st.ContentHash, &st.Embedded}, func() error {
		states[src] = st
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	return states, nil
}

// CachedEmbeddings returns the stored vectors of model for the given chunk
// content hashes, so that text already embedded is not embedded again.
func (s *Store) CachedEmbeddings(ctx context.Context, modelID int, hashes []string) (map[string][]float32, error) {
	out := make(map[string][]float32)
	if len(hashes) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `
		SELECT DISTINCT ON (content_hash) content_hash, embedding
		FROM chunk_embeddings WHERE model_id = $1 AND content_hash = ANY($2)`, modelID, hashes)
	if err != nil {
		return nil, fmt.Errorf("look up cached embeddings: %w", err)
	}
	var h string
	var v pgvector.Vector
	_, err = pgx.ForEachRow(rows, []any{&h, &v}, func() error {
		out[h] = v.Slice()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up cached embeddings: %w", err)
	}
	return out, nil
}

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
// or the new one, never a mix. It returns the document id.
func (s *Store) ReplaceDocument(ctx context.Context, w DocumentWrite) (int64, error) {
	for i, c := range w.Chunks {
		if len(c.Embedding) != w.Model.Dim {
			return 0, fmt.Errorf("chunk %d of %s: %w (%d, want %d)", i, w.Source, ErrBadEmbedding, len(c.Embedding), w.Model.Dim)
		}
	}
	collID, err := s.EnsureCollection(ctx, w.Collection)
	if err != nil {
		return 0, err
	}
	var docID int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		docID, err = replaceDocument(ctx, tx, collID, w)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store document %s: %w", w.Source, err)
	}
	return docID, nil
}

// replaceDocument writes the new version of a document. Everything but the
// collection's statistics runs without the collection's lock, so writers
// of different documents proceed in parallel; they take turns only for the
// document frequencies and counts at the end. Locks are always taken in
// the order document row, then collection row, so writers cannot deadlock.
func replaceDocument(ctx context.Context, tx pgx.Tx, collID int64, w DocumentWrite) (int64, error) {
	meta := []byte("{}")
	if w.Metadata != nil {
		var err error
		if meta, err = json.Marshal(w.Metadata); err != nil {
			return 0, fmt.Errorf("encode metadata: %w", err)
		}
	}
	var docID int64
	err := tx.QueryRow(ctx, `
		INSERT INTO documents (collection_id, source, title, media_type, content_hash, content, metadata)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (collection_id, source) DO UPDATE SET title = excluded.title,
			media_type = excluded.media_type, content_hash = excluded.content_hash,
			content = excluded.content, metadata = excluded.metadata, ingested_at = now()
		RETURNING id`, collID, w.Source, w.Title, w.MediaType, w.ContentHash, w.Content, meta).Scan(&docID)
	if err != nil {
		return 0, fmt.Errorf("upsert document: %w", err)
	}
	old, err := deleteChunks(ctx, tx, docID)
	if err != nil {
		return 0, err
	}
	if err := insertChunks(ctx, tx, collID, docID, w); err != nil {
		return 0, err
	}
	if err := updateStatistics(ctx, tx, collID, docID, old); err != nil {
		return 0, err
	}
	return docID, nil
}

// oldChunks is what deleteChunks removed: the chunk ids, whose postings
// are still to be dropped, their number and their total length.
type oldChunks struct {
	ids      []int64
	n, terms int64
}

// deleteChunks removes a document's chunks (vectors cascade; postings are
// dropped by updateStatistics, which needs them for the frequencies).
func deleteChunks(ctx context.Context, tx pgx.Tx, docID int64) (oldChunks, error) {
	var old oldChunks
	rows, err := tx.Query(ctx, `DELETE FROM chunks WHERE document_id = $1 RETURNING id, term_count`, docID)
	if err != nil {
		return old, fmt.Errorf("delete old chunks: %w", err)
	}
	var id, terms int64
	_, err = pgx.ForEachRow(rows, []any{&id, &terms}, func() error {
		old.ids = append(old.ids, id)
		old.n++
		old.terms += terms
		return nil
	})
	if err != nil {
		return old, fmt.Errorf("delete old chunks: %w", err)
	}
	return old, nil
}

// updateStatistics takes the collection's row, then drops the old chunks'
// postings and moves the document frequencies and collection counts from
// the old chunks to the document's current ones.
func updateStatistics(ctx context.Context, tx pgx.Tx, collID, docID int64, old oldChunks) error {
	// NO KEY UPDATE: the foreign keys of this transaction's rows already hold
	// the row FOR KEY SHARE, which FOR UPDATE would conflict with.
	if _, err := tx.Exec(ctx, `SELECT 1 FROM collections WHERE id = $1 FOR NO KEY UPDATE`, collID); err != nil {
		return fmt.Errorf("lock collection: %w", err)
	}
	// One posting per (term, chunk): the dropped postings are the old
	// chunks' document frequencies.
	_, err := tx.Exec(ctx, `
		WITH gone AS (DELETE FROM chunk_terms WHERE chunk_id = ANY($3) RETURNING term),
		delta AS (
			SELECT term, sum(d) AS d FROM (
				SELECT term, -1 AS d FROM gone
				UNION ALL
				SELECT t.lexeme, 1 FROM chunks c, unnest(c.tsv) t WHERE c.document_id = $2) x
			GROUP BY term HAVING sum(d) <> 0)
		INSERT INTO term_df (collection_id, term, df) SELECT $1, term, d FROM delta
		ON CONFLICT (collection_id, term) DO UPDATE SET df = term_df.df + excluded.df`, collID, docID, old.ids)
	if err != nil {
		return fmt.Errorf("update document frequencies: %w", err)
	}
	_, err = tx.Exec(ctx, `
		UPDATE collections SET chunk_count = chunk_count - $3 + (SELECT count(*) FROM chunks WHERE document_id = $2),
			term_count = term_count - $4 + (SELECT coalesce(sum(term_count), 0) FROM chunks WHERE document_id = $2)
		WHERE id = $1`, collID, docID, old.n, old.terms)
	if err != nil {
		return fmt.Errorf("update collection statistics: %w", err)
	}
	return nil
}

func insertChunks(ctx context.Context, tx pgx.Tx, collID, docID int64, w DocumentWrite) error {
	if len(w.Chunks) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(w.Chunks))
	rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('chunks', 'id')) FROM generate_series(1, $1)`, len(w.Chunks))
	if err != nil {
		return fmt.Errorf("allocate chunk ids: %w", err)
	}
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&id}, func() error { ids = append(ids, id); return nil }); err != nil {
		return fmt.Errorf("allocate chunk ids: %w", err)
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"chunks"},
		[]string{"id", "document_id", "collection_id", "position", "heading_path", "page",
			"start_offset", "end_offset", "content", "content_hash", "token_count", "search_text"},
		pgx.CopyFromSlice(len(w.Chunks), func(i int) ([]any, error) {
			c := w.Chunks[i]
			hp := c.HeadingPath
			if hp == nil {
				hp = []string{}
			}
			return []any{ids[i], docID, collID, c.Position, hp, c.Page, c.Start, c.End,
				c.Text, c.Hash, c.Tokens, SearchText(w.Title, c.HeadingPath, c.Text)}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy chunks: %w", err)
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"chunk_embeddings"},
		[]string{"chunk_id", "model_id", "collection_id", "content_hash", "embedding"},
		pgx.CopyFromSlice(len(w.Chunks), func(i int) ([]any, error) {
			c := w.Chunks[i]
			return []any{ids[i], w.Model.ID, collID, c.Hash, pgvector.NewVector(c.Embedding)}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy embeddings: %w", err)
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO chunk_terms (collection_id, term, chunk_id, tf, dl, impact)
		SELECT c.collection_id, t.lexeme, c.id, x.tf, c.term_count, `+impactSQL+`
		FROM chunks c, unnest(c.tsv) t, LATERAL (SELECT coalesce(array_length(t.positions, 1), 1) AS tf) x
		WHERE c.document_id = $1`, docID)
	if err != nil {
		return fmt.Errorf("index terms: %w", err)
	}
	return nil
}

// impactSQL orders a term's postings; it must match the backfill in
// migrations/002_bm25_impacts.sql.
const impactSQL = `x.tf / (x.tf + 1.2 * (0.25 + 0.75 * c.term_count / 64.0))`

// SearchText is what the text leg indexes for a chunk: the title and the
// heading path give short chunks the words of their context.
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
	return string(b)
}

// DeleteDocument removes a document and all its chunks, reporting whether
// it existed.
func (s *Store) DeleteDocument(ctx context.Context, collection, source string) (bool, error) {
	var found bool
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var collID, docID int64
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
		old, err := deleteChunks(ctx, tx, docID)
		if err != nil {
			return err
		}
		if err := updateStatistics(ctx, tx, collID, docID, old); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM documents WHERE id = $1`, docID)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("delete document %s: %w", source, err)
	}
	return found, nil
}
