package ops_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/bot/ops"
)

type pinger struct{ err error }

func (p pinger) Ping(context.Context) error { return p.err }

func TestReadiness(t *testing.T) {
	connected := func() bool { return true }
	disconnected := func() bool { return false }
	tests := []struct {
		name     string
		checks   []ops.Check
		wantCode int
		wantBody string
	}{
		{"no checks", nil, http.StatusOK, "ready\n"},
		{"all pass", []ops.Check{ops.DatabaseCheck(pinger{}), ops.FlagCheck("gateway", connected)},
			http.StatusOK, "ready\n"},
		{"database down", []ops.Check{ops.DatabaseCheck(pinger{errors.New("connection refused")}),
			ops.FlagCheck("gateway", connected)}, http.StatusServiceUnavailable, "not ready: database\n"},
		{"both down", []ops.Check{ops.DatabaseCheck(pinger{errors.New("connection refused")}),
			ops.FlagCheck("gateway", disconnected)}, http.StatusServiceUnavailable, "not ready: database, gateway\n"},
		{"check past its deadline", []ops.Check{{Name: "slow", Fn: func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		}}}, http.StatusServiceUnavailable, "not ready: slow\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(ops.Handler(ops.New(), ops.HandlerOptions{Checks: tt.checks}))
			t.Cleanup(srv.Close)
			code, body := get(t, srv, "/readyz")
			if code != tt.wantCode || body != tt.wantBody {
				t.Errorf("/readyz = %d %q, want %d %q", code, body, tt.wantCode, tt.wantBody)
			}
			if code, body := get(t, srv, "/healthz"); code != http.StatusOK || body != "ok\n" {
				t.Errorf("/healthz = %d %q, want 200 while the process runs", code, body)
			}
		})
	}
}

func TestReadinessHidesErrors(t *testing.T) {
	secret := errors.New("password authentication failed for user citebot")
	srv := httptest.NewServer(ops.Handler(ops.New(), ops.HandlerOptions{Checks: []ops.Check{ops.DatabaseCheck(pinger{secret})}}))
	t.Cleanup(srv.Close)
	_, body := get(t, srv, "/readyz")
	if strings.Contains(body, "password") {
		t.Errorf("/readyz shows the check's error: %q", body)
	}
}

func TestServeShutsDownWithContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- ops.ServeListener(ctx, ln, ops.New(), ops.HandlerOptions{}) }()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+ln.Addr().String()+"/healthz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz status %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancel: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
}

func TestServeBadAddress(t *testing.T) {
	err := ops.Serve(t.Context(), "127.0.0.1:notaport", ops.New(), ops.HandlerOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), "metrics: listen on 127.0.0.1:notaport: ") {
		t.Errorf("Serve on a bad address: %v", err)
	}
}
