package retrieve

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
)

// fakeStore serves fixed fused passages and matches terms by lower-case
// word equality, with the idf given per term.
type fakeStore struct {
	passages []rag.Passage
	idf      map[string]float64
	asked    []store.SearchParams
	texts    [][]string
	err      error
}

func (f *fakeStore) Search(_ context.Context, p store.SearchParams) ([]rag.Passage, error) {
	f.asked = append(f.asked, p)
	return slices.Clone(f.passages[:min(p.K, len(f.passages))]), nil
}

func (f *fakeStore) MatchTerms(_ context.Context, _, query string, texts []string) ([]store.QueryTerm, error) {
	f.texts = append(f.texts, texts)
	if f.err != nil {
		return nil, f.err
	}
	var out []store.QueryTerm
	for _, term := range strings.Fields(strings.ToLower(strings.Trim(query, "?"))) {
		idf, ok := f.idf[term]
		if !ok {
			continue
		}
		q := store.QueryTerm{Term: term, IDF: idf}
		for i, t := range texts {
			if slices.Contains(strings.Fields(strings.ToLower(strings.Trim(t, "."))), term) {
				q.In = append(q.In, i)
			}
		}
		out = append(out, q)
	}
	return out, nil
}

// wordEmbedder embeds a text as counts of a few words, so that cosines
// are predictable.
type wordEmbedder struct{ calls int }

func (e *wordEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	e.calls++
	vocab := []string{"river", "bridge", "station", "tower"}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, len(vocab)+1)
		v[len(vocab)] = 0.1
		for j, w := range vocab {
			v[j] = float32(strings.Count(strings.ToLower(t), w))
		}
		out[i] = v
	}
	return out, nil
}

func passages(texts ...string) []rag.Passage {
	out := make([]rag.Passage, len(texts))
	for i, t := range texts {
		out[i] = rag.Passage{ChunkID: int64(i + 1), Text: t, Score: 1 - float64(i)/10}
	}
	return out
}

func TestRerankOrder(t *testing.T) {
	// The first chunk has both query terms, in different sentences; the
	// second has them in one sentence.
	ps := passages("The bridge is old. Many years later the river flooded.",
		"Nothing here. The river bridge was rebuilt.",
		"Unrelated text about a station.")
	idf := map[string]float64{"river": 2, "bridge": 1}
	tests := []struct {
		name string
		w    Weights
		want []int64
	}{
		{"chunk score alone keeps the fused order", Weights{Chunk: 1}, []int64{1, 2, 3}},
		{"best sentence lifts the chunk holding both terms in one", Weights{Chunk: 1, Sentence: 1}, []int64{2, 1, 3}},
		{"sentence pairs see both terms in the first chunk too", Weights{Chunk: 1, Pair: 1}, []int64{1, 2, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := &fakeStore{passages: ps, idf: idf}
			cfg := DefaultConfig()
			cfg.RerankDepth, cfg.Rerank = 3, tc.w
			got, err := New(fs, &wordEmbedder{}, store.Model{Dim: 5}, cfg).Retrieve(t.Context(), "c", "river bridge?", 3)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
		})
	}
}

func ids(ps []rag.Passage) []int64 {
	var out []int64
	for _, p := range ps {
		out = append(out, p.ChunkID)
	}
	return out
}

func TestFeatures(t *testing.T) {
	ps := passages("The bridge is old. The river flooded.", "A station tower. Next to the river bridge.", "No match at all.")
	ps[0].DocumentID, ps[1].DocumentID, ps[2].DocumentID = 1, 1, 2
	fs := &fakeStore{passages: ps, idf: map[string]float64{"river": 3, "bridge": 1}}
	c, err := sentenceStage{fs, &wordEmbedder{}}.gather(t.Context(), "c", "river bridge", ps, true)
	if err != nil {
		t.Fatal(err)
	}
	got := c.features("river bridge")
	want := []features{
		{chunk: 1, sentence: 0.75, pair: 1, typed: 0.75, doc: 1.9 / 2.7, cosine: cosineScaled(t, ps, 0)},
		{chunk: 0.9, sentence: 1, pair: 1, typed: 1, doc: 1.9 / 2.7, cosine: 1},
		{chunk: 0.8, sentence: 0, pair: 0, typed: 0, doc: 0.8 / 2.7, cosine: 0},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(features{}), cmp.Comparer(approx)); diff != "" {
		t.Errorf("features (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"The bridge is old.", "The river flooded.", "A station tower.", "Next to the river bridge.", "No match at all."}, fs.texts[0]); diff != "" {
		t.Errorf("sentences matched (-want +got):\n%s", diff)
	}
}

// cosineScaled is the expected min-max scaled cosine of ps[i]'s best
// sentence, given that ps[1] holds the best and ps[2] the worst.
func cosineScaled(t *testing.T, ps []rag.Passage, i int) float64 {
	t.Helper()
	vecs, _ := (&wordEmbedder{}).Embed(t.Context(), []string{"river bridge", "The river flooded.", "Next to the river bridge.", "No match at all."})
	c := func(j int) float64 { return cosine(vecs[0], vecs[j]) }
	return (c(1) - c(3)) / (c(2) - c(3))
}

func approx(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestRerankDepthAndModes(t *testing.T) {
	ps := passages("one river", "two river bridge", "three", "four river bridge")
	idf := map[string]float64{"river": 1, "bridge": 1}
	tests := []struct {
		name       string
		query      string
		mode       rag.Mode
		depth, k   int
		cosine     float64
		want       []int64
		askedK     int
		matched    bool
		embedCalls int
	}{
		{"hybrid re-ranks the head only", "river bridge?", rag.ModeHybrid, 3, 4, 0, []int64{2, 1, 3, 4}, 4, true, 1},
		{"depth above k fetches the depth", "river bridge?", rag.ModeHybrid, 4, 1, 0, []int64{2}, 4, true, 1},
		{"cosine embeds the sentences", "river bridge?", rag.ModeHybrid, 3, 2, 1, []int64{2, 1}, 3, true, 2},
		{"text mode is the leg alone", "river bridge?", rag.ModeText, 4, 2, 0, []int64{1, 2}, 2, false, 0},
		{"depth 0 turns it off", "river bridge?", rag.ModeHybrid, 0, 2, 0, []int64{1, 2}, 2, false, 1},
		{"a claim is not re-ranked", "river bridge", rag.ModeHybrid, 3, 2, 0, []int64{1, 2}, 2, false, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := &fakeStore{passages: ps, idf: idf}
			emb := &wordEmbedder{}
			cfg := DefaultConfig()
			cfg.RerankDepth, cfg.Rerank = tc.depth, Weights{Chunk: 1, Sentence: 1, Cosine: tc.cosine}
			got, err := New(fs, emb, store.Model{Dim: 5}, cfg).RetrieveMode(t.Context(), "c", tc.query, tc.k, tc.mode)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
			if fs.asked[0].K != tc.askedK {
				t.Errorf("asked the store for %d passages, want %d", fs.asked[0].K, tc.askedK)
			}
			if (len(fs.texts) > 0) != tc.matched {
				t.Errorf("matched terms %d times, want matching %v", len(fs.texts), tc.matched)
			}
			if emb.calls != tc.embedCalls {
				t.Errorf("embedded %d times, want %d", emb.calls, tc.embedCalls)
			}
		})
	}
}

func TestRerankError(t *testing.T) {
	fs := &fakeStore{passages: passages("a", "b"), err: errors.New("connection reset")}
	cfg := DefaultConfig()
	cfg.RerankDepth, cfg.Rerank = 2, Weights{Chunk: 1, Sentence: 1}
	_, err := New(fs, &wordEmbedder{}, store.Model{Dim: 5}, cfg).Retrieve(t.Context(), "c", "What is q?", 2)
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("Retrieve() = %v, want the matcher's error", err)
	}
}

// TestRerankFile: the committed fit parses and is usable.
func TestRerankFile(t *testing.T) {
	var f fitted
	if err := json.Unmarshal(rerankFile, &f); err != nil {
		t.Fatalf("rerank.json: %v", err)
	}
	if diff := cmp.Diff(f, defaultRerank()); diff != "" {
		t.Errorf("defaults differ from the file (-file +defaults):\n%s", diff)
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
}
