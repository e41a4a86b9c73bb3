package cli

import (
	"context"
	"fmt"

	"github.com/citebot/citebot/embeddings/uselite"
	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/answer"
	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/loader"
	"github.com/citebot/citebot/rag/retrieve"
	"github.com/citebot/citebot/rag/source"
	"github.com/citebot/citebot/rag/store"
)

// openStore connects to the configured database, or the project's own,
// migrates it, and attaches the read replica when one is configured.
func (e *env) openStore(ctx context.Context) (*store.Store, error) {
	url := e.cfg.DatabaseURL
	if url == "" {
		var err error
		if url, err = store.LocateURL(e.io.Getenv, e.io.Dir, e.binDir()); err != nil {
			return nil, err
		}
	}
	s, err := store.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if e.cfg.DatabaseReadURL != "" {
		if err := s.AttachReadReplica(ctx, e.cfg.DatabaseReadURL); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// embedder loads the configured embedding model: an OpenAI-compatible
// endpoint when --embed-url is set, else the local model.
func (e *env) embedder(ctx context.Context) (rag.EmbeddingModel, error) {
	if e.cfg.EmbedURL != "" {
		return e.remoteEmbedder(ctx)
	}
	dir, err := e.modelDir()
	if err != nil {
		return nil, err
	}
	enc, err := uselite.Load(dir, uselite.WithLogger(e.logger))
	if err != nil {
		return nil, fmt.Errorf("local embedding model: %w", err)
	}
	return enc, nil
}

// services is what the question-answering commands share.
type services struct {
	store     *store.Store
	model     rag.EmbeddingModel
	stored    store.Model
	retriever *retrieve.Retriever
	pipeline  *answer.Pipeline
}

func (e *env) services(ctx context.Context) (*services, error) {
	m, err := e.embedder(ctx)
	if err != nil {
		return nil, err
	}
	s, err := e.openStore(ctx)
	if err != nil {
		return nil, err
	}
	sm, err := s.EnsureModel(ctx, m.Name(), m.Dim())
	if err != nil {
		s.Close()
		return nil, err
	}
	svc := &services{store: s, model: m, stored: sm, retriever: retrieve.New(s, m, sm, e.cfg.Retrieval)}
	if svc.pipeline, err = e.pipeline(svc); err != nil {
		s.Close()
		return nil, err
	}
	return svc, nil
}

func (s *services) Close() { s.store.Close() }

func (e *env) ingester(s *services) *ingest.Ingester {
	return ingest.New(s.store, s.model, ingest.Config{ChunkTokens: e.cfg.ChunkTokens, Overlap: e.cfg.Overlap,
		BatchSize: e.cfg.EmbedBatch, MaxChunks: e.cfg.MaxChunks, Logger: e.logger, Loader: e.loaderOptions()})
}

// loaderOptions are the settings of every loader: caps, the parse
// deadline and, when the binary is known, the PDF worker process.
func (e *env) loaderOptions() loader.Options {
	opts := loader.Options{AllowPrivate: e.cfg.AllowPrivateURLs, MaxTextBytes: int64(e.cfg.MaxTextBytes),
		ParseTimeout: e.cfg.ParseTimeout}
	if e.io.Executable != "" {
		opts.PDFWorker = []string{e.io.Executable, loader.PDFWorkerCommand}
	}
	return opts
}

// sourceRunner remembers and re-syncs the collection's sources.
func (e *env) sourceRunner(s *services) *source.Runner {
	return source.New(s.store, e.ingester(s), source.Config{CacheDir: e.cfg.GitCache, Logger: e.logger,
		Loader: e.loaderOptions()})
}
