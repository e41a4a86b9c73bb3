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
	ReplaceDocuments(ctx context.Context, ws []store.DocumentWrite) ([]int64, error)
	DeleteDocument(ctx context.Context, collection, source string) (bool, error)
	VectorCount(ctx context.Context, m store.Model) (int64, error)
	BeginBulkLoad(ctx context.Context, m store.Model) (*store.BulkLoad, error)
}

// Config holds chunking and loading settings.
type Config struct {
	// ChunkTokens is the largest chunk in the model's tokens (capped at the
	// model's maximum input); Overlap is carried between chunks.
	ChunkTokens int
	Overlap     int
	// BatchSize is how many texts go to the embedder at once.
	BatchSize int
	// Writers is how many documents are stored at once; default 2.
	Writers int
	// BulkMin is the fewest chunks a run writes before it may rebuild the
	// model's vector index rather than grow it (see maybeBulk); default 200.
	BulkMin int
	// MaxChunks caps the chunks of one document; 0 means
	// chunk.DefaultMaxChunks.
	MaxChunks int
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
	if cfg.Writers <= 0 {
		cfg.Writers = 2
	}
	if cfg.BulkMin <= 0 {
		cfg.BulkMin = 200
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

// Summary counts what an ingest did. Every source met is counted once:
// added, updated (changed), unchanged, failed (listed in Failures) or
// skipped (listed in Skips: unreadable folder entries, links out of the
// folder or in a loop). Notes lists what stored documents lack, such as
// PDF pages without a text layer.
type Summary struct {
	Added     int           `json:"added"`
	Updated   int           `json:"updated"`
	Unchanged int           `json:"unchanged"`
	Removed   int           `json:"removed"`
	Failed    int           `json:"failed"`
	Skipped   int           `json:"skipped"`
	Chunks    int           `json:"chunks"`
	Embedded  int           `json:"embedded"`
	Elapsed   time.Duration `json:"elapsed_ns"`
	Failures  []Failure     `json:"failures,omitempty"`
	Skips     []Failure     `json:"skips,omitempty"`
	Notes     []Failure     `json:"notes,omitempty"`
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
	// Exact removes every document of the collection, file, URL or upload,
	// that this run's sources did not yield, so that the collection holds
	// exactly them. Nothing is removed when the run was cancelled or a
	// source could not be listed.
	Exact bool
	// Keep, with Exact, names further documents to keep: those that other
	// sources of the same run yielded.
	Keep map[string]bool
	// Progress, when set, is called after each document.
	Progress func(Progress)
}

// Ingest brings the collection in step with the given files, directories
// and URLs. Sources that fail are listed in the summary while the rest go
// on; the error is non-nil only when the run itself could not proceed.
func (in *Ingester) Ingest(ctx context.Context, collection string, sources []string, opt Options) (Summary, error) {
	start := time.Now()
	var sum Summary
	items, fails, skips := expand(ctx, sources)
	sum.Failures = append(sum.Failures, fails...)
	sum.Skips, sum.Skipped = skips, len(skips)
	run, err := in.begin(ctx, collection, &sum, len(items), opt.Progress)
	if err != nil {
		return sum, err
	}
	for _, src := range items {
		if ctx.Err() != nil {
			break
		}
		if isURL(src) {
			in.one(ctx, run, loader.CleanURL(src), func(ctx context.Context) (*loader.Document, error) {
				return loader.LoadURL(ctx, src, in.cfg.Loader)
			})
			continue
		}
		in.oneFile(ctx, run, src)
	}
	if err := in.finish(ctx, run); err != nil {
		return sum, err
	}
	if opt.Prune || opt.Exact {
		exact := opt.Exact && len(fails) == 0 && ctx.Err() == nil
		for src := range opt.Keep {
			run.seen[src] = true
		}
		if err := in.prune(ctx, run, exact, &sum); err != nil {
			return sum, err
		}
	}
	sum.Failed = len(sum.Failures)
	sum.Elapsed = time.Since(start)
	return sum, nil
}

// one ingests a single document: it is loaded, chunked and embedded here,
// and written by the run's writers.
func (in *Ingester) one(ctx context.Context, r *run, src string, load func(context.Context) (*loader.Document, error)) {
	r.seen[src] = true
	doc, err := load(ctx)
	if err == nil {
		err = in.prepare(ctx, r, doc, "")
	}
	if err != nil {
		in.failed(ctx, r, src, err)
	}
}

// oneFile ingests a local file, recognising it unchanged from its bytes
// before parsing it.
func (in *Ingester) oneFile(ctx context.Context, r *run, path string) {
	r.seen[path] = true
	data, err := loader.ReadFile(ctx, path, in.cfg.Loader)
	if err != nil {
		in.failed(ctx, r, path, err)
		return
	}
	raw := in.rawHash(data)
	if old, ok := r.state(path); ok && old.RawHash == raw && old.Embedded {
		r.unchanged(path)
		return
	}
	doc, err := loader.LoadBytes(ctx, path, data, in.cfg.Loader)
	if err == nil {
		err = in.prepare(ctx, r, doc, raw)
	}
	if err != nil {
		in.failed(ctx, r, path, err)
	}
}

// prepare chunks and embeds doc and hands it to the writers, unless the
// stored version is the same. raw is the hash of the file's bytes, or ""
// for a source that is not a local file; a stored document without it is
// written again to record it.
func (in *Ingester) prepare(ctx context.Context, r *run, doc *loader.Document, raw string) error {
	hash := in.docHash(doc)
	old, exists := r.state(doc.Source)
	if exists && old.ContentHash == hash && old.Embedded && old.RawHash == raw {
		r.unchanged(doc.Source)
		return nil
	}
	in.noted(r, doc)
	chunks, err := chunk.Split(doc, in.model, chunk.Options{MaxTokens: in.cfg.ChunkTokens, Overlap: in.cfg.Overlap,
		MaxChunks: in.cfg.MaxChunks})
	if err != nil {
		return fmt.Errorf("%s: %w", doc.Source, err)
	}
	vecs, embedded, err := in.embed(ctx, r.model.ID, chunks)
	if err != nil {
		return err
	}
	w := store.DocumentWrite{Collection: r.collection, Source: doc.Source, Title: doc.Title,
		MediaType: doc.MediaType, ContentHash: hash, Content: doc.Text, Model: r.model}
	if raw != "" {
		w.Metadata = map[string]string{store.MetaRawHash: raw}
	}
	for i, c := range chunks {
		w.Chunks = append(w.Chunks, store.ChunkWrite{Position: c.Position, HeadingPath: c.HeadingPath,
			Page: c.Page, Start: c.Start, End: c.End, Text: c.Text, Hash: c.Hash, Tokens: c.Tokens, Embedding: vecs[i]})
	}
	return in.write(ctx, r, w, embedded, exists)
}

// chunkerVersion changes whenever chunking changes what it produces, so
// that documents are chunked again.
const chunkerVersion = "chunk-v1"

// docHash identifies a document version together with how it is chunked
// and embedded.
func (in *Ingester) docHash(doc *loader.Document) string {
	h := sha256.New()
	// The store's text analysis is part of a version: documents indexed
	// before it changed are indexed again.
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00%s\x00%s\x00analysis-%d\x00", chunkerVersion, in.cfg.ChunkTokens, in.cfg.Overlap,
		in.model.Name(), doc.Title, store.AnalysisVersion)
	io.WriteString(h, doc.Text)
	return hex.EncodeToString(h.Sum(nil))
}

// rawHash identifies a file's bytes together with how they are loaded,
// chunked and embedded, so an unchanged file is known before it is parsed.
func (in *Ingester) rawHash(data []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00%d\x00%s\x00", loader.Version, chunkerVersion, in.cfg.ChunkTokens,
		in.cfg.Overlap, in.cfg.MaxChunks, in.model.Name())
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// noted records what doc lacks, for the summary.
func (in *Ingester) noted(r *run, doc *loader.Document) {
	if len(doc.Notes) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range doc.Notes {
		r.sum.Notes = append(r.sum.Notes, Failure{Source: doc.Source, Err: n})
	}
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

// prune removes documents whose local file no longer exists or, when
// exact, every document the run did not see.
func (in *Ingester) prune(ctx context.Context, r *run, exact bool, sum *Summary) error {
	for src := range r.states {
		if r.seen[src] || (!exact && !fileGone(src)) {
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

// fileGone reports whether src is a local file that no longer exists.
func fileGone(src string) bool {
	if isURL(src) || strings.HasPrefix(src, "upload:") {
		return false
	}
	_, err := os.Stat(src)
	return errors.Is(err, os.ErrNotExist)
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// IngestDocuments stores documents that are already loaded, such as an
// upload or a benchmark's corpus, with the same incremental rules.
func (in *Ingester) IngestDocuments(ctx context.Context, collection string, docs []*loader.Document, opt Options) (Summary, error) {
	start := time.Now()
	var sum Summary
	r, err := in.begin(ctx, collection, &sum, len(docs), opt.Progress)
	if err != nil {
		return sum, err
	}
	for _, doc := range docs {
		if ctx.Err() != nil {
			break
		}
		in.one(ctx, r, doc.Source, func(context.Context) (*loader.Document, error) { return doc, nil })
	}
	if err := in.finish(ctx, r); err != nil {
		return sum, err
	}
	sum.Failed = len(sum.Failures)
	sum.Elapsed = time.Since(start)
	return sum, nil
}
