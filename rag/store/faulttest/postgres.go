// Package faulttest helps tests inject faults into citebot's storage: a
// private, throwaway PostgreSQL cluster that a test may stop and restart
// without disturbing the shared project cluster other packages' tests
// use, per-test databases on the shared cluster, the citebot binary and
// the local model for process-level tests, and checks of the invariants
// ingestion promises (no half-written document, statistics that match a
// recount, no orphan postings or vectors).
package faulttest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/citebot/citebot/rag/store"
)

// pgTimeout bounds starting or stopping the private cluster.
const pgTimeout = 2 * time.Minute

// Postgres is a private PostgreSQL cluster in a test's temporary folder,
// listening on a free 127.0.0.1 port.
type Postgres struct {
	// URL is the citebot database of the cluster.
	URL string

	port   int
	bin    string
	data   string
	runAs  []string
	logged string
}

// StartPostgres creates, starts and returns a private cluster with an
// empty "citebot" database, stopped when the test ends. Without the
// PostgreSQL binaries or pgvector it skips the test, or fails it when
// the environment variable CI is set.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	bin, err := findBin()
	if err != nil {
		SkipOrFail(t, err.Error())
	}
	p := &Postgres{bin: bin}
	dir := t.TempDir()
	p.data = filepath.Join(dir, "pg")
	p.logged = filepath.Join(p.data, "server.log")
	if err := p.prepare(dir); err != nil {
		t.Fatal(err)
	}
	if err := p.initdb(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	if err := p.startOnFreePort(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
		defer cancel()
		p.pgctl(sctx, "stop", "-m", "immediate")
	})
	admin := fmt.Sprintf("postgres://citebot@127.0.0.1:%d/postgres?sslmode=disable", p.port)
	if err := createDatabase(ctx, admin, "citebot"); err != nil {
		t.Fatal(err)
	}
	p.URL = fmt.Sprintf("postgres://citebot@127.0.0.1:%d/citebot?sslmode=disable", p.port)
	return p
}

// OpenStore opens and migrates the cluster's database through the store,
// closed when the test ends.
func (p *Postgres) OpenStore(t testing.TB) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	s, err := store.Open(ctx, p.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// SkipOrFail skips the test, or fails it under CI, where every fault test
// must run.
func SkipOrFail(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI is set, so this is a failure)", why)
	}
	t.Skip(why)
}

// findBin returns the newest PostgreSQL bin folder that has pgvector.
func findBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			continue
		}
		v := filepath.Base(filepath.Dir(d))
		if _, err := os.Stat(filepath.Join("/usr/share/postgresql", v, "extension", "vector.control")); err != nil {
			return "", fmt.Errorf("no pgvector for PostgreSQL %s (run `make db` to install it)", v)
		}
		return d, nil
	}
	return "", fmt.Errorf("no PostgreSQL binaries in /usr/lib/postgresql/*/bin (run `make db` to install them)")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// prepare makes the data folder; as root, it belongs to the postgres user,
// since PostgreSQL refuses to run as root.
func (p *Postgres) prepare(dir string) error {
	if err := os.Mkdir(p.data, 0o700); err != nil {
		return fmt.Errorf("make data folder: %w", err)
	}
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs the postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	// The test's temporary folders are private to root: let postgres
	// through to its own folder.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o711); err != nil {
			return fmt.Errorf("open %s to postgres: %w", d, err)
		}
	}
	if err := os.Chown(p.data, uid, gid); err != nil {
		return fmt.Errorf("give the data folder to postgres: %w", err)
	}
	p.runAs = []string{"runuser", "-u", "postgres", "--"}
	return nil
}

// startOnFreePort starts the cluster on a free port, trying another when
// a different process took the one found meanwhile.
func (p *Postgres) startOnFreePort(ctx context.Context) error {
	var err error
	for range 3 {
		if p.port, err = freePort(); err != nil {
			return err
		}
		if err = p.Start(ctx); err == nil {
			return nil
		}
	}
	return err
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// initdb creates the cluster with trust authentication on 127.0.0.1 only
// and no Unix socket, tuned for a short-lived test.
func (p *Postgres) initdb() error {
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	if out, err := p.run(ctx, "initdb", "-D", p.data, "-U", "citebot", "--auth=trust", "-E", "UTF8",
		"--locale=C.UTF-8", "--no-sync"); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	const conf = "\n# citebot fault test; the port is given at start\nlisten_addresses = '127.0.0.1'\n" +
		"unix_socket_directories = ''\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n" +
		"shared_buffers = 32MB\nmax_connections = 40\n"
	f, err := os.OpenFile(filepath.Join(p.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("configure cluster: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(conf); err != nil {
		return fmt.Errorf("configure cluster: %w", err)
	}
	return nil
}

// Start starts the cluster on its port and waits until it accepts
// connections.
func (p *Postgres) Start(ctx context.Context) error {
	if out, err := p.pgctl(ctx, "start", "-w", "-t", "90", "-l", p.logged, "-o", fmt.Sprintf("-p %d", p.port)); err != nil {
		return fmt.Errorf("start the private cluster: %w\n%s\n%s", err, out, p.serverLog())
	}
	return nil
}

// Stop shuts the cluster down in fast mode: sessions are ended and open
// transactions rolled back.
func (p *Postgres) Stop(ctx context.Context) error {
	if out, err := p.pgctl(ctx, "stop", "-w", "-t", "90", "-m", "fast"); err != nil {
		return fmt.Errorf("stop the private cluster: %w\n%s", err, out)
	}
	return nil
}

// Restart is Stop then Start.
func (p *Postgres) Restart(ctx context.Context) error {
	if err := p.Stop(ctx); err != nil {
		return err
	}
	return p.Start(ctx)
}

func (p *Postgres) pgctl(ctx context.Context, args ...string) (string, error) {
	return p.run(ctx, "pg_ctl", append([]string{"-D", p.data}, args...)...)
}

// run runs one PostgreSQL program, as postgres when the test runs as root.
func (p *Postgres) run(ctx context.Context, prog string, args ...string) (string, error) {
	argv := append(append(append([]string(nil), p.runAs...), filepath.Join(p.bin, prog)), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (p *Postgres) serverLog() string {
	b, _ := os.ReadFile(p.logged)
	return strings.TrimSpace(string(b))
}

// createDatabase creates name on the server at admin.
func createDatabase(ctx context.Context, admin, name string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	ident := pgx.Identifier{name}.Sanitize()
	for _, q := range []string{"DROP DATABASE IF EXISTS " + ident + " WITH (FORCE)", "CREATE DATABASE " + ident} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}
