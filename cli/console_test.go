package cli_test

import (
	"strings"
	"testing"
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
