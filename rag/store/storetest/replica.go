package storetest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Replica is a real streaming replica (hot standby) of the test server,
// made with pg_basebackup -R and running on a free port until the test
// ends.
type Replica struct {
	// URL is the test database dbURL names, on the replica.
	URL string
	dir string
	run func(ctx context.Context, name string, args ...string) ([]byte, error)
	bin string
	su  string // the cluster's superuser, in through the replica's socket
}

// StartReplica makes a streaming replica of the server dbURL is on. It
// needs the replication URL that scripts/db.sh writes to
// .data/replication_url (or CITEBOT_REPLICATION_URL) and the server's
// PostgreSQL binaries on this machine. Without a replication URL the test
// is skipped, except under CI when the project's own database is in use
// (DATABASE_URL unset), where db.sh always writes one: that is a failure.
func StartReplica(t testing.TB, dbURL string) *Replica {
	t.Helper()
	ctx := t.Context()
	repl, err := replicationURL()
	if err != nil {
		if os.Getenv("CI") != "" && os.Getenv("DATABASE_URL") == "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	r := &Replica{}
	port, err := r.inspect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.prepare(t); err != nil {
		t.Fatal(err)
	}
	// No replication slot: one left behind by a dead test would keep WAL
	// on the shared server forever. The replica streams from the backup's
	// end at once, well within the WAL the server keeps.
	if out, err := r.run(ctx, filepath.Join(r.bin, "pg_basebackup"), "-D", r.dir, "-R", "-X", "stream",
		"-c", "fast", "-d", repl); err != nil {
		t.Fatalf("pg_basebackup: %v\n%s", err, out)
	}
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c shared_buffers=32MB", port, r.dir)
	if out, err := r.run(ctx, filepath.Join(r.bin, "pg_ctl"), "-D", r.dir, "-l", filepath.Join(r.dir, "replica.log"),
		"-w", "-t", "120", "-o", opts, "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(r.dir, "replica.log"))
		t.Fatalf("start replica: %v\n%s\n%s", err, out, log)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if out, err := r.run(ctx, filepath.Join(r.bin, "pg_ctl"), "-D", r.dir, "-m", "immediate", "-w", "stop"); err != nil {
			t.Errorf("stop replica: %v\n%s", err, out)
		}
		_ = os.RemoveAll(r.dir)
	})
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	r.URL = u.String()
	return r
}

// replicationURL finds the replication role's URL: CITEBOT_REPLICATION_URL,
// else the .data/replication_url of the project's own database (when
// DATABASE_URL is unset), in the working folder or a parent.
func replicationURL() (string, error) {
	if u := strings.TrimSpace(os.Getenv("CITEBOT_REPLICATION_URL")); u != "" {
		return u, nil
	}
	if os.Getenv("DATABASE_URL") != "" {
		return "", errors.New("no replication URL: DATABASE_URL is set but CITEBOT_REPLICATION_URL is not")
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, ".data", "replication_url")); err == nil {
			return strings.TrimSpace(string(b)), nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("no replication URL: no .data/replication_url (run scripts/db.sh) and no CITEBOT_REPLICATION_URL")
		}
	}
}

// inspect finds the server's binaries and superuser, and a free port.
func (r *Replica) inspect(ctx context.Context, dbURL string) (int, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	var version int
	if err := conn.QueryRow(ctx, `SELECT current_setting('server_version_num')::int, (SELECT rolname FROM pg_roles WHERE oid = 10)`).
		Scan(&version, &r.su); err != nil {
		return 0, fmt.Errorf("server version: %w", err)
	}
	r.bin = fmt.Sprintf("/usr/lib/postgresql/%d/bin", version/10000)
	if _, err := os.Stat(filepath.Join(r.bin, "pg_basebackup")); err != nil {
		return 0, fmt.Errorf("PostgreSQL %d binaries: %w", version/10000, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// prepare makes the replica's folder and picks who runs it: PostgreSQL
// refuses to run as root, so as root the postgres system user does.
func (r *Replica) prepare(t testing.TB) error {
	dir, err := os.MkdirTemp("", "citebot-replica-")
	if err != nil {
		return err
	}
	r.dir = dir
	r.run = func(ctx context.Context, name string, args ...string) ([]byte, error) {
		return exec.CommandContext(ctx, name, args...).CombinedOutput()
	}
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("as root the replica runs as the postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		os.RemoveAll(dir)
		return err
	}
	r.run = func(ctx context.Context, name string, args ...string) ([]byte, error) {
		return exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", name}, args...)...).CombinedOutput()
	}
	return nil
}

// PauseReplay stops (pause true) or resumes applying the primary's WAL on
// the replica, as its superuser through its socket.
func (r *Replica) PauseReplay(t testing.TB, pause bool) {
	t.Helper()
	fn := "pg_wal_replay_resume()"
	if pause {
		fn = "pg_wal_replay_pause()"
	}
	u, _ := url.Parse(r.URL)
	if out, err := r.run(t.Context(), filepath.Join(r.bin, "psql"), "-h", r.dir, "-p", u.Port(), "-U", r.su,
		"-d", "postgres", "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", "SELECT "+fn); err != nil {
		t.Fatalf("%s: %v\n%s", fn, err, out)
	}
}
