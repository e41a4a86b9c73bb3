package answer

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/answer/llm"
	"github.com/citebot/citebot/rag/answer/llm/llmtest"
	"github.com/google/go-cmp/cmp"
)

// fakeChunks lists the fixture passages as one collection.
type fakeChunks struct{ passages []rag.Passage }

func (f fakeChunks) DocumentPassages(_ context.Context, _, source string) ([]rag.Passage, error) {
	var out []rag.Passage
	for _, p := range f.passages {
		if p.Source == source {
			out = append(out, p)
		}
	}
	return out, nil
}

func (f fakeChunks) CollectionPassages(_ context.Context, _ string, limit int) ([]rag.Passage, error) {
	return f.passages[:min(limit, len(f.passages))], nil
}

// mapCache is an in-memory SummaryCache.
type mapCache map[string]string

func (m mapCache) Summary(_ context.Context, key string) (string, bool, error) {
	s, ok := m[key]
	return s, ok, nil
}

func (m mapCache) PutSummary(_ context.Context, key, text string) error {
	m[key] = text
	return nil
}

func TestExtractiveSummary(t *testing.T) {
	ps := loadPassages(t)
	p, err := New(hashTuned(Config{Retriever: &fakeRetriever{passages: ps}, Embedder: hashEmbedder{dim: 512},
		Chunks: fakeChunks{ps}, SummarySentences: 2}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, doc, topic string
		wantSources      int
	}{
		{name: "document", doc: "docs/ops.md"},
		{name: "collection"},
		{name: "topic", topic: "database snapshots"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := p.Summarize(t.Context(), "c", tt.doc, tt.topic)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(a.Text, "\n")
			if a.Refused || len(lines) != 2 || len(a.Sources) == 0 {
				t.Fatalf("summary %q with %d sources", a.Text, len(a.Sources))
			}
			for _, l := range lines {
				if len(parseCites(l)) != 1 {
					t.Errorf("line %q has no single citation", l)
				}
			}
			if tt.doc != "" {
				for _, s := range a.Sources {
					if s.Passage.Source != tt.doc {
						t.Errorf("source %q outside the document", s.Passage.Source)
					}
				}
			}
		})
	}
}

func TestSummaryNeedsChunks(t *testing.T) {
	p, err := New(Config{Retriever: &fakeRetriever{}, Embedder: hashEmbedder{dim: 8}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Summarize(t.Context(), "c", "doc", ""); !errors.Is(err, ErrNoChunks) {
		t.Errorf("err = %v, want ErrNoChunks", err)
	}
}

func TestLLMSummaryMapReduceAndCache(t *testing.T) {
	ps := loadPassages(t)
	srv := llmtest.New(t, testModel,
		llmtest.Reply{Chunks: []string{"Ferrule runs on Linux and macOS [1]. The port setting defaults to 8080 [2]."}},
		llmtest.Reply{Chunks: []string{"Snapshots are kept for fourteen days [3]. Traffic between nodes is encrypted with TLS 1.3 [4]."}},
		llmtest.Reply{Chunks: []string{"Ferrule runs on Linux and macOS [1], its port defaults to 8080 [2]. Snapshots are kept for fourteen days [3]."}},
	)
	c, err := llm.New(llm.Config{BaseURL: srv.URL(), Model: testModel, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cache := mapCache{}
	p, err := New(hashTuned(Config{Retriever: &fakeRetriever{passages: ps}, Embedder: hashEmbedder{dim: 512}, LLM: c,
		Chunks: fakeChunks{ps}, Cache: cache, PromptTokens: 100}))
	if err != nil {
		t.Fatal(err)
	}
	want := "Ferrule runs on Linux and macOS, its port defaults to 8080 [1, 2]. Snapshots are kept for fourteen days [3]."
	for round := range 2 {
		a, err := p.Summarize(t.Context(), "c", "", "")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, a.Text); diff != "" {
			t.Errorf("round %d (-want +got):\n%s", round, diff)
		}
		if len(a.Sources) != 3 || a.Sources[2].Passage.ChunkID != 21 {
			t.Errorf("round %d: sources %+v", round, a.Sources)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 3 || len(cache) != 1 {
		t.Fatalf("%d requests, %d cached; want 3 (two maps, one reduce) and 1", len(reqs), len(cache))
	}
	if !strings.Contains(reqs[1].Messages[1].Content, "<<<SOURCE 3:") || !strings.Contains(reqs[2].Messages[1].Content, "Partial summary 2:") {
		t.Errorf("map and reduce prompts do not carry global numbers and partial summaries")
	}
}
