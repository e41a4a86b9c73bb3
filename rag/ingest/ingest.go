// Package ingest keeps a collection in step with its documents: it loads
// files, directories and URLs, chunks them in the embedder's own tokens,
// embeds only text it has not embedded before, and replaces each changed
// document in one transaction.
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/chunk"
	"github.com/citebot/citebot/rag/loader"
	"github.com/citebot/citebot/rag/store"
)

// Store is the storage ingestion writes to.
type Store interface {
	EnsureModel(ctx context.Context, name string, dim int) (store.Model, error)
	DocumentStates(ctx context.Context, collection string, modelID int) (map[string]store.DocState, error)
	CachedEmbeddings(ctx context.Context, modelID int, hashes []string) (map[string][]float32, error)
	ReplaceDocument(ctx context.Context, w store.DocumentWrite) (int64, error)
	DeleteDocument(ctx context.Context, collection, source string) (bool, error)
}

// Config holds chunking and loading settings.
type Config struct {
	// ChunkTokens is the largest chunk in the model's tokens (capped at the
	// model's maximum input); Overlap is carried between chunks.
	ChunkTokens int
	Overlap     int
	// BatchSize is how many texts go to the embedder at once.
	BatchSize int
	Loader    loader.Options
	Logger    *slog.Logger
}

// Ingester writes documents of any collection with one embedding model.
type Ingester struct {
	store Store
	model rag.EmbeddingModel
	cfg   Config
}

// New returns an Ingester. It registers nothing until used.
func New(s Store, model rag.EmbeddingModel, cfg Config) *Ingester {
	if cfg.ChunkTokens <= 0 || cfg.ChunkTokens > model.MaxTokens() {
		cfg.ChunkTokens = model.MaxTokens()
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 32
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Ingester{store: s, model: model, cfg: cfg}
}

// Failure is one source that could not be ingested.
type Failure struct {
	Source string `json:"source"`
	Err    string `json:"error"`
}

// Summary counts what an ingest did.
type Summary struct {
	Added     int           `json:"added"`
	Updated   int           `json:"updated"`
	Unchanged int           `json:"unchanged"`
	Removed   int           `json:"removed"`
	Failed    int           `json:"failed"`
	Chunks    int           `json:"chunks"`
	Embedded  int           `json:"embedded"`
	Elapsed   time.Duration `json:"elapsed_ns"`
	Failures  []Failure     `json:"failures,omitempty"`
}

// Progress is reported after each document.
type Progress struct {
	Done, Total int
	Chunks      int
	Source      string
	Elapsed     time.Duration
}

// Options adjust one ingest run.
type Options struct {
	// Prune removes documents of the collection whose file is gone.
	Prune bool
	// Progress, when set, is called after each document.
	Progress func(Progress)
}

// Ingest brings the collection in step with the given files, directories
// and URLs. Sources that fail are listed in the summary while the rest go
// on; the error is non-nil only when the run itself could not proceed.
func (in *Ingester) Ingest(ctx context.Context, collection string, sources []string, opt Options) (Summary, error) {
	start := time.Now()
	var sum Summary
	items, fails := expand(ctx, sources)
	sum.Failures = append(sum.Failures, fails...)
	run, err := in.begin(ctx, collection)
	if err != nil {
		return sum, err
	}
	for i, src := range items {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		in.one(ctx, run, src, func(ctx context.Context) (*loader.Document, error) {
			return loadSource(ctx, src, in.cfg.Loader)
		}, &sum)
		report(opt.Progress, i+1, len(items), sum.Chunks, src, start)
	}
	if opt.Prune {
		if err := in.prune(ctx, run, &sum); err != nil {
			return sum, err
		}
	}
	sum.Failed = len(sum.Failures)
	sum.Elapsed = time.Since(start)
	return sum, nil
}

func report(fn func(Progress), done, total, chunks int, src string, start time.Time) {
	if fn != nil {
		fn(Progress{Done: done, Total: total, Chunks: chunks, Source: src, Elapsed: time.Since(start)})
	}
}

// run is the state of one ingest into one collection.
type run struct {
	collection string
	model      store.Model
	states     map[string]store.DocState
	seen       map[string]bool
}

func (in *Ingester) begin(ctx context.Context, collection string) (*run, error) {
	m, err := in.store.EnsureModel(ctx, in.model.Name(), in.model.Dim())
	if err != nil {
		return nil, err
	}
	states, err := in.store.DocumentStates(ctx, collection, m.ID)
	if err != nil {
		return nil, err
	}
	return &run{collection: collection, model: m, states: states, seen: map[string]bool{}}, nil
}

// one ingests a single document, counting the outcome in sum.
func (in *Ingester) one(ctx context.Context, r *run, src string, load func(context.Context) (*loader.Document, error), sum *Summary) {
	r.seen[src] = true
	doc, err := load(ctx)
	if err == nil {
		err = in.write(ctx, r, doc, sum)
	}
	if err != nil {
		in.cfg.Logger.WarnContext(ctx, "ingest source", slog.String("source", src), slog.Any("err", err))
		sum.Failures = append(sum.Failures, Failure{Source: src, Err: err.Error()})
	}
}

// write stores doc unless the stored version is the same.
func (in *Ingester) write(ctx context.Context, r *run, doc *loader.Document, sum *Summary) error {
	hash := in.docHash(doc)
	old, exists := r.states[doc.Source]
	if exists && old.ContentHash == hash && old.Embedded {
		sum.Unchanged++
		return nil
	}
	chunks, err := chunk.Split(doc, in.model, chunk.Options{MaxTokens: in.cfg.ChunkTokens, Overlap: in.cfg.Overlap})
	if err != nil {
		return fmt.Errorf("chunk: %w", err)
	}
	vecs, embedded, err := in.embed(ctx, r.model.ID, chunks)
	if err != nil {
		return err
	}
	w := store.DocumentWrite{Collection: r.collection, Source: doc.Source, Title: doc.Title,
		MediaType: doc.MediaType, ContentHash: hash, Content: doc.Text, Model: r.model}
	for i, c := range chunks {
		w.Chunks = append(w.Chunks, store.ChunkWrite{Position: c.Position, HeadingPath: c.HeadingPath,
			Page: c.Page, Start: c.Start, End: c.End, Text: c.Text, Hash: c.Hash, Tokens: c.Tokens, Embedding: vecs[i]})
	}
	if _, err := in.store.ReplaceDocument(ctx, w); err != nil {
		return err
	}
	sum.Chunks += len(chunks)
	sum.Embedded += embedded
	if exists {
		sum.Updated++
	} else {
		sum.Added++
	}
	r.states[doc.Source] = store.DocState{ContentHash: hash, Embedded: true}
	return nil
}

// chunkerVersion changes whenever chunking changes what it produces, so
// that documents are chunked again.
const chunkerVersion = "chunk-v1"

// docHash identifies a document version together with how it is chunked
// and embedded.
func (in *Ingester) docHash(doc *loader.Document) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00%s\x00%s\x00", chunkerVersion, in.cfg.ChunkTokens, in.cfg.Overlap,
		in.model.Name(), doc.Title)
	io.WriteString(h, doc.Text)
	return hex.EncodeToString(h.Sum(nil))
}

// embed returns a vector for every chunk, embedding only text whose hash
// has no stored vector of this model yet. It reports how many texts it sent
// to the embedder.
func (in *Ingester) embed(ctx context.Context, modelID int, chunks []chunk.Chunk) ([][]float32, int, error) {
	hashes := make([]string, len(chunks))
	for i, c := range chunks {
		hashes[i] = c.Hash
	}
	cached, err := in.store.CachedEmbeddings(ctx, modelID, hashes)
	if err != nil {
		return nil, 0, err
	}
	var todo []int
	seen := map[string]bool{}
	for i, c := range chunks {
		if _, ok := cached[c.Hash]; !ok && !seen[c.Hash] {
			seen[c.Hash] = true
			todo = append(todo, i)
		}
	}
	for b := 0; b < len(todo); b += in.cfg.BatchSize {
		batch := todo[b:min(b+in.cfg.BatchSize, len(todo))]
		texts := make([]string, len(batch))
		for j, i := range batch {
			texts[j] = chunks[i].Text
		}
		vecs, err := in.model.Embed(ctx, texts)
		if err != nil {
			return nil, 0, fmt.Errorf("embed chunks: %w", err)
		}
		for j, i := range batch {
			cached[chunks[i].Hash] = vecs[j]
		}
	}
	out := make([][]float32, len(chunks))
	for i, c := range chunks {
		out[i] = cached[c.Hash]
	}
	return out, len(todo), nil
}

// prune removes documents whose local file no longer exists.
func (in *Ingester) prune(ctx context.Context, r *run, sum *Summary) error {
	for src := range r.states {
		if r.seen[src] || isURL(src) || strings.HasPrefix(src, "upload:") {
			continue
		}
		if _, err := os.Stat(src); !errors.Is(err, os.ErrNotExist) {
			continue
		}
		found, err := in.store.DeleteDocument(ctx, r.collection, src)
		if err != nil {
			return err
		}
		if found {
			sum.Removed++
		}
	}
	return nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// IngestDocuments stores documents that are already loaded, such as an
// upload or a benchmark's corpus, with the same incremental rules.
func (in *Ingester) IngestDocuments(ctx context.Context, collection string, docs []*loader.Document, opt Options) (Summary, error) {
	start := time.Now()
	var sum Summary
	r, err := in.begin(ctx, collection)
	if err != nil {
		return sum, err
	}
	for i, doc := range docs {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		in.one(ctx, r, doc.Source, func(context.Context) (*loader.Document, error) { return doc, nil }, &sum)
		report(opt.Progress, i+1, len(docs), sum.Chunks, doc.Source, start)
	}
	sum.Failed = len(sum.Failures)
	sum.Elapsed = time.Since(start)
	return sum, nil
}
