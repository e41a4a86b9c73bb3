package cli_test

import (
	"errors"
	"testing"

	"github.com/citebot/citebot/rag/store"
)

// TestDatabaseReadURL: --database-read-url and CITEBOT_DATABASE_READ_URL
// reach the store, which refuses a server that is not a standby (the
// replica itself is tested in rag/store, TestReadReplica).
func TestDatabaseReadURL(t *testing.T) {
	tests := []struct {
		name string
		env  string
		args []string
	}{
		{"flag", "", []string{"collections", "--database-read-url", ""}},
		{"env", "CITEBOT_DATABASE_READ_URL", []string{"collections"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := e2eEnv(t)
			args := append([]string{}, tt.args...)
			if tt.env != "" {
				env[tt.env] = dbURL
			} else {
				args[len(args)-1] = dbURL
			}
			r := citebot(t, env, args...)
			if !errors.Is(r.err, store.ErrNotReplica) {
				t.Fatalf("citebot %v with the primary as read URL: %v, want ErrNotReplica", args, r.err)
			}
		})
	}
}
