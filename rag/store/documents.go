package store

import (
	"context"
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
			WITH ins AS (INSERT INTO collections (name) SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM collections WHERE name = $1)
				ON CONFLICT (name) DO NOTHING RETURNING id)
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

// MetaRawHash is the document metadata key (documents.metadata, jsonb)
// under which ingestion keeps the hash of a file's raw bytes; the query of
// DocumentStates names it too.
const MetaRawHash = "raw_sha256"

// DocState is what incremental ingestion needs to know of a stored document.
type DocState struct {
	ID          int64
	ContentHash string
	// RawHash is the document's MetaRawHash metadata, "" if it has none.
	RawHash string
	// Model is set when every chunk has a vector of the model asked about.
	Embedded bool
}

// DocumentStates returns the stored documents of a collection by source,
// with whether all their chunks carry vectors of model.
func (s *Store) DocumentStates(ctx context.Context, collection string, modelID int) (map[string]DocState, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT d.source, d.id, d.content_hash, COALESCE(d.metadata->>'raw_sha256', ''),
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
	_, err = pgx.ForEachRow(rows, []any{&src, &st.ID, &st.ContentHash, &st.RawHash, &st.Embedded}, func() error {
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
