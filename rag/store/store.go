// Package store keeps all of citebot's SQL: migrations, documents and their
// chunks, BM25 postings, embeddings per model, hybrid search, and the bot's
// own tables (channel mappings, feedback, cached summaries).
package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
)

// connectTimeout bounds each connection attempt, so that a wrong address
// fails within seconds.
const connectTimeout = 5 * time.Second

// Store is a pool of connections to citebot's database and, when a read
// replica is attached (AttachReadReplica), a second pool to it for the
// reads that tolerate replication lag.
type Store struct {
	pool *pgxpool.Pool
	read *pgxpool.Pool // nil without a replica
}

// Open connects to the database at url and checks that it answers. It does
// not migrate: call Migrate.
func Open(ctx context.Context, url string) (*Store, error) {
	pool, err := openPool(ctx, url, "DATABASE_URL")
	if err != nil {
		return nil, err
	}
	return &Store{pool: pool}, nil
}

// openPool connects a pool to url and pings it; name is the setting that
// holds url, for errors.
func openPool(ctx context.Context, url, name string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, redactParseError(err))
	}
	cfg.ConnConfig.ConnectTimeout = connectTimeout
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.HealthCheckPeriod = 10 * time.Second
	cfg.AfterConnect = registerVector
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 2*connectTimeout)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, &ConnectError{Host: cfg.ConnConfig.Host, Port: cfg.ConnConfig.Port,
			Database: cfg.ConnConfig.Database, User: cfg.ConnConfig.User, Err: err}
	}
	return pool, nil
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

// Close closes every connection, the replica's too.
func (s *Store) Close() {
	s.pool.Close()
	if s.read != nil {
		s.read.Close()
	}
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// ConnectError reports a database that could not be reached or refused
// the connection, naming where it was looked for and what to do.
type ConnectError struct {
	Host     string
	Port     uint16
	Database string
	User     string
	Err      error
}

// PostgreSQL error codes that ConnectError tells apart.
const (
	codeInvalidPassword = "28P01"
	codeInvalidAuth     = "28000"
	codeNoDatabase      = "3D000"
)

func (e *ConnectError) Error() string {
	addr := net.JoinHostPort(e.Host, fmt.Sprint(e.Port))
	var pe *pgconn.PgError
	if errors.As(e.Err, &pe) {
		switch pe.Code {
		case codeInvalidPassword, codeInvalidAuth:
			return fmt.Sprintf("PostgreSQL at %s refused user %q (%s): correct the user or password in DATABASE_URL "+
				"(the project's own database writes its URL to .data/database_url)", addr, e.User, pe.Message)
		case codeNoDatabase:
			return fmt.Sprintf("PostgreSQL at %s has no database %q: create it, or point DATABASE_URL at one that exists", addr, e.Database)
		}
	}
	return fmt.Sprintf("cannot reach PostgreSQL at %s (database %q: %v): start the project's database with `make db` "+
		"(`make db-stop` stops it), or export DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/DB for another with pgvector",
		addr, e.Database, firstLine(rootCause(e.Err).Error()))
}

func (e *ConnectError) Unwrap() error { return e.Err }

// firstLine keeps an error to one line: pgconn lists one per address tried.
func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

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
