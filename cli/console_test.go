package cli_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/bot/discordtest"
)

func TestConsoleSettings(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"nobody could sign in", map[string]string{}, "CITEBOT_CONSOLE_TOKEN or --discord-client-id"},
		{"client id without secret", map[string]string{"CITEBOT_DISCORD_CLIENT_ID": "42"}, "CITEBOT_DISCORD_CLIENT_SECRET"},
		{"short session secret", map[string]string{"CITEBOT_CONSOLE_TOKEN": "t", "CITEBOT_CONSOLE_SECRET": "short"}, "at least 32"},
		{"bad address", map[string]string{"CITEBOT_CONSOLE_TOKEN": "t", "CITEBOT_CONSOLE_ADDR": "8080"}, "want host:port"},
		{"bad public URL", map[string]string{"CITEBOT_CONSOLE_TOKEN": "t", "CITEBOT_CONSOLE_URL": "ftp://x"}, "--console-url"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := citebot(t, tc.env, "console")
			if r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
				t.Fatalf("console: %v, want an error naming %q", r.err, tc.want)
			}
		})
	}
	t.Run("serve checks the console settings", func(t *testing.T) {
		r := citebot(t, map[string]string{"CITEBOT_CONSOLE_ADDR": "127.0.0.1:1"}, "serve", "--console-addr", "127.0.0.1:1")
		if r.err == nil || !strings.Contains(r.err.Error(), "CITEBOT_CONSOLE_TOKEN") {
			t.Fatalf("serve with a console and no sign-in: %v", r.err)
		}
	})
}

// TestServeWithConsole runs `citebot serve --console-addr` against the
// fake Discord: the bot connects and the console answers beside it.
func TestServeWithConsole(t *testing.T) {
	env := e2eEnv(t)
	srv := discordtest.New(t, discordtest.Options{})
	addr := freeAddr(t)
	env["DISCORD_TOKEN"] = srv.Token()
	env["CITEBOT_DISCORD_API"] = srv.APIBase()
	env["CITEBOT_CONSOLE_TOKEN"] = "serve-console-token-0123456789"
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan result, 1)
	go func() {
		var out, errOut strings.Builder
		err := runCtx(ctx, env, &out, &errOut, "serve", "--console-addr", addr)
		done <- result{out.String(), errOut.String(), err}
	}()
	srv.WaitFor(t, func() bool { return srv.Readies() > 0 }, 60*time.Second)
	waitListening(t, addr)
	for _, tc := range []struct {
		auth string
		want int
	}{{"Bearer serve-console-token-0123456789", http.StatusOK}, {"Bearer wrong", http.StatusUnauthorized}} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+addr+"/", nil)
		req.Header.Set("Authorization", tc.auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.auth, resp.StatusCode, tc.want)
		}
	}
	cancel()
	select {
	case r := <-done:
		if r.err != nil {
			t.Errorf("serve: %v\n%s", r.err, r.stderr)
		}
		if strings.Contains(r.stderr, "serve-console-token") {
			t.Error("logs contain the console token")
		}
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop after cancellation")
	}
}
