// Package store keeps all of citebot's SQL: migrations, documents and their
// chunks, BM25 postings, embeddings per model, hybrid search, and the bot's
// own tables (channel mappings, feedback, cached summaries).
package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
)

// connectTimeout bounds each connection attempt, so that a wrong address
// fails within seconds.
const connectTimeout = 5 * time.Second

// Store is a pool of connections to citebot's database.
type Store struct {
	pool *pgxpool.Pool
}

// Open connects to the database at url and checks that it answers. It does
// not migrate: call Migrate.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", redactParseError(err))
	}
	cfg.ConnConfig.ConnectTimeout = connectTimeout
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.HealthCheckPeriod = 10 * time.Second
	cfg.AfterConnect = registerVector
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	s := &Store{pool: pool}
	pctx, cancel := context.WithTimeout(ctx, 2*connectTimeout)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, &ConnectError{Host: cfg.ConnConfig.Host, Port: cfg.ConnConfig.Port,
			Database: cfg.ConnConfig.Database, Err: err}
	}
	return s, nil
}

// registerVector teaches a new connection the vector type, when the
// extension exists (before the first migration it may not).
func registerVector(ctx context.Context, conn *pgx.Conn) error {
	var exists bool
	err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'vector')`).Scan(&exists)
	if err != nil || !exists {
		return err
	}
	return pgxvec.RegisterTypes(ctx, conn)
}

// redactParseError keeps a parse error from echoing the URL, which may hold
// a password.
func redactParseError(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return errors.New("malformed connection string (want postgres://user:password@host:port/dbname)")
	}
	return err
}

// Close closes every connection.
func (s *Store) Close() { s.pool.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// ConnectError reports a database that could not be reached, naming where
// it was looked for and how to start the project's own.
type ConnectError struct {
	Host     string
	Port     uint16
	Database string
	Err      error
}

func (e *ConnectError) Error() string {
	addr := net.JoinHostPort(e.Host, fmt.Sprint(e.Port))
	return fmt.Sprintf("cannot reach PostgreSQL at %s (database %q): %v\n"+
		"Start the project's database with `make db` (or `make run`, which also ingests and starts the bot), "+
		"or set DATABASE_URL to a PostgreSQL with pgvector.", addr, e.Database, rootCause(e.Err))
}

func (e *ConnectError) Unwrap() error { return e.Err }

// rootCause drops pgconn's wrapping, which repeats the address.
func rootCause(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}
