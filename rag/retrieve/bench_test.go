package retrieve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citebot/citebot/embeddings/uselite"
	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/faulttest"
)

// benchCandidates is a re-rank's worth of candidates: 30 chunks of about
// five sentences from the own test documents, every query term held by
// some sentences.
func benchCandidates(b *testing.B) candidates {
	files, err := filepath.Glob("testdata/own/*.txt")
	if err != nil || len(files) == 0 {
		b.Fatalf("test documents: %v", err)
	}
	var sents []string
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		sents = append(sents, strings.Split(string(text), ". ")...)
	}
	var ps []rag.Passage
	for i := 0; len(ps) < 30; i += 5 {
		ps = append(ps, rag.Passage{DocumentID: int64(i % 3), Score: 1 / float64(len(ps)+1),
			Text: strings.Join(sents[i%(len(sents)-5):i%(len(sents)-5)+5], ". ")})
	}
	c := candidates{ps: ps, first: make([]int, len(ps)+1)}
	for i, p := range ps {
		c.first[i] = len(c.texts)
		c.texts = append(c.texts, strings.Split(p.Text, ". ")...)
	}
	c.first[len(ps)] = len(c.texts)
	for t, term := range []string{"railway", "winter", "telescope", "honey", "built"} {
		q := store.QueryTerm{Term: term, IDF: float64(t + 1)}
		for j, s := range c.texts {
			if strings.Contains(s, term) {
				q.In = append(q.In, j)
			}
		}
		c.terms = append(c.terms, q)
	}
	return c
}

// BenchmarkRerankFeatures is the sentence stage's own work per query,
// after the store has matched the terms: features and the re-rank of 30
// candidates.
func BenchmarkRerankFeatures(b *testing.B) {
	c := benchCandidates(b)
	w := defaultRerank().Weights
	for b.Loop() {
		rerank(c.ps, c.features("When was the railway built for winter honey?"), w)
	}
}

// BenchmarkRerankCosines is what the cosine feature adds per query:
// embedding every sentence of 30 candidates with the local model.
func BenchmarkRerankCosines(b *testing.B) {
	enc, err := uselite.Load(faulttest.ModelDir(b))
	if err != nil {
		b.Fatal(err)
	}
	c := benchCandidates(b)
	st := sentenceStage{embedder: enc}
	b.ReportMetric(float64(len(c.texts)), "sentences/op")
	for b.Loop() {
		if _, err := st.cosines(b.Context(), "When was the railway built?", c.texts); err != nil {
			b.Fatal(err)
		}
	}
}
