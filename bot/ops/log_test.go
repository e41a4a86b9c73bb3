package ops_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/bot/ops"
	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/answer"
	"github.com/citebot/citebot/rag/answer/llm"
	"github.com/citebot/citebot/rag/answer/llm/llmtest"
)

// Secrets and document text that must never reach the logs.
const (
	discordToken = "MTIzNDU2Nzg5MDEy.GhIjKl.bot-token-s3cr3t+/="
	llmKey       = "sk-test-4f8a9c2e7d1b"
	dbPassword   = "pg-pass-9x!y@z"
	documentText = "The vault combination is kept in the blue binder on shelf nine."
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a
// handler used from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// captureLogger logs JSON into buf through the request-id and redaction
// wrappers, as the binary would.
func captureLogger(buf *syncBuffer) *slog.Logger {
	h := slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})
	return slog.New(ops.Redact(ops.RequestIDHandler(h), discordToken, llmKey, dbPassword, "x"))
}

// bagEmbedder is a tiny deterministic embedder: one dimension per hashed
// lower-cased word.
type bagEmbedder struct{}

func (bagEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, 64)
		for _, w := range strings.Fields(strings.ToLower(t)) {
			v[len(w)*7%64]++
		}
		out[i] = v
	}
	return out, nil
}

// TestLogsCarryNoSecretsOrDocuments runs the instrumented pipeline, with
// a real LLM client against a fake server that first rate-limits, and
// logs errors holding secrets the way callers do; the captured JSON must
// hold neither a secret nor the document's text, and every record logged
// with the request's context carries its id.
func TestLogsCarryNoSecretsOrDocuments(t *testing.T) {
	var buf syncBuffer
	log := captureLogger(&buf)
	m := ops.New()
	srv := llmtest.New(t, "scripted", llmtest.Reply{Status: 429},
		llmtest.Reply{Chunks: []string{"The vault combination is kept in the blue binder [1]."}})
	client, err := llm.New(llm.Config{BaseURL: srv.URL(), Model: "scripted", APIKey: llmKey, Logger: log,
		Timeout: 30 * time.Second, BaseBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	passages := []rag.Passage{{ChunkID: 1, DocumentID: 1, Title: "Office", Source: "office.md", Text: documentText}}
	p, err := answer.New(answer.Config{Retriever: ops.InstrumentRetriever(fakeRetriever{passages: passages}, m),
		Embedder: bagEmbedder{}, LLM: ops.InstrumentChat(client, m), Logger: log,
		MinRelevance: 0.01, MinLexicalSupport: 0.01, MinEmbeddingSupport: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	a := ops.InstrumentAnswerer(p, m)
	ctx, id := ops.WithRequestID(t.Context())
	if _, err := a.Answer(ctx, rag.Request{Collection: "c", Question: "Where is the vault combination kept?"}, nil); err != nil {
		t.Fatal(err)
	}
	logLikeCallers(ctx, log)

	out := buf.String()
	for _, leak := range []string{discordToken, llmKey, dbPassword, url.QueryEscape(dbPassword), documentText, "blue binder"} {
		if strings.Contains(out, leak) {
			t.Errorf("logs contain %q:\n%s", leak, out)
		}
	}
	records := decode(t, out)
	if len(records) < 5 {
		t.Fatalf("only %d records captured:\n%s", len(records), out)
	}
	for _, r := range records {
		if r["request_id"] != id {
			t.Errorf("record %q has request_id %v, want %q", r["msg"], r["request_id"], id)
		}
	}
	if !strings.Contains(out, ops.Redacted) {
		t.Errorf("no redaction marker in the logs:\n%s", out)
	}
}

// logLikeCallers logs what the bot and the CLI log on failures: errors
// that embed a connection string or echo a key, attributes fixed with
// With, groups, and a struct.
func logLikeCallers(ctx context.Context, log *slog.Logger) {
	dbURL := "postgres://citebot:" + url.QueryEscape(dbPassword) + "@127.0.0.1:5432/citebot"
	connErr := fmt.Errorf("open store: %w", errors.New("cannot parse "+dbURL))
	log.ErrorContext(ctx, "database unreachable", slog.Any("err", connErr))
	log.With(slog.String("auth", "Bot "+discordToken)).WarnContext(ctx, "discord gateway closed",
		slog.Int("code", 4004))
	log.WarnContext(ctx, "llm rejected key "+llmKey)
	log.WithGroup("llm").InfoContext(ctx, "llm configured",
		slog.Group("auth", slog.String("key", llmKey)), slog.Any("config", struct{ Key, URL string }{llmKey, "http://x"}))
}

// decode splits JSON lines into records.
func decode(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		recs = append(recs, r)
	}
	return recs
}

func TestRedact(t *testing.T) {
	tests := []struct {
		name string
		log  func(*slog.Logger)
		want string // the record's JSON without time and level
	}{
		{"message", func(l *slog.Logger) { l.Info("key " + llmKey + " refused") },
			`{"msg":"key [redacted] refused"}`},
		{"string attr and key", func(l *slog.Logger) { l.Info("m", slog.String(llmKey, "a "+llmKey)) },
			`{"msg":"m","[redacted]":"a [redacted]"}`},
		{"error", func(l *slog.Logger) { l.Info("m", slog.Any("err", errors.New("bad token "+discordToken))) },
			`{"msg":"m","err":"bad token [redacted]"}`},
		{"error without secret keeps its text", func(l *slog.Logger) { l.Info("m", slog.Any("err", errors.New("plain"))) },
			`{"msg":"m","err":"plain"}`},
		{"url-escaped", func(l *slog.Logger) { l.Info("m", slog.String("url", "p="+url.QueryEscape(dbPassword))) },
			`{"msg":"m","url":"p=[redacted]"}`},
		{"nested group", func(l *slog.Logger) { l.Info("m", slog.Group("g", slog.Group("h", slog.String("k", llmKey)))) },
			`{"msg":"m","g":{"h":{"k":"[redacted]"}}}`},
		{"with attrs", func(l *slog.Logger) { l.With(slog.String("k", discordToken)).Info("m") },
			`{"msg":"m","k":"[redacted]"}`},
		{"struct", func(l *slog.Logger) { l.Info("m", slog.Any("cfg", struct{ Key string }{llmKey})) },
			`{"msg":"m","cfg":"{Key:[redacted]}"}`},
		{"struct without secret stays structured", func(l *slog.Logger) { l.Info("m", slog.Any("cfg", struct{ N int }{3})) },
			`{"msg":"m","cfg":{"N":3}}`},
		{"a one-character secret as a word", func(l *slog.Logger) { l.Info("x marks the spot") },
			`{"msg":"[redacted] marks the spot"}`},
		{"a short secret inside a longer word stays", func(l *slog.Logger) { l.Info("max-x_y xylophone k9x") },
			`{"msg":"max-x_y xylophone [redacted]"}`},
		{"a short secret echoed in an error", func(l *slog.Logger) {
			l.Info("m", slog.Any("err", errors.New(`401: Incorrect API key provided: k9x. "Bearer k9x"`)))
		}, `{"msg":"m","err":"401: Incorrect API key provided: [redacted]. \"Bearer [redacted]\""}`},
		{"numbers untouched", func(l *slog.Logger) { l.Info("m", slog.Int("n", 42)) },
			`{"msg":"m","n":42}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			h := slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: dropTimeLevel})
			tt.log(slog.New(ops.Redact(h, discordToken, llmKey, dbPassword, "x", "k9x", "")))
			if got := strings.TrimSpace(buf.String()); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func dropTimeLevel(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
		return slog.Attr{}
	}
	return a
}

func TestRequestID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(ops.RequestIDHandler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: dropTimeLevel})))
	ctx, id := ops.WithRequestID(t.Context())
	again, id2 := ops.WithRequestID(ctx)
	if id == "" || id2 != id || again != ctx {
		t.Errorf("WithRequestID on a context with an id: %q then %q", id, id2)
	}
	_, other := ops.WithRequestID(t.Context())
	if other == id {
		t.Errorf("two requests share the id %q", id)
	}
	log.InfoContext(ctx, "with")
	log.InfoContext(t.Context(), "without")
	log.With(slog.String("a", "b")).InfoContext(ops.ContextWithRequestID(t.Context(), "interaction-1"), "given")
	log.WithGroup("g").With(slog.Int("n", 1)).WithGroup("h").InfoContext(ctx, "grouped", slog.Int("m", 2))
	log.WithGroup("g").InfoContext(t.Context(), "grouped without id", slog.Int("m", 2))
	want := fmt.Sprintf(`{"msg":"with","request_id":%[1]q}`+"\n"+`{"msg":"without"}`+"\n"+
		`{"msg":"given","a":"b","request_id":"interaction-1"}`+"\n"+
		`{"msg":"grouped","request_id":%[1]q,"g":{"n":1,"h":{"m":2}}}`+"\n"+
		`{"msg":"grouped without id","g":{"m":2}}`+"\n", id)
	if buf.String() != want {
		t.Errorf("got\n%swant\n%s", buf.String(), want)
	}
}
