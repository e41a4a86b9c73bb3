package llm

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/rag/answer/llm/llmtest"
	"github.com/google/go-cmp/cmp"
)

const model = "test-model"

func newClient(t *testing.T, srv *llmtest.Server, timeout time.Duration) *Client {
	t.Helper()
	c, err := New(Config{BaseURL: srv.URL(), Model: model, Timeout: timeout, MaxRetries: 2,
		BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxTokens: 200})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestChat(t *testing.T) {
	msgs := []Message{{Role: "system", Content: "rules"}, {Role: "user", Content: "question"}}
	tests := []struct {
		name     string
		replies  []llmtest.Reply
		timeout  time.Duration
		want     string
		partial  string
		requests int
		wantErr  error
		errText  string
		minWait  time.Duration
	}{
		{name: "streams", replies: []llmtest.Reply{{Chunks: []string{"HTS ", "split [1]."}}},
			want: "HTS split [1].", partial: "HTS |split [1].|", requests: 1},
		{name: "429 then success honours Retry-After",
			replies: []llmtest.Reply{{Status: 429, Header: map[string]string{"Retry-After": "1"}}, {Chunks: []string{"ok"}}},
			want:    "ok", partial: "ok|", requests: 2, minWait: time.Second},
		{name: "503 then success", replies: []llmtest.Reply{{Status: 503}, {Chunks: []string{"ok"}}},
			want: "ok", partial: "ok|", requests: 2},
		{name: "500s exhaust retries", replies: []llmtest.Reply{{Status: 500}, {Status: 500}, {Status: 500}},
			requests: 3, errText: "giving up after 3 attempts"},
		{name: "400 is not retried", replies: []llmtest.Reply{{Status: 400}}, requests: 1, errText: "giving up after 1 attempt:"},
		{name: "malformed chunk", replies: []llmtest.Reply{{Raw: []string{`{"choices":[{"delta":{"content":`}}},
			requests: 1, wantErr: ErrMalformed},
		{name: "dropped after output is not retried", replies: []llmtest.Reply{{Chunks: []string{"half"}, Drop: true}, {Chunks: []string{"never"}}},
			requests: 1, partial: "half|", wantErr: ErrInterrupted},
		{name: "dropped before output is retried", replies: []llmtest.Reply{{Drop: true}, {Chunks: []string{"ok"}}},
			want: "ok", partial: "ok|", requests: 2},
		{name: "stalled stream hits the deadline", replies: []llmtest.Reply{{Chunks: []string{"slow"}, Stall: true}},
			timeout: 300 * time.Millisecond, requests: 1, partial: "slow|", wantErr: context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.New(t, model, tt.replies...)
			if tt.timeout == 0 {
				tt.timeout = 10 * time.Second
			}
			c := newClient(t, srv, tt.timeout)
			var parts strings.Builder
			start := time.Now()
			got, err := c.Chat(t.Context(), msgs, func(s string) { parts.WriteString(s + "|") })
			t.Logf("err: %v", err)
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			case tt.errText != "" && (err == nil || !strings.Contains(err.Error(), tt.errText)):
				t.Fatalf("err = %v, want one containing %q", err, tt.errText)
			case tt.wantErr == nil && tt.errText == "" && err != nil:
				t.Fatalf("err = %v", err)
			}
			if got != tt.want || parts.String() != tt.partial {
				t.Errorf("got %q (partial %q), want %q (partial %q)", got, parts.String(), tt.want, tt.partial)
			}
			reqs := srv.Requests()
			if len(reqs) != tt.requests {
				t.Errorf("%d requests, want %d", len(reqs), tt.requests)
			}
			for _, r := range reqs {
				want := llmtest.Request{Model: model, Stream: true, Messages: []llmtest.Message{{Role: "system", Content: "rules"}, {Role: "user", Content: "question"}}}
				if diff := cmp.Diff(want, r); diff != "" {
					t.Errorf("request (-want +got):\n%s", diff)
				}
			}
			if time.Since(start) < tt.minWait {
				t.Errorf("returned after %v, want at least %v", time.Since(start), tt.minWait)
			}
		})
	}
}

func TestChatWithoutStreaming(t *testing.T) {
	srv := llmtest.New(t, model, llmtest.Reply{Status: http.StatusBadGateway}, llmtest.Reply{Chunks: []string{"standalone query"}})
	c := newClient(t, srv, 5*time.Second)
	got, err := c.Chat(t.Context(), []Message{{Role: "user", Content: "q"}}, nil)
	if err != nil || got != "standalone query" {
		t.Fatalf("got %q, %v", got, err)
	}
	for _, r := range srv.Requests() {
		if r.Stream {
			t.Errorf("request streamed, want not")
		}
	}
}

func TestNewNeedsModel(t *testing.T) {
	if _, err := New(Config{BaseURL: "http://127.0.0.1:1/v1"}); !errors.Is(err, ErrNoModel) {
		t.Fatalf("err = %v, want ErrNoModel", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"3", 3 * time.Second}, {"-1", 0}, {"soon", 0},
		{now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := parseRetryAfter(tt.in, now); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
