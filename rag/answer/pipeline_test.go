package answer

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/answer/llm"
	"github.com/citebot/citebot/rag/answer/llm/llmtest"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

const testModel = "scripted-model"

// The LLM client is the pipeline's ChatModel.
var _ ChatModel = (*llm.Client)(nil)

// fakeRetriever returns its passages for every query and records them.
type fakeRetriever struct {
	passages []rag.Passage
	err      error
	queries  []string
}

func (f *fakeRetriever) Retrieve(_ context.Context, _, query string, k int) ([]rag.Passage, error) {
	f.queries = append(f.queries, query)
	return f.passages[:min(k, len(f.passages))], f.err
}

func loadPassages(t *testing.T) []rag.Passage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "passages.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ps []rag.Passage
	if err := json.Unmarshal(b, &ps); err != nil {
		t.Fatal(err)
	}
	return ps
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

func llmPipeline(t *testing.T, srv *llmtest.Server, ps []rag.Passage) *Pipeline {
	t.Helper()
	return llmPipelineTimeout(t, srv, ps, 5*time.Second)
}

func llmPipelineTimeout(t *testing.T, srv *llmtest.Server, ps []rag.Passage, timeout time.Duration) *Pipeline {
	t.Helper()
	c, err := llm.New(llm.Config{BaseURL: srv.URL(), Model: testModel, Timeout: timeout,
		BaseBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(hashTuned(Config{Retriever: &fakeRetriever{passages: ps}, Embedder: hashEmbedder{dim: 512}, LLM: c}))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const question = "Where is the configuration file and which port does Ferrule use by default?"

func TestLLMAnswerCitations(t *testing.T) {
	ps := loadPassages(t)
	tests := []struct {
		name        string
		reply       []string
		wantText    string
		wantSources []int64 // chunk ids in source order
		wantRefused bool
	}{
		{name: "correct citations, renumbered by first use",
			reply:    []string{"The configuration file lives in /etc/ferrule/config.toml and the port ", "defaults to 8080 [2]. Snapshots are kept for fourteen days [3]."},
			wantText: "The configuration file lives in /etc/ferrule/config.toml and the port defaults to 8080 [1]. Snapshots are kept for fourteen days [2].", wantSources: []int64{12, 21}},
		{name: "citation to a source not given is removed",
			reply:    []string{"The port setting defaults to 8080 [2][7]. Snapshots are kept for fourteen days [7]."},
			wantText: "The port setting defaults to 8080 [1]. Snapshots are kept for fourteen days [2].", wantSources: []int64{12, 21}},
		{name: "claim cited to the wrong passage is moved",
			reply:    []string{"The port setting defaults to 8080 [1, 2]. Snapshots are kept for fourteen days before deletion [1]."},
			wantText: "The port setting defaults to 8080 [1]. Snapshots are kept for fourteen days before deletion [2].", wantSources: []int64{12, 21}},
		{name: "unsupported claim is dropped, ranges and trailing citations read",
			reply:    []string{"The port setting defaults to 8080. [1-2] The daemon is written in Rust by volunteers [2]. Traffic between nodes is encrypted with TLS 1.3 [4]."},
			wantText: "The port setting defaults to 8080 [1]. Traffic between nodes is encrypted with TLS 1.3 [2].", wantSources: []int64{12, 22}},
		{name: "connective sentence loses its citation",
			reply:    []string{"Yes [3]. The port setting defaults to 8080 [2]."},
			wantText: "Yes. The port setting defaults to 8080 [1].", wantSources: []int64{12}},
		{name: "answer without citations is refused", reply: []string{"The port defaults to 8080."}, wantRefused: true},
		{name: "model refusal", reply: []string{noAnswerMarker}, wantRefused: true},
		{name: "too little supported is refused",
			reply:       []string{"Ferrule was created in 1999 by a bank [1]. It is written in Rust [2]. The port setting defaults to 8080 [2]."},
			wantRefused: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.New(t, testModel, llmtest.Reply{Chunks: tt.reply})
			p := llmPipeline(t, srv, ps)
			var streamed strings.Builder
			a, err := p.Answer(t.Context(), rag.Request{Collection: "c", Question: question}, func(s string) { streamed.WriteString(s) })
			if err != nil {
				t.Fatal(err)
			}
			if streamed.String() != strings.Join(tt.reply, "") {
				t.Errorf("streamed %q, want the raw reply", streamed.String())
			}
			if a.Refused != tt.wantRefused {
				t.Fatalf("refused = %v, want %v; text %q", a.Refused, tt.wantRefused, a.Text)
			}
			if tt.wantRefused {
				if a.Text != refusalText || len(a.Sources) != 0 || len(a.Nearest) == 0 {
					t.Errorf("refusal = %q, %d sources, %d nearest", a.Text, len(a.Sources), len(a.Nearest))
				}
				return
			}
			var ids []int64
			for i, s := range a.Sources {
				ids = append(ids, s.Passage.ChunkID)
				if s.N != i+1 {
					t.Errorf("source %d numbered %d", i, s.N)
				}
			}
			if diff := cmp.Diff(tt.wantText, a.Text); diff != "" {
				t.Errorf("text (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSources, ids); diff != "" {
				t.Errorf("sources (-want +got):\n%s", diff)
			}
			if a.Mode != ModeLLM || a.Model != testModel {
				t.Errorf("mode %q model %q", a.Mode, a.Model)
			}
		})
	}
}

func TestLLMPromptAndRendering(t *testing.T) {
	ps := loadPassages(t)
	srv := llmtest.New(t, testModel, llmtest.Reply{Chunks: []string{"The port setting defaults to 8080 [2]. Snapshots are kept for fourteen days [3]."}})
	p := llmPipeline(t, srv, ps)
	a, err := p.Answer(t.Context(), rag.Request{Collection: "c", Question: question}, nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || !reqs[0].Stream {
		t.Fatalf("requests = %+v, want one streamed", reqs)
	}
	var prompt strings.Builder
	for _, m := range reqs[0].Messages {
		prompt.WriteString("### " + m.Role + "\n" + m.Content + "\n")
	}
	golden(t, "prompt.golden", prompt.String())
	golden(t, "answer.golden", Markdown(a))
}

func TestLLMErrorsFallBack(t *testing.T) {
	ps := loadPassages(t)
	tests := []struct {
		name    string
		replies []llmtest.Reply
	}{
		{name: "429 then 500s exhaust retries", replies: []llmtest.Reply{{Status: 429}, {Status: 500}, {Status: 500}, {Status: 500}}},
		{name: "only 500s", replies: []llmtest.Reply{{Status: 500}, {Status: 502}, {Status: 503}, {Status: 500}}},
		{name: "malformed stream chunk", replies: []llmtest.Reply{{Raw: []string{"{not json"}}}},
		{name: "stalled stream hits the deadline", replies: []llmtest.Reply{{Chunks: []string{"The port"}, Stall: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.New(t, testModel, tt.replies...)
			p := llmPipelineTimeout(t, srv, ps, 300*time.Millisecond)
			a, err := p.Answer(t.Context(), rag.Request{Collection: "c", Question: question}, nil)
			assertFallback(t, a, err)
		})
	}
}

func TestLLMConnectionRefusedFallsBack(t *testing.T) {
	ps := loadPassages(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now: every attempt is refused
	c, err := llm.New(llm.Config{BaseURL: "http://" + addr + "/v1", Model: testModel, Timeout: 2 * time.Second,
		BaseBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(hashTuned(Config{Retriever: &fakeRetriever{passages: ps}, Embedder: hashEmbedder{dim: 512}, LLM: c}))
	if err != nil {
		t.Fatal(err)
	}
	a, err := p.Answer(t.Context(), rag.Request{Collection: "c", Question: question}, func(string) {})
	assertFallback(t, a, err)
}

// assertFallback checks an answer given extractively, with the note,
// after the chat model failed.
func assertFallback(t *testing.T, a *rag.Answer, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("err = %v, want the extractive answer", err)
	}
	if a.Refused || a.Mode != ModeExtractive || a.Model != "" || len(a.Sources) == 0 {
		t.Fatalf("answer = %+v", a)
	}
	if !strings.HasPrefix(a.Text, fallbackNote) || !strings.Contains(a.Text, "“") || !strings.Contains(a.Text, "[1]") {
		t.Errorf("text = %q, want the note then cited quotations", a.Text)
	}
	if n := strings.Count(strings.TrimSuffix(fallbackNote, "\n\n"), "\n"); n != 0 {
		t.Errorf("the note is %d lines, want one", n+1)
	}
}

func TestLLMCancelledIsAnError(t *testing.T) {
	ps := loadPassages(t)
	srv := llmtest.New(t, testModel, llmtest.Reply{Chunks: []string{"The port"}, Stall: true})
	p := llmPipelineTimeout(t, srv, ps, 5*time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	a, err := p.Answer(ctx, rag.Request{Collection: "c", Question: question}, nil)
	if err == nil || a != nil || !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "llm answer: ") {
		t.Fatalf("got %+v, %v; want the caller's deadline as an error", a, err)
	}
}
