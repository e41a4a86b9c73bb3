// Package retrieve answers "which passages fit this query" for one
// collection: it embeds the query with the active model, runs the store's
// hybrid search with the configured fusion, and re-ranks the best fused
// candidates by their best sentence.
package retrieve

import (
	"context"
	"fmt"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
)

// Searcher is the store's side of retrieval: the fused search, and the
// query terms each sentence holds for the sentence stage.
type Searcher interface {
	Search(ctx context.Context, p store.SearchParams) ([]rag.Passage, error)
	TermMatcher
}

// Config holds the retrieval settings; see docs/retrieval.md for how the
// defaults were chosen.
type Config struct {
	Mode rag.Mode
	// Candidates is how many chunks each leg contributes before fusion.
	Candidates   int
	TextWeight   float64
	VectorWeight float64
	// ProximityWeight weighs the query terms found together in one
	// sentence-sized window (store.SearchParams.ProximityWeight).
	ProximityWeight float64
	K1, B           float64
	// Neighbours is how many chunks either side of a hit make its context.
	Neighbours int
	// TermDepth is how many postings of each query term the text leg reads.
	TermDepth int
	// RerankDepth is how many of the best fused candidates the sentence
	// stage re-orders for a question in hybrid mode (rerank.go); 0 turns
	// it off.
	RerankDepth int
	// Rerank weighs the sentence stage's features.
	Rerank Weights
}

// DefaultConfig is calibrated on SciFact's train judgments, squad-dev
// and two QA sets, each with unrelated documents (docs/retrieval.md).
// The re-rank depth and weights come from rerank.json, written by the fit
// (scripts/fit-rerank.sh).
func DefaultConfig() Config {
	f := defaultRerank()
	return Config{Mode: rag.ModeHybrid, Candidates: 50, TextWeight: 0.4, VectorWeight: 0.4, ProximityWeight: 0.2,
		K1: 1.2, B: 0.75, Neighbours: 1, TermDepth: store.DefaultTermDepth,
		RerankDepth: f.Depth, Rerank: f.Weights}
}

// Validate reports the first setting that is out of range.
func (c Config) Validate() error {
	switch {
	case c.Candidates < 1 || c.Candidates > 1000:
		return fmt.Errorf("candidates %d: want 1 to 1000", c.Candidates)
	case c.TextWeight < 0 || c.VectorWeight < 0 || c.TextWeight+c.VectorWeight == 0:
		return fmt.Errorf("fusion weights %g/%g: want non-negative, not both zero", c.TextWeight, c.VectorWeight)
	case c.ProximityWeight < 0:
		return fmt.Errorf("proximity weight %g: want non-negative", c.ProximityWeight)
	case c.K1 < 0 || c.B < 0 || c.B > 1:
		return fmt.Errorf("bm25 k1=%g b=%g: want k1 >= 0 and 0 <= b <= 1", c.K1, c.B)
	case c.Neighbours < 0 || c.Neighbours > 5:
		return fmt.Errorf("neighbours %d: want 0 to 5", c.Neighbours)
	case c.TermDepth < 100:
		return fmt.Errorf("term depth %d: want at least 100", c.TermDepth)
	case c.RerankDepth < 0 || c.RerankDepth > 200:
		return fmt.Errorf("rerank depth %d: want 0 to 200", c.RerankDepth)
	case c.RerankDepth > 0 && !c.Rerank.valid():
		return fmt.Errorf("rerank weights %+v: want non-negative, not all zero", c.Rerank)
	}
	_, err := rag.ParseMode(string(c.Mode))
	return err
}

// Retriever embeds queries and searches one collection at a time.
type Retriever struct {
	searcher Searcher
	embedder rag.Embedder
	model    store.Model
	cfg      Config
}

// New returns a Retriever over the vectors of model, embedding queries
// with embedder.
func New(s Searcher, embedder rag.Embedder, model store.Model, cfg Config) *Retriever {
	return &Retriever{searcher: s, embedder: embedder, model: model, cfg: cfg}
}

// Retrieve returns the k best passages of collection for query, best first.
func (r *Retriever) Retrieve(ctx context.Context, collection, query string, k int) ([]rag.Passage, error) {
	return r.RetrieveMode(ctx, collection, query, k, r.cfg.Mode)
}

// RetrieveMode is Retrieve with another mode than the configured one.
func (r *Retriever) RetrieveMode(ctx context.Context, collection, query string, k int, mode rag.Mode) ([]rag.Passage, error) {
	if k <= 0 {
		return nil, nil
	}
	depth := 0
	if mode == rag.ModeHybrid && isQuestion(query) {
		depth = r.cfg.RerankDepth
	}
	ps, err := r.search(ctx, collection, query, max(k, depth), mode)
	if err != nil || depth == 0 || len(ps) < 2 {
		return trim(ps, k), err
	}
	head := ps[:min(depth, len(ps))]
	c, err := sentenceStage{r.searcher, r.embedder}.gather(ctx, collection, query, head, r.cfg.Rerank.Cosine > 0)
	if err != nil {
		return nil, fmt.Errorf("retrieve: %w", err)
	}
	out := append(rerank(head, c.features(query), r.cfg.Rerank), ps[len(head):]...)
	return trim(out, k), nil
}

func trim(ps []rag.Passage, k int) []rag.Passage {
	if len(ps) > k {
		return ps[:k]
	}
	return ps
}

// search runs the store's search for the k best fused passages.
func (r *Retriever) search(ctx context.Context, collection, query string, k int, mode rag.Mode) ([]rag.Passage, error) {
	p := store.SearchParams{Collection: collection, Mode: mode, Text: query, Model: r.model, K: k,
		Candidates: max(r.cfg.Candidates, k), TextWeight: r.cfg.TextWeight, VectorWeight: r.cfg.VectorWeight,
		ProximityWeight: r.cfg.ProximityWeight,
		K1:              r.cfg.K1, B: r.cfg.B, Neighbours: r.cfg.Neighbours, TermDepth: r.cfg.TermDepth}
	if mode != rag.ModeText {
		vecs, err := r.embedder.Embed(ctx, []string{query})
		if err != nil {
			return nil, fmt.Errorf("embed query: %w", err)
		}
		p.Vector = vecs[0]
	}
	ps, err := r.searcher.Search(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("retrieve: %w", err)
	}
	return ps, nil
}
