package answer

import (
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/answer/llm"
	"github.com/citebot/citebot/rag/answer/llm/llmtest"
	"github.com/google/go-cmp/cmp"
)

func TestExtractiveAnswer(t *testing.T) {
	ps := loadPassages(t)
	tests := []struct {
		name        string
		question    string
		passages    []rag.Passage
		wantRefused bool
		wantIn      string
	}{
		{name: "answers with a quoted sentence", question: "How long are snapshots kept?", passages: ps,
			wantIn: "“Snapshots are kept for fourteen days before they are deleted.” [1]"},
		{name: "refuses an unrelated question", question: "Who painted the Mona Lisa?", passages: ps, wantRefused: true},
		{name: "refuses when nothing is retrieved", question: "How long are snapshots kept?", wantRefused: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(hashTuned(Config{Retriever: &fakeRetriever{passages: tt.passages}, Embedder: hashEmbedder{dim: 512}}))
			if err != nil {
				t.Fatal(err)
			}
			a, err := p.Answer(t.Context(), rag.Request{Collection: "c", Question: tt.question}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if a.Refused != tt.wantRefused || !strings.Contains(a.Text, tt.wantIn) || a.Mode != ModeExtractive {
				t.Fatalf("refused=%v mode=%q text %q; want refused=%v containing %q", a.Refused, a.Mode, a.Text, tt.wantRefused, tt.wantIn)
			}
			if !a.Refused && (len(a.Sources) == 0 || a.Sources[0].Passage.ChunkID != 21) {
				t.Errorf("sources %+v", a.Sources)
			}
		})
	}
}

func TestRefusalRendering(t *testing.T) {
	ps := loadPassages(t)
	p, err := New(hashTuned(Config{Retriever: &fakeRetriever{passages: ps}, Embedder: hashEmbedder{dim: 512}, Nearest: 2}))
	if err != nil {
		t.Fatal(err)
	}
	a, err := p.Answer(t.Context(), rag.Request{Collection: "c", Question: "Who painted the Mona Lisa?"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Nearest) != 2 || len(a.Retrieved) != 4 {
		t.Fatalf("nearest %d retrieved %d", len(a.Nearest), len(a.Retrieved))
	}
	golden(t, "refusal.golden", Markdown(a))
}

func TestFollowUpRewrittenByLLM(t *testing.T) {
	ps := loadPassages(t)
	srv := llmtest.New(t, testModel,
		llmtest.Reply{Chunks: []string{"\"When are Ferrule database snapshots taken?\""}},
		llmtest.Reply{Chunks: []string{"Ferrule takes a snapshot of the database every night at two o'clock [3]."}})
	p := llmPipeline(t, srv, ps)
	ret := p.cfg.Retriever.(*fakeRetriever)
	req := rag.Request{Collection: "c", Question: "And when are they taken?",
		History: []rag.Turn{{Question: "How long are snapshots kept?", Answer: "Fourteen days [1]."}}}
	a, err := p.Answer(t.Context(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Query != "When are Ferrule database snapshots taken?" || cmp.Diff([]string{a.Query}, ret.queries) != "" {
		t.Errorf("query %q, retrieved with %q", a.Query, ret.queries)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].Stream || !reqs[1].Stream {
		t.Fatalf("requests: %+v", reqs)
	}
	if !strings.Contains(reqs[0].Messages[1].Content, "How long are snapshots kept?") {
		t.Errorf("rewrite prompt lacks the history: %q", reqs[0].Messages[1].Content)
	}
	if a.Refused || a.Text != "Ferrule takes a snapshot of the database every night at two o'clock [1]." {
		t.Errorf("answer %q", a.Text)
	}
}

func TestFollowUpRewriteFailureFallsBack(t *testing.T) {
	ps := loadPassages(t)
	srv := llmtest.New(t, testModel, llmtest.Reply{Status: 400},
		llmtest.Reply{Chunks: []string{"Snapshots are kept for fourteen days [3]."}})
	p := llmPipeline(t, srv, ps)
	req := rag.Request{Collection: "c", Question: "And how long are they kept?",
		History: []rag.Turn{{Question: "How long are snapshots kept?", Answer: "Fourteen days [1]."}}}
	a, err := p.Answer(t.Context(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Query != "And how long are they kept? (snapshots)" || a.Refused || a.Text != "Snapshots are kept for fourteen days [1]." {
		t.Errorf("query %q, refused %v, text %q", a.Query, a.Refused, a.Text)
	}
}

func TestPromptBudget(t *testing.T) {
	ps := loadPassages(t)
	p, err := New(hashTuned(Config{Retriever: &fakeRetriever{}, Embedder: hashEmbedder{dim: 8}, PromptTokens: 120}))
	if err != nil {
		t.Fatal(err)
	}
	given, msgs := p.buildPrompt("q?", "q?", ps)
	if len(given) == 0 || len(given) >= len(ps) {
		t.Fatalf("%d of %d sources given under a 120-token budget", len(given), len(ps))
	}
	if n := approxTokens(msgs[1].Content); n > 120+60 {
		t.Errorf("user message is about %d tokens", n)
	}
	// A citation to a source left out of the prompt is out of range.
	v, err := p.verify(t.Context(), "Traffic between nodes is encrypted with TLS 1.3 [4].", given)
	if err != nil || !v.refusal {
		t.Errorf("verdict %+v, %v; want a refusal", v, err)
	}
}

func TestGeneralKnowledge(t *testing.T) {
	ps := loadPassages(t)
	tests := []struct {
		name  string
		allow bool
	}{{"refused by default", false}, {"answered when allowed", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.New(t, testModel, llmtest.Reply{Chunks: []string{"Leonardo da Vinci."}})
			c, err := llm.New(llm.Config{BaseURL: srv.URL(), Model: testModel, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			p, err := New(hashTuned(Config{Retriever: &fakeRetriever{passages: ps}, Embedder: hashEmbedder{dim: 512}, LLM: c,
				AllowGeneralKnowledge: tt.allow}))
			if err != nil {
				t.Fatal(err)
			}
			a, err := p.Answer(t.Context(), rag.Request{Collection: "c", Question: "Who painted the Mona Lisa?"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.allow {
				if a.Refused || !strings.HasPrefix(a.Text, generalNote) || len(a.Sources) != 0 {
					t.Errorf("answer %+v", a)
				}
				return
			}
			if !a.Refused || len(srv.Requests()) != 0 {
				t.Errorf("refused=%v after %d LLM requests", a.Refused, len(srv.Requests()))
			}
		})
	}
}
