// Package answer turns a question about a collection into a short answer
// whose every claim carries a verified citation, or into an honest refusal
// that shows the closest passages. With a chat model it asks the model to
// answer from numbered, fenced sources and then checks each citation
// against the passage it names; without one it quotes the best sentences
// of the retrieved passages. It also summarises documents, collections and
// topics, and renders answers as Markdown.
package answer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/answer/llm"
)

// Retriever finds the passages of a collection that fit a query, best
// first. Passage.Score is the fused score, TextScore the BM25 score and
// VectorScore the cosine similarity; Context may hold the chunk with its
// neighbours.
type Retriever interface {
	Retrieve(ctx context.Context, collection, query string, k int) ([]rag.Passage, error)
}

// Embedder returns one L2-normalised vector per text; the pipeline uses it
// to score sentences against questions and claims against passages.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// ChunkLister lists stored passages for summaries.
type ChunkLister interface {
	// DocumentPassages returns one document's passages in document order.
	DocumentPassages(ctx context.Context, collection, source string) ([]rag.Passage, error)
	// CollectionPassages returns up to limit passages of a collection.
	CollectionPassages(ctx context.Context, collection string, limit int) ([]rag.Passage, error)
}

// SummaryCache keeps LLM summaries by key.
type SummaryCache interface {
	Summary(ctx context.Context, key string) (string, bool, error)
	PutSummary(ctx context.Context, key, text string) error
}

// ChatModel is a chat LLM; *llm.Client implements it. Chat streams the
// reply to partial when partial is not nil.
type ChatModel interface {
	Chat(ctx context.Context, msgs []llm.Message, partial func(string)) (string, error)
	Model() string
}

// Errors callers show to users.
var (
	// ErrEmptyQuestion: the question is empty or only white space.
	ErrEmptyQuestion = errors.New("the question is empty")
	// ErrQuestionTooLong: the question is longer than Config.MaxQuestionLen.
	ErrQuestionTooLong = errors.New("the question is too long")
	// ErrNoChunks: Summarize needs a ChunkLister for documents and
	// collections.
	ErrNoChunks = errors.New("no chunk lister configured for summaries")
)

// Answer modes, as set in rag.Answer.Mode.
const (
	ModeLLM        = "llm"
	ModeExtractive = "extractive"
)

// Pipeline answers questions and summarises material. It is safe for
// concurrent use when its dependencies are.
type Pipeline struct {
	cfg     Config
	log     *slog.Logger
	weights ReaderWeights
}

// New checks cfg, fills its zero fields from DefaultConfig and returns a
// pipeline.
func New(cfg Config) (*Pipeline, error) {
	if cfg.Retriever == nil {
		return nil, errors.New("answer: no retriever configured")
	}
	if cfg.Embedder == nil {
		return nil, errors.New("answer: no embedder configured")
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("answer: %w", err)
	}
	w, err := DefaultReaderWeights()
	if err != nil {
		return nil, fmt.Errorf("answer: %w", err)
	}
	return &Pipeline{cfg: cfg, log: cfg.Logger, weights: w}, nil
}

// Answer answers req. With a chat model, partial receives the model's
// draft as it streams, for progress display only: the returned answer,
// whose citations have been verified, replaces it. partial may be nil.
func (p *Pipeline) Answer(ctx context.Context, req rag.Request, partial func(string)) (*rag.Answer, error) {
	start := time.Now()
	q, err := p.validate(req.Question)
	if err != nil {
		return nil, err
	}
	query, err := p.standaloneQuery(ctx, q, req.History)
	if err != nil {
		return nil, err
	}
	passages, err := p.cfg.Retriever.Retrieve(ctx, req.Collection, query, p.cfg.TopK)
	if err != nil {
		return nil, err
	}
	ans := &rag.Answer{Question: q, Query: query, Retrieved: passages, Mode: ModeExtractive}
	if p.cfg.LLM != nil {
		ans.Mode, ans.Model = ModeLLM, p.cfg.LLM.Model()
	}
	cands, err := p.rank(ctx, query, passages)
	if err != nil {
		return nil, err
	}
	best := bestRelevance(cands)
	low := best < p.minRelevance(q, cands)
	switch {
	case low && p.cfg.AllowGeneralKnowledge && p.cfg.LLM != nil:
		err = p.generalAnswer(ctx, ans, partial)
	case low:
		p.refuse(ans, passages)
	case p.cfg.LLM != nil:
		err = p.llmAnswer(ctx, ans, passages, partial)
		if err != nil && ctx.Err() == nil {
			p.fallBack(ctx, ans, cands, err)
			err = nil
		}
	default:
		p.extractive(ans, cands)
	}
	if err != nil {
		return nil, err
	}
	ans.Elapsed = time.Since(start)
	p.log.LogAttrs(ctx, slog.LevelInfo, "question answered", slog.String("mode", ans.Mode),
		slog.Bool("refused", ans.Refused), slog.Int("retrieved", len(passages)),
		slog.Int("sources", len(ans.Sources)), slog.Float64("relevance", best), slog.Duration("elapsed", ans.Elapsed))
	return ans, nil
}

// validate trims the question and checks its length.
func (p *Pipeline) validate(question string) (string, error) {
	q := strings.TrimSpace(question)
	if q == "" {
		return "", ErrEmptyQuestion
	}
	if n := utf8.RuneCountInString(q); n > p.cfg.MaxQuestionLen {
		return "", fmt.Errorf("%w: %d characters, at most %d", ErrQuestionTooLong, n, p.cfg.MaxQuestionLen)
	}
	return q, nil
}

// fallbackNote leads an extractive answer given because the chat model
// failed.
const fallbackNote = "_The chat model could not be reached, so this answer quotes the material directly._\n\n"

// fallBack answers extractively when the chat model failed after its
// retries (and the caller is still waiting), with a one-line note: the
// user gets an answer rather than an error.
func (p *Pipeline) fallBack(ctx context.Context, ans *rag.Answer, cands []candidate, err error) {
	p.log.LogAttrs(ctx, slog.LevelWarn, "chat model failed; answering extractively", slog.String("error", err.Error()))
	ans.Mode, ans.Model = ModeExtractive, ""
	p.extractive(ans, cands)
	ans.Text = fallbackNote + ans.Text
}

// refusalText is what a refusal says; Markdown adds the nearest passages.
const refusalText = "The material does not cover this question."

// refuse turns ans into a refusal that offers the nearest passages.
func (p *Pipeline) refuse(ans *rag.Answer, passages []rag.Passage) {
	ans.Refused = true
	ans.Text = refusalText
	ans.Sources = nil
	ans.Nearest = append([]rag.Passage(nil), passages[:min(len(passages), p.cfg.Nearest)]...)
}
