package retrieve

import (
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/chunk"
	"github.com/citebot/citebot/rag/store"
)

// TermMatcher is the store's side of the sentence stage: which of a
// query's terms each text holds, and how much each term weighs.
type TermMatcher interface {
	MatchTerms(ctx context.Context, collection, query string, texts []string) ([]store.QueryTerm, error)
}

// Weights combine a candidate's features into its re-ranked score. Each
// feature is 0 to 1 (see features).
type Weights struct {
	// Chunk weighs the fused chunk score, divided by the best candidate's.
	Chunk float64 `json:"chunk"`
	// Text and Vector weigh the chunk's BM25 divided by the best
	// candidate's, and its cosine min-max scaled over the candidates: the
	// fusion's legs again, re-weighed over the few best.
	Text   float64 `json:"text"`
	Vector float64 `json:"vector"`
	// Sentence weighs the share of the query's idf that the candidate's
	// best single sentence holds.
	Sentence float64 `json:"sentence"`
	// Pair weighs the same share for the best sentence together with the
	// one before it (an answer's subject is often named just before).
	Pair float64 `json:"pair"`
	// Typed weighs the share for the best sentence that also holds what
	// the question asks for (a number for "how many", a name for "who";
	// answertype.go); for other questions it is the sentence share.
	Typed float64 `json:"typed"`
	// Doc weighs the share of the candidates' chunk scores that belongs to
	// the candidate's document: a document many candidates come from is
	// more likely the one the question is about.
	Doc float64 `json:"doc"`
	// Cosine weighs the best cosine between the query and a sentence of
	// the candidate, min-max scaled over the candidates; it embeds every
	// sentence of the candidates at query time, so 0 skips that work.
	Cosine float64 `json:"cosine"`
}

// rerankFile is the committed output of the weight fit (fit_test.go,
// scripts/fit-rerank.sh): the re-rank depth and the weights.
//
//go:embed rerank.json
var rerankFile []byte

// fitted is what rerank.json holds.
type fitted struct {
	Depth   int     `json:"depth"`
	Weights Weights `json:"weights"`
}

// defaultRerank returns the committed re-rank settings.
func defaultRerank() fitted {
	var f fitted
	if err := json.Unmarshal(rerankFile, &f); err != nil {
		return fitted{} // a broken file disables the stage; TestRerankFile catches it
	}
	return f
}

// features are one candidate's inputs to the re-ranked score.
type features struct {
	chunk, text, vector, sentence, pair, typed, doc, cosine float64
}

func (w Weights) score(f features) float64 {
	return w.Chunk*f.chunk + w.Text*f.text + w.Vector*f.vector + w.Sentence*f.sentence + w.Pair*f.pair +
		w.Typed*f.typed + w.Doc*f.doc + w.Cosine*f.cosine
}

// valid reports whether the weights can rank: none negative, some positive.
func (w Weights) valid() bool {
	ws := []float64{w.Chunk, w.Text, w.Vector, w.Sentence, w.Pair, w.Typed, w.Doc, w.Cosine}
	return !slices.ContainsFunc(ws, func(v float64) bool { return v < 0 }) && slices.Max(ws) > 0
}

// sentenceStage computes the features of fused candidates from their
// sentences.
type sentenceStage struct {
	matcher  TermMatcher
	embedder rag.Embedder
}

// candidates are the fused passages the sentence stage re-ranks, with
// what it read about their sentences.
type candidates struct {
	ps []rag.Passage
	// first[i] is where the sentences of ps[i] start in texts; first has
	// one more entry, len(texts).
	first []int
	texts []string
	terms []store.QueryTerm
	// cos is each text's cosine with the query; nil when not computed.
	cos []float64
}

// gather splits the passages into sentences and asks the store which
// query terms each holds; withCosine also embeds them.
func (s sentenceStage) gather(ctx context.Context, collection, query string, ps []rag.Passage, withCosine bool) (candidates, error) {
	c := candidates{ps: ps, first: make([]int, len(ps)+1)}
	for i, p := range ps {
		c.first[i] = len(c.texts)
		c.texts = append(c.texts, chunk.Sentences(p.Text)...)
	}
	c.first[len(ps)] = len(c.texts)
	var err error
	if c.terms, err = s.matcher.MatchTerms(ctx, collection, query, c.texts); err != nil {
		return candidates{}, fmt.Errorf("sentence terms: %w", err)
	}
	if withCosine && len(c.texts) > 0 {
		if c.cos, err = s.cosines(ctx, query, c.texts); err != nil {
			return candidates{}, err
		}
	}
	return c, nil
}

// features returns one feature set per passage.
func (c candidates) features(query string) []features {
	cov := coverage(c.terms, len(c.texts))
	want := answerTypeOf(query)
	out := make([]features, len(c.ps))
	for i := range c.ps {
		f := features{cosine: math.Inf(-1)}
		for j := c.first[i]; j < c.first[i+1]; j++ {
			sc := cov.of(j, j)
			f.sentence = max(f.sentence, sc)
			f.pair = max(f.pair, cov.of(max(j-1, c.first[i]), j))
			if want.holds(c.texts[j], query) {
				f.typed = max(f.typed, sc)
			}
			if c.cos != nil {
				f.cosine = max(f.cosine, c.cos[j])
			}
		}
		if want == anyType {
			f.typed = f.sentence
		}
		out[i] = f
	}
	legs(c.ps, out)
	docShare(c.ps, out)
	scaleCosine(out)
	return out
}

// legs sets the chunk, text and vector features: the fused score and BM25
// divided by the best candidate's, the cosine min-max scaled.
func legs(ps []rag.Passage, fs []features) {
	var best, bestText float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range ps {
		best, bestText = max(best, p.Score), max(bestText, p.TextScore)
		lo, hi = min(lo, p.VectorScore), max(hi, p.VectorScore)
	}
	for i, p := range ps {
		if best > 0 {
			fs[i].chunk = p.Score / best
		}
		if bestText > 0 {
			fs[i].text = p.TextScore / bestText
		}
		if hi > lo {
			fs[i].vector = (p.VectorScore - lo) / (hi - lo)
		}
	}
}

// docShare sets each candidate's doc feature from the chunk features.
func docShare(ps []rag.Passage, fs []features) {
	mass := map[int64]float64{}
	var total float64
	for i, p := range ps {
		mass[p.DocumentID] += fs[i].chunk
		total += fs[i].chunk
	}
	if total <= 0 {
		return
	}
	for i, p := range ps {
		fs[i].doc = mass[p.DocumentID] / total
	}
}

// cosines embeds the query and texts and returns each text's cosine with
// the query.
func (s sentenceStage) cosines(ctx context.Context, query string, texts []string) ([]float64, error) {
	vecs, err := s.embedder.Embed(ctx, append([]string{query}, texts...))
	if err != nil {
		return nil, fmt.Errorf("embed sentences: %w", err)
	}
	out := make([]float64, len(texts))
	for i := range texts {
		out[i] = cosine(vecs[0], vecs[i+1])
	}
	return out, nil
}

// scaleCosine min-max scales the cosine feature over the candidates, as
// the store scales the vector leg; with no cosines it is 0 throughout.
func scaleCosine(fs []features) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, f := range fs {
		if !math.IsInf(f.cosine, -1) {
			lo, hi = min(lo, f.cosine), max(hi, f.cosine)
		}
	}
	for i := range fs {
		switch {
		case math.IsInf(fs[i].cosine, -1) || hi <= lo:
			fs[i].cosine = 0
		default:
			fs[i].cosine = (fs[i].cosine - lo) / (hi - lo)
		}
	}
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// termCoverage answers how much of a query's idf a run of texts holds.
type termCoverage struct {
	terms []store.QueryTerm
	// in[t][j] is whether text j holds term t.
	in    [][]bool
	total float64
}

func coverage(terms []store.QueryTerm, n int) termCoverage {
	c := termCoverage{terms: terms, in: make([][]bool, len(terms))}
	for t, q := range terms {
		c.total += q.IDF
		c.in[t] = make([]bool, n)
		for _, j := range q.In {
			if j >= 0 && j < n {
				c.in[t][j] = true
			}
		}
	}
	return c
}

// of returns the share, 0 to 1, of the query's idf found in texts from..to.
func (c termCoverage) of(from, to int) float64 {
	if c.total <= 0 {
		return 0
	}
	var mass float64
	for t, q := range c.terms {
		if slices.Contains(c.in[t][from:to+1], true) {
			mass += q.IDF
		}
	}
	return mass / c.total
}

// rerank orders ps by their weighted features, best first, ties kept in
// their fused order.
func rerank(ps []rag.Passage, fs []features, w Weights) []rag.Passage {
	idx := make([]int, len(ps))
	scores := make([]float64, len(ps))
	for i := range ps {
		idx[i], scores[i] = i, w.score(fs[i])
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
	out := make([]rag.Passage, len(ps))
	for i, j := range idx {
		out[i] = ps[j]
		out[i].Score = scores[j]
	}
	return out
}
