// Package storetest gives each test package its own database on the real
// PostgreSQL server: created and migrated before the package's tests, and
// dropped after them.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/citebot/citebot/rag/store"
)

// Main runs a test package against a fresh, migrated database called
// citebot_test_<pkg>_<pid>, storing its URL in *dbURL. Without a server the tests
// run with an empty URL (and Open skips them), except under CI, where that
// is a failure. Call it from TestMain: os.Exit(storetest.Main(m, "store", &dbURL)).
func Main(m *testing.M, pkg string, dbURL *string) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	wd, _ := os.Getwd()
	admin, err := store.LocateURL(os.Getenv, wd)
	if err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, "storetest:", err)
			return 1
		}
		return m.Run()
	}
	prefix := "citebot_test_" + pkg + "_"
	dropStale(ctx, admin, prefix)
	u, drop, err := create(ctx, admin, fmt.Sprintf("%s%d", prefix, os.Getpid()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "storetest:", err)
		return 1
	}
	*dbURL = u
	code := m.Run()
	if err := drop(); err != nil {
		fmt.Fprintln(os.Stderr, "storetest:", err)
	}
	return code
}

// dropStale drops the databases that earlier runs of this package left
// behind when they died, recognised by a process id that is gone.
// Concurrent runs of one package each have their own database.
func dropStale(ctx context.Context, admin, prefix string) {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, prefix)
	if err != nil {
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, name := range names {
		pid, err := strconv.Atoi(strings.TrimPrefix(name, prefix))
		if err != nil || syscall.Kill(pid, 0) == nil {
			continue
		}
		dropDatabase(ctx, conn, pgx.Identifier{name}.Sanitize())
	}
}

// dropDatabase drops a test database, ending the connections left in it.
// WITH (FORCE) may not end a background process such as an autovacuum
// worker when the test role is not a superuser (SQLSTATE 42501), while a
// plain DROP DATABASE stops autovacuum itself but fails on open sessions
// (55006): so both are tried, in turn, until one works or ctx ends.
func dropDatabase(ctx context.Context, conn *pgx.Conn, ident string) error {
	for {
		_, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			return err
		}
		if _, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("drop database %s: %w", ident, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// create makes an empty, migrated database and returns its URL.
func create(ctx context.Context, admin, name string) (string, func() error, error) {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", nil, fmt.Errorf("connect: %w", err)
	}
	ident := pgx.Identifier{name}.Sanitize()
	if err := dropDatabase(ctx, conn, ident); err != nil {
		conn.Close(ctx)
		return "", nil, fmt.Errorf("drop database %s: %w", ident, err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		conn.Close(ctx)
		return "", nil, fmt.Errorf("create database %s: %w", ident, err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		conn.Close(ctx)
		return "", nil, fmt.Errorf("parse url: %w", err)
	}
	u.Path = "/" + name
	s, err := store.Open(ctx, u.String())
	if err == nil {
		_, err = s.Migrate(ctx)
		s.Close()
	}
	if err != nil {
		conn.Close(ctx)
		return "", nil, fmt.Errorf("migrate %s: %w", name, err)
	}
	drop := func() error {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		defer conn.Close(dctx)
		return dropDatabase(dctx, conn, ident)
	}
	return u.String(), drop, nil
}

// Open opens the package's database, emptied of the data earlier tests
// left (see Reset), skipping the test when there is none.
func Open(t testing.TB, dbURL string) *store.Store {
	t.Helper()
	Reset(t, dbURL)
	s, err := store.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Reset empties every table of the package's database except the
// migration record and the embedding models, so each test (and each run
// under -count) starts from a freshly migrated state. It skips the test
// when there is no database. Tests of one package must not run in
// parallel with each other.
func Reset(t testing.TB, dbURL string) {
	t.Helper()
	if dbURL == "" {
		t.Skip("no database: run `make db` (or set DATABASE_URL)")
	}
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	rows, err := conn.Query(t.Context(), `SELECT format('%I', tablename) FROM pg_tables
		WHERE schemaname = 'public' AND tablename NOT IN ('schema_migrations', 'embedding_models')`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	// DELETE, not TRUNCATE: on tables this small it is ten times faster,
	// as TRUNCATE syncs new files for every table and index.
	// Every foreign key among them cascades, so any order works.
	b := &pgx.Batch{}
	for _, tbl := range tables {
		b.Queue("DELETE FROM " + tbl)
	}
	if err := conn.SendBatch(t.Context(), b).Close(); err != nil {
		t.Fatal(err)
	}
	// Deleted vectors stay in the HNSW graph until a vacuum repairs it, and
	// a search running beside autovacuum's repair can miss live vectors (a
	// vector-only search of three chunks once returned one): vacuum now,
	// while no test is searching.
	if _, err := conn.Exec(t.Context(), "VACUUM chunk_embeddings"); err != nil {
		t.Fatal(err)
	}
}
