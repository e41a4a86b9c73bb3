package llm

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestChatErrorsHoldNoKey answers every request with a 401 (or a 500,
// which is retried) whose body echoes the API key, as some servers do,
// and checks that Chat's error never holds it, streamed or not, for a
// long key and for one of two characters.
func TestChatErrorsHoldNoKey(t *testing.T) {
	tests := []struct {
		name   string
		key    string
		status int
		stream bool
	}{
		{"401 echoing a long key", "sk-test-0123456789abcdef", http.StatusUnauthorized, false},
		{"401 echoing a long key, streamed", "sk-test-0123456789abcdef", http.StatusUnauthorized, true},
		{"401 echoing a two-character key", "k9", http.StatusUnauthorized, false},
		{"500 echoing the key, retried", "sk-retry-key", http.StatusInternalServerError, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s (header %q)","type":"invalid_request_error"}}`,
					tt.key, r.Header.Get("Authorization"))
			}))
			t.Cleanup(srv.Close)
			c, err := New(Config{BaseURL: srv.URL, APIKey: tt.key, Model: model, Timeout: 5 * time.Second,
				MaxRetries: 1, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			var partial func(string)
			if tt.stream {
				partial = func(string) {}
			}
			_, err = c.Chat(t.Context(), []Message{{Role: "user", Content: "q"}}, partial)
			if err == nil {
				t.Fatal("Chat succeeded against a server that refuses")
			}
			if msg := err.Error(); strings.Contains(msg, tt.key) || !strings.Contains(msg, "[redacted]") {
				t.Errorf("error = %q: want the key replaced by [redacted]", msg)
			}
		})
	}
}
