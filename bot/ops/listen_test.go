package ops_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/bot/ops"
)

// attackConns is how many connections each attack opens: the 200 of
// issue 19's dripping attack, against a cap of publicConns.
const (
	attackConns = 200
	publicConns = 50
)

// attacks are what a client without credentials can do to a listener:
// drip a request's headers or body a byte at a time, or connect and say
// nothing.
var attacks = []struct {
	name  string
	start string // sent at once
	drip  bool   // then one byte every 100 ms
}{
	{"dripping headers", "POST / HTTP/1.1\r\nHost: x\r\n", true},
	{"dripping body", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n", true},
	{"idle connections", "", false},
}

// TestHealthUnderAttack floods a public listener, hardened as
// serveHTTP's, with a bounded loopback load and checks that /healthz and
// /readyz on the health listener still answer, that the attackers'
// connections are closed by the server's own timeouts, and that the
// public listener serves again afterwards.
func TestHealthUnderAttack(t *testing.T) {
	lim := ops.Limits{MaxConns: publicConns, ReadHeaderTimeout: 300 * time.Millisecond,
		ReadTimeout: 600 * time.Millisecond, IdleTimeout: 300 * time.Millisecond}
	public := serve(t, lim, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		io.WriteString(w, "served")
	}))
	health := healthServer(t)
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			closed := attack(ctx, t, public, a.start, a.drip)
			for _, path := range []string{"/healthz", "/readyz"} {
				if code, err := getURL(ctx, "http://"+health+path); err != nil || code != http.StatusOK {
					t.Errorf("%s during the attack = %d, %v; want 200", path, code, err)
				}
			}
			if n := closed.wait(); n != attackConns {
				t.Errorf("server closed %d of %d attacking connections, want all", n, attackConns)
			}
			if code, err := getURL(ctx, "http://"+public+"/"); err != nil || code != http.StatusOK {
				t.Errorf("public listener after the attack = %d, %v; want 200", code, err)
			}
		})
	}
}

// serve serves h on 127.0.0.1 with lim, as ops.NewServer makes it.
func serve(t *testing.T, lim ops.Limits, h http.Handler) string {
	t.Helper()
	srv, ln, err := ops.NewServer(t.Context(), "127.0.0.1:0", h, lim)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- ops.Run(ctx, srv, ln, time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return ln.Addr().String()
}

// healthServer runs the metrics and health listener with a readiness
// check that passes.
func healthServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- ops.ServeListener(ctx, ln, ops.New(), ops.HandlerOptions{Checks: []ops.Check{ops.DatabaseCheck(pinger{})}})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve health: %v", err)
		}
	})
	return ln.Addr().String()
}

// closedCount counts attacking connections the server closed.
type closedCount struct {
	wg sync.WaitGroup
	mu sync.Mutex
	n  int
}

func (c *closedCount) wait() int {
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// attack opens attackConns connections to addr, each sending start and
// then, if drip, a byte every 100 ms until the server closes it or ctx
// ends. It returns once all are open.
func attack(ctx context.Context, t *testing.T, addr, start string, drip bool) *closedCount {
	t.Helper()
	c := &closedCount{}
	var d net.Dialer
	for range attackConns {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		context.AfterFunc(ctx, func() { conn.Close() })
		c.wg.Go(func() {
			defer conn.Close()
			if serverClosed(conn, start, drip) {
				c.mu.Lock()
				c.n++
				c.mu.Unlock()
			}
		})
	}
	return c
}

// serverClosed plays one attacking connection and reports whether the
// server ended it (rather than the test's deadline).
func serverClosed(conn net.Conn, start string, drip bool) bool {
	if _, err := io.WriteString(conn, start); err != nil {
		return !errors.Is(err, net.ErrClosed)
	}
	if !drip {
		_, err := io.Copy(io.Discard, conn) // returns when the server closes
		return err == nil || !errors.Is(err, net.ErrClosed)
	}
	go func() { _, _ = io.Copy(io.Discard, conn) }() // an error response, if any
	for {
		time.Sleep(100 * time.Millisecond)
		if _, err := io.WriteString(conn, strings.Repeat("x", 1)); err != nil {
			return !errors.Is(err, net.ErrClosed)
		}
	}
}

func getURL(ctx context.Context, url string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
