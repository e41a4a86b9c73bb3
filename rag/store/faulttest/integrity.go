package faulttest

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/citebot/citebot/rag/store"
)

// Database creates a fresh, migrated database called name on the server
// of baseURL (a URL any test package's database gives), drops it when the
// test ends, and returns its URL.
func Database(t testing.TB, baseURL, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	if err := createDatabase(ctx, baseURL, name); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	t.Cleanup(func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(dctx, baseURL)
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
			return
		}
		defer conn.Close(dctx)
		if _, err := conn.Exec(dctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	if err := Migrate(ctx, u.String()); err != nil {
		t.Fatal(err)
	}
	return u.String()
}

// Migrate opens the database at dbURL and applies citebot's migrations.
func Migrate(ctx context.Context, dbURL string) error {
	s, err := store.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Doc is what a collection holds of one document.
type Doc struct {
	Chunks int
	Hash   string
}

// Documents returns a collection's documents by source.
func Documents(ctx context.Context, dbURL, collection string) (map[string]Doc, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `
		SELECT d.source, d.content_hash, (SELECT count(*) FROM chunks c WHERE c.document_id = d.id)
		FROM documents d JOIN collections k ON k.id = d.collection_id WHERE k.name = $1`, collection)
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	out := map[string]Doc{}
	var src string
	var d Doc
	_, err = pgx.ForEachRow(rows, []any{&src, &d.Hash, &d.Chunks}, func() error {
		out[src] = d
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	return out, nil
}

// invariants are queries that count violations of what ingestion
// promises; each must return 0.
var invariants = []struct{ name, query string }{
	{"collection chunk_count equals a recount", `
		SELECT count(*) FROM collections k
		WHERE k.chunk_count <> (SELECT count(*) FROM chunks c WHERE c.collection_id = k.id)`},
	{"collection term_count equals a recount", `
		SELECT count(*) FROM collections k
		WHERE k.term_count <> (SELECT coalesce(sum(term_count), 0) FROM chunks c WHERE c.collection_id = k.id)`},
	{"chunk positions run 0..n-1 in every document", `
		SELECT count(*) FROM (SELECT document_id FROM chunks GROUP BY document_id
			HAVING min(position) <> 0 OR max(position) <> count(*) - 1) x`},
	{"every document with text has chunks", `
		SELECT count(*) FROM documents d
		WHERE btrim(d.content) <> '' AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.document_id = d.id)`},
	{"chunks belong to their document's collection", `
		SELECT count(*) FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.collection_id <> d.collection_id`},
	{"every chunk has one vector of each model its document uses", `
		SELECT count(*) FROM chunks c JOIN documents d ON d.id = c.document_id
		WHERE EXISTS (SELECT 1 FROM chunk_embeddings e JOIN chunks o ON o.id = e.chunk_id WHERE o.document_id = d.id)
			AND NOT EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = c.id)`},
	{"no orphan vectors", `
		SELECT count(*) FROM chunk_embeddings e LEFT JOIN chunks c ON c.id = e.chunk_id
		WHERE c.id IS NULL OR c.collection_id <> e.collection_id OR c.content_hash <> e.content_hash`},
	{"no orphan postings", `
		SELECT count(*) FROM chunk_terms p LEFT JOIN chunks c ON c.id = p.chunk_id
		WHERE c.id IS NULL OR c.collection_id <> p.collection_id OR c.term_count <> p.dl`},
	{"every chunk with terms has its postings", `
		SELECT count(*) FROM chunks c
		WHERE c.term_count > 0 AND NOT EXISTS (SELECT 1 FROM chunk_terms p WHERE p.chunk_id = c.id)`},
	{"document frequencies equal a recount of the postings", `
		SELECT count(*) FROM (
			SELECT coalesce(f.collection_id, p.collection_id) FROM term_df f
			FULL JOIN (SELECT collection_id, term, count(*) AS df FROM chunk_terms GROUP BY collection_id, term) p
				ON p.collection_id = f.collection_id AND p.term = f.term
			WHERE coalesce(f.df, 0) <> coalesce(p.df, 0)) x`},
	{"postings match each chunk's terms", `
		SELECT count(*) FROM chunks c
		WHERE (SELECT count(*) FROM chunk_terms p WHERE p.chunk_id = c.id) <> (SELECT count(*) FROM unnest(c.tsv))`},
}

// CheckIntegrity returns every invariant the database at dbURL breaks,
// with how many rows break it; none means the index is consistent.
func CheckIntegrity(ctx context.Context, dbURL string) ([]string, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	var broken []string
	for _, inv := range invariants {
		var n int64
		if err := conn.QueryRow(ctx, inv.query).Scan(&n); err != nil {
			return nil, fmt.Errorf("check %q: %w", inv.name, err)
		}
		if n != 0 {
			broken = append(broken, fmt.Sprintf("%s: %d violation(s)", inv.name, n))
		}
	}
	return broken, nil
}

// AssertIntegrity fails the test for every broken invariant.
func AssertIntegrity(t testing.TB, dbURL string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	broken, err := CheckIntegrity(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range broken {
		t.Errorf("integrity: %s", b)
	}
}
