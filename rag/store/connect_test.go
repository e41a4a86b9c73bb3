package store_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/citebot/citebot/rag/store"
)

// TestConnectErrors: each way of failing to connect gets one sentence that
// names the address and says what to do, and only an unreachable server
// advises starting the project's database.
func TestConnectErrors(t *testing.T) {
	if dbURL == "" {
		t.Skip("no database")
	}
	with := func(f func(u *url.URL)) string {
		u, err := url.Parse(dbURL)
		if err != nil {
			t.Fatal(err)
		}
		f(u)
		return u.String()
	}
	tests := []struct {
		name      string
		url       string
		want, not []string
	}{
		{"wrong password", with(func(u *url.URL) { u.User = url.UserPassword(u.User.Username(), "wrong-pw-123") }),
			[]string{"refused user", "password"}, []string{"make db", "wrong-pw-123"}},
		{"missing database", with(func(u *url.URL) { u.Path = "/citebot_no_such_db" }),
			[]string{`no database "citebot_no_such_db"`}, []string{"make db"}},
		{"nothing listening", "postgres://u:secret@127.0.0.1:1/none?sslmode=disable&connect_timeout=2",
			[]string{"127.0.0.1:1", "make db", "DATABASE_URL"}, []string{"secret"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := store.Open(t.Context(), tc.url)
			var ce *store.ConnectError
			if !errors.As(err, &ce) {
				t.Fatalf("Open: %v, want a ConnectError", err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q is more than one line", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(msg, n) {
					t.Errorf("error %q has %q", msg, n)
				}
			}
		})
	}
}

func TestLocateURL(t *testing.T) {
	dir := t.TempDir()
	_, err := store.LocateURL(func(string) string { return "" }, dir, "")
	if !errors.Is(err, store.ErrNoDatabase) || !strings.Contains(err.Error(), dir+"/.data/database_url") ||
		!strings.Contains(err.Error(), "make db") {
		t.Errorf("LocateURL with nothing to find: %v", err)
	}
}
