package store_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

var dbURL string

func TestMain(m *testing.M) { os.Exit(storetest.Main(m, "store", &dbURL)) }

func TestMigrate(t *testing.T) {
	s := storetest.Open(t, dbURL)
	ctx := t.Context()
	v1, err := s.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v1 < 1 {
		t.Fatalf("version = %d, want >= 1", v1)
	}
	v2, err := s.Migrate(ctx)
	if err != nil || v2 != v1 {
		t.Fatalf("second Migrate = %d, %v; want %d, nil", v2, err, v1)
	}
	checks := []struct {
		name, query string
	}{
		{"vector installed", `SELECT count(*) FROM pg_extension WHERE extname = 'vector'`},
		{"gin index on tsv", `SELECT count(*) FROM pg_indexes WHERE indexname = 'chunks_tsv_idx' AND indexdef LIKE '%USING gin (tsv)%'`},
		{"hnsw index of the default model", `SELECT count(*) FROM pg_indexes WHERE indexname = 'chunk_embeddings_hnsw_1' AND indexdef LIKE '%USING hnsw%vector_cosine_ops%WHERE (model_id = 1)%'`},
		{"migrations recorded once", `SELECT count(*) - count(DISTINCT version) + 1 FROM schema_migrations`},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			var n int
			if err := s.QueryRowForTest(ctx, c.query, &n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("%s: got %d, want 1", c.query, n)
			}
		})
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	s := storetest.Open(t, dbURL)
	ctx := t.Context()
	if err := s.ExecForTest(ctx, `INSERT INTO schema_migrations (version, name) VALUES (999, '999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// t.Context() is already cancelled when cleanups run.
		if err := s.ExecForTest(context.WithoutCancel(t.Context()), `DELETE FROM schema_migrations WHERE version = 999`); err != nil {
			t.Error(err)
		}
	})
	_, err := s.Migrate(ctx)
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("Migrate on a newer schema: %v, want ErrSchemaTooNew", err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	_, err := store.Open(t.Context(), "postgres://u:secret@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	var ce *store.ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("Open unreachable: %v, want a ConnectError", err)
	}
	msg := err.Error()
	for _, want := range []string{"127.0.0.1:1", "make db"} {
		if !contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if contains(msg, "secret") {
		t.Errorf("error %q leaks the password", msg)
	}
}
