package cli

import (
	"context"
	"fmt"

	"github.com/citebot/citebot/embeddings/openai"
	"github.com/citebot/citebot/rag"
)

// remoteEmbedder connects to the OpenAI-compatible embeddings endpoint and,
// when the dimension is not configured, asks it.
func (e *env) remoteEmbedder(ctx context.Context) (rag.EmbeddingModel, error) {
	emb, err := openai.New(openai.Config{BaseURL: e.cfg.EmbedURL, APIKey: e.cfg.EmbedKey, Model: e.cfg.EmbedModel,
		Dim: e.cfg.EmbedDim, BatchSize: e.cfg.EmbedBatch, Logger: e.logger})
	if err != nil {
		return nil, fmt.Errorf("embedding endpoint: %w", err)
	}
	if e.cfg.EmbedDim == 0 {
		if err := emb.Probe(ctx); err != nil {
			return nil, fmt.Errorf("embedding endpoint %s: %w", e.cfg.EmbedURL, err)
		}
	}
	return emb, nil
}
