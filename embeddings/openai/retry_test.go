package openai

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
		want    []any // Name, MaxTokens, batch size, retries, timeout
	}{
		{name: "defaults", cfg: Config{Model: "text-embedding-3-small"},
			want: []any{"openai/text-embedding-3-small", 8191, 64, 5, 2 * time.Minute}},
		{name: "dim in name", cfg: Config{Model: "m", Dim: 256, MaxTokens: 512, BatchSize: 8, MaxRetries: -1, Timeout: -1},
			want: []any{"openai/m@256", 512, 8, 0, time.Duration(-1)}},
		{name: "ollama without key", cfg: Config{Model: "nomic-embed-text", BaseURL: "http://localhost:11434/v1"},
			want: []any{"openai/nomic-embed-text", 8191, 64, 5, 2 * time.Minute}},
		{name: "model required", cfg: Config{BaseURL: "http://x/v1", Model: "  "}, wantErr: "model is required"},
		{name: "negative dim", cfg: Config{Model: "m", Dim: -1}, wantErr: "dim -1 is negative"},
		{name: "unparsable URL", cfg: Config{Model: "m", BaseURL: "http://[::1"}, wantErr: "base URL does not parse"},
		{name: "relative URL", cfg: Config{Model: "m", BaseURL: "localhost:8080/v1"}, wantErr: "is not http or https"},
		{name: "no host", cfg: Config{Model: "m", BaseURL: "http:///v1"}, wantErr: "has no host"},
		{name: "query", cfg: Config{Model: "m", BaseURL: "https://h/v1?x=1"}, wantErr: "no query"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := New(tc.cfg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("New error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			got := []any{e.Name(), e.MaxTokens(), e.batchSize, e.maxRetries, e.timeout}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("configuration (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCountTokens(t *testing.T) {
	e, err := New(Config{Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want int
	}{
		{"", 0},
		{"a", 1},
		{"hello world", 4}, // 11 ASCII bytes / 3, rounded up
		{"a b c d e f", 6}, // words outnumber bytes / 3
		{"日本語", 5},         // 9 bytes at 1 token per 2 bytes, rounded up
		{"naïve café", 5},  // 8 ASCII bytes + 4 others: 8/3 + 4/2
		{strings.Repeat("x", 3000), 1000},
	}
	for _, tc := range tests {
		t.Run(tc.text[:min(len(tc.text), 12)], func(t *testing.T) {
			if got := e.CountTokens(tc.text); got != tc.want {
				t.Errorf("CountTokens(%q) = %d, want %d", tc.text, got, tc.want)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name     string
		info     attemptInfo
		want     time.Duration
		wantSeen bool
	}{
		{name: "absent"},
		{name: "seconds", info: attemptInfo{retryAfter: "7"}, want: 7 * time.Second, wantSeen: true},
		{name: "zero", info: attemptInfo{retryAfter: "0"}, want: 0, wantSeen: true},
		{name: "negative", info: attemptInfo{retryAfter: "-3"}, want: 0, wantSeen: true},
		{name: "milliseconds win", info: attemptInfo{retryAfter: "7", retryAfterMS: "250"},
			want: 250 * time.Millisecond, wantSeen: true},
		{name: "http date", info: attemptInfo{retryAfter: now.Add(90 * time.Second).Format(http.TimeFormat)},
			want: 90 * time.Second, wantSeen: true},
		{name: "date in the past", info: attemptInfo{retryAfter: now.Add(-time.Hour).Format(http.TimeFormat)},
			want: 0, wantSeen: true},
		{name: "huge", info: attemptInfo{retryAfter: "99999999999999"}, want: maxRetryAfter + time.Second, wantSeen: true},
		{name: "garbage", info: attemptInfo{retryAfter: "soon"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, seen := parseRetryAfter(&tc.info, now)
			if got != tc.want || seen != tc.wantSeen {
				t.Errorf("parseRetryAfter = %s, %v; want %s, %v", got, seen, tc.want, tc.wantSeen)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	e, err := New(Config{Model: "m", RetryBase: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		attempt int
		lo, hi  time.Duration
	}{
		{0, 50 * time.Millisecond, 100 * time.Millisecond},
		{3, 400 * time.Millisecond, 800 * time.Millisecond},
		{12, maxBackoff / 2, maxBackoff},
		{80, maxBackoff / 2, maxBackoff},
	}
	for _, tc := range tests {
		t.Run(time.Duration(tc.attempt).String(), func(t *testing.T) {
			for range 200 {
				if d := e.backoff(tc.attempt); d < tc.lo || d > tc.hi {
					t.Fatalf("backoff(%d) = %s, want within [%s, %s]", tc.attempt, d, tc.lo, tc.hi)
				}
			}
		})
	}
}

func TestScrub(t *testing.T) {
	e, err := New(Config{Model: "m", APIKey: "sk-secret"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want string }{
		{"Incorrect API key provided: sk-secret.", "Incorrect API key provided: [redacted]."},
		{"line one\n\n  line two", "line one line two"},
		{strings.Repeat("é", 400), strings.Repeat("é", maxMessage/2) + "…"},
	}
	for _, tc := range tests {
		t.Run(tc.want[:min(len(tc.want), 10)], func(t *testing.T) {
			if got := e.scrub(tc.in); got != tc.want {
				t.Errorf("scrub(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestEmbedCancelDuringBackoff(t *testing.T) {
	reached := make(chan struct{}, 10)
	srv := newFakeServer(t, "/v1", "", 0, func(_ *testing.T, _ int, _ wireRequest, w http.ResponseWriter) {
		writeError(w, http.StatusInternalServerError, nil, "server_error", "down")
		reached <- struct{}{}
	})
	e, err := New(Config{BaseURL: srv.URL + "/v1", Model: "test-model", RetryBase: time.Hour,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-reached
		time.Sleep(20 * time.Millisecond) // let Embed enter the backoff
		cancel()
	}()
	start := time.Now()
	_, err = e.Embed(ctx, []string{"a"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Embed error = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Embed took %s to notice the cancellation", d)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}
