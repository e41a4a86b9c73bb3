package ops_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/bot/ops"
	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/answer"
	"github.com/google/go-cmp/cmp"
)

// TestMetricsScrape drives every metric through the methods and the
// decorators and reads the series back from /metrics.
func TestMetricsScrape(t *testing.T) {
	m := ops.New()
	ctx := t.Context()
	req := rag.Request{Collection: "c", Question: "q"}
	answerers := []ops.Answerer{
		ops.InstrumentAnswerer(fakeAnswerer{ans: &rag.Answer{Text: "yes [1]"}}, m),
		ops.InstrumentAnswerer(fakeAnswerer{ans: &rag.Answer{Refused: true}}, m),
		ops.InstrumentAnswerer(fakeAnswerer{err: fmt.Errorf("llm answer: %w", context.DeadlineExceeded)}, m),
		ops.InstrumentAnswerer(fakeAnswerer{err: answer.ErrEmptyQuestion}, m),
		ops.InstrumentAnswerer(fakeAnswerer{err: errors.New("verify citations: embed: boom")}, m),
	}
	for _, a := range answerers {
		a.Answer(ctx, req, nil)
	}
	ops.InstrumentRetriever(fakeRetriever{passages: []rag.Passage{{ChunkID: 1}}}, m).Retrieve(ctx, "c", "q", 3)
	ops.InstrumentRetriever(fakeRetriever{err: errors.New("search chunks: conn closed")}, m).Retrieve(ctx, "c", "q", 3)
	chat := ops.InstrumentChat(fakeChat{err: errors.New("status 500")}, m)
	chat.Chat(ctx, nil, nil)
	if chat.Model() != "fake" {
		t.Errorf("Model() = %q through the decorator", chat.Model())
	}
	m.Timer(ops.StageRender)()
	m.ObserveStage("Bad Stage!", time.Millisecond)
	m.RateLimited("user")
	m.RateLimited("user")
	m.RateLimited("guild")
	m.QueueDepth(7)
	m.Ingested(ops.IngestCounts{Added: 3, Unchanged: 2, Failed: 1, Chunks: 11})
	var nilMetrics *ops.Metrics
	nilMetrics.Question() // a nil *Metrics ignores calls

	srv := httptest.NewServer(ops.Handler(m, ops.HandlerOptions{}))
	t.Cleanup(srv.Close)
	code, body := get(t, srv, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: status %d", code)
	}
	got := series(t, body)
	want := map[string]string{
		`citebot_questions_total`:                                      "5",
		`citebot_answers_total`:                                        "2",
		`citebot_refusals_total`:                                       "1",
		`citebot_errors_total{kind="timeout"}`:                         "1",
		`citebot_errors_total{kind="invalid_question"}`:                "1",
		`citebot_errors_total{kind="answer"}`:                          "1",
		`citebot_errors_total{kind="retrieve"}`:                        "1",
		`citebot_errors_total{kind="llm"}`:                             "1",
		`citebot_stage_duration_seconds_count{stage="total"}`:          "5",
		`citebot_stage_duration_seconds_count{stage="retrieve"}`:       "2",
		`citebot_stage_duration_seconds_count{stage="llm"}`:            "1",
		`citebot_stage_duration_seconds_count{stage="render"}`:         "1",
		`citebot_stage_duration_seconds_count{stage="other"}`:          "1",
		`citebot_rate_limited_total{scope="user"}`:                     "2",
		`citebot_rate_limited_total{scope="guild"}`:                    "1",
		`citebot_queue_depth`:                                          "7",
		`citebot_ingest_documents_total{outcome="added"}`:              "3",
		`citebot_ingest_documents_total{outcome="unchanged"}`:          "2",
		`citebot_ingest_documents_total{outcome="failed"}`:             "1",
		`citebot_ingest_documents_total{outcome="updated"}`:            "0",
		`citebot_ingest_documents_total{outcome="removed"}`:            "0",
		`citebot_ingest_chunks_total`:                                  "11",
		`citebot_stage_duration_seconds_bucket{stage="llm",le="+Inf"}`: "1",
	}
	picked := map[string]string{}
	for k := range want {
		picked[k] = got[k]
	}
	if diff := cmp.Diff(want, picked); diff != "" {
		t.Errorf("series (-want +got):\n%s", diff)
	}
	for _, name := range []string{"go_goroutines", "process_start_time_seconds"} {
		if _, ok := got[name]; !ok {
			t.Errorf("runtime series %s missing", name)
		}
	}
	if strings.Contains(body, "Bad Stage") {
		t.Error("a label value outside the vocabulary reached the registry")
	}
}

func TestLabel(t *testing.T) {
	tests := []struct{ in, want string }{
		{"retrieve", "retrieve"},
		{"rate_limit_2", "rate_limit_2"},
		{"", "other"},
		{"Upper", "other"},
		{"with space", "other"},
		{strings.Repeat("a", 33), "other"},
		{"user-123", "other"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := ops.Label(tt.in); got != tt.want {
				t.Errorf("Label(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestMetricsArePerInstance checks that two Metrics share no state: each
// has its own registry, not the global default one.
func TestMetricsArePerInstance(t *testing.T) {
	a, b := ops.New(), ops.New()
	a.Question()
	srv := httptest.NewServer(ops.Handler(b, ops.HandlerOptions{}))
	t.Cleanup(srv.Close)
	_, body := get(t, srv, "/metrics")
	if got := series(t, body)["citebot_questions_total"]; got != "0" {
		t.Errorf("second registry counts %s questions, want 0", got)
	}
}

// TestDecoratorsWithoutMetrics checks that the decorators pass calls
// through when metrics are off (a nil *Metrics).
func TestDecoratorsWithoutMetrics(t *testing.T) {
	ctx := t.Context()
	want := &rag.Answer{Text: "yes [1]"}
	got, err := ops.InstrumentAnswerer(fakeAnswerer{ans: want}, nil).Answer(ctx, rag.Request{}, nil)
	if err != nil || got != want {
		t.Errorf("Answer = %v, %v; want the wrapped answer", got, err)
	}
	ps, err := ops.InstrumentRetriever(fakeRetriever{passages: []rag.Passage{{ChunkID: 9}}}, nil).Retrieve(ctx, "c", "q", 1)
	if err != nil || len(ps) != 1 || ps[0].ChunkID != 9 {
		t.Errorf("Retrieve = %v, %v", ps, err)
	}
	wantErr := errors.New("status 500")
	if _, err := ops.InstrumentChat(fakeChat{err: wantErr}, nil).Chat(ctx, nil, nil); !errors.Is(err, wantErr) {
		t.Errorf("Chat error = %v, want the wrapped one", err)
	}
	var m *ops.Metrics
	m.Timer(ops.StageRender)()
	m.Ingested(ops.IngestCounts{Added: 1})
	m.QueueDepth(1)
	m.RateLimited("user")
	m.Answer(true)
	m.Error("llm")
}
