package answer

import (
	"fmt"
	"log/slog"
)

// Config wires a Pipeline and holds its thresholds. Zero numeric fields
// take DefaultConfig's values; docs/answers.md says how those were
// calibrated.
type Config struct {
	// Retriever and Embedder are required.
	Retriever Retriever
	Embedder  Embedder
	// LLM, when set, writes answers; without it answers are extractive.
	LLM ChatModel
	// Chunks lists passages for document and collection summaries.
	Chunks ChunkLister
	// Cache keeps LLM summaries; optional.
	Cache SummaryCache
	// Logger defaults to one that discards.
	Logger *slog.Logger

	// MaxQuestionLen is the longest question accepted, in characters.
	MaxQuestionLen int
	// TopK is how many passages retrieval returns.
	TopK int
	// Nearest is how many passages a refusal offers.
	Nearest int
	// PromptTokens is the approximate token budget for sources in a prompt.
	PromptTokens int

	// MinRelevance gates answering: the best sentence's relevance to the
	// query (RelevanceEmbeddingWeight·cosine + the rest·term coverage) must
	// reach it, else the answer is a refusal.
	MinRelevance float64
	// RelevanceEmbeddingWeight weighs embedding similarity against the
	// share of query terms a sentence contains.
	RelevanceEmbeddingWeight float64
	// ExtractRatio keeps further extracted sentences scoring at least this
	// share of the best one; MaxExtract caps how many are quoted.
	ExtractRatio float64
	MaxExtract   int

	// MinLexicalSupport and MinEmbeddingSupport must both be reached for a
	// passage to support a cited sentence: the share of the sentence's
	// content words found in the passage, and the best cosine between the
	// sentence and the passage or one of its sentences.
	MinLexicalSupport   float64
	MinEmbeddingSupport float64
	// MinSupported is the share of an LLM answer's claims that must be
	// supported; below it the answer becomes a refusal.
	MinSupported float64

	// SummarySentences is how many sentences an extractive summary quotes;
	// SummaryPassages caps the passages read for a collection summary and
	// TopicPassages those retrieved for a topic.
	SummarySentences int
	SummaryPassages  int
	TopicPassages    int
	// SummaryLambda trades centrality against redundancy in MMR.
	SummaryLambda float64

	// AllowGeneralKnowledge lets the LLM answer from its own knowledge,
	// marked as such, when retrieval finds nothing relevant. Off by default.
	AllowGeneralKnowledge bool
}

// DefaultConfig returns the thresholds calibrated for the local model
// (USE-lite) on the QA and claim sets in testdata, and the sizes, without
// dependencies. Another embedder needs its own thresholds: see
// docs/answers.md for the calibration command.
func DefaultConfig() Config {
	return Config{
		MaxQuestionLen:           1000,
		TopK:                     6,
		Nearest:                  3,
		PromptTokens:             3000,
		MinRelevance:             0.45,
		RelevanceEmbeddingWeight: 0.65,
		ExtractRatio:             0.8,
		MaxExtract:               2,
		MinLexicalSupport:        0.6,
		MinEmbeddingSupport:      0.55,
		MinSupported:             0.5,
		SummarySentences:         5,
		SummaryPassages:          200,
		TopicPassages:            12,
		SummaryLambda:            0.7,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	setInt := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	setF := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
	}
	setInt(&c.MaxQuestionLen, d.MaxQuestionLen)
	setInt(&c.TopK, d.TopK)
	setInt(&c.Nearest, d.Nearest)
	setInt(&c.PromptTokens, d.PromptTokens)
	setInt(&c.MaxExtract, d.MaxExtract)
	setInt(&c.SummarySentences, d.SummarySentences)
	setInt(&c.SummaryPassages, d.SummaryPassages)
	setInt(&c.TopicPassages, d.TopicPassages)
	setF(&c.MinRelevance, d.MinRelevance)
	setF(&c.RelevanceEmbeddingWeight, d.RelevanceEmbeddingWeight)
	setF(&c.ExtractRatio, d.ExtractRatio)
	setF(&c.MinLexicalSupport, d.MinLexicalSupport)
	setF(&c.MinEmbeddingSupport, d.MinEmbeddingSupport)
	setF(&c.MinSupported, d.MinSupported)
	setF(&c.SummaryLambda, d.SummaryLambda)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c Config) validate() error {
	for name, v := range map[string]float64{"MinRelevance": c.MinRelevance, "RelevanceEmbeddingWeight": c.RelevanceEmbeddingWeight,
		"ExtractRatio": c.ExtractRatio, "MinLexicalSupport": c.MinLexicalSupport, "MinEmbeddingSupport": c.MinEmbeddingSupport,
		"MinSupported": c.MinSupported, "SummaryLambda": c.SummaryLambda} {
		if v < 0 || v > 1 {
			return fmt.Errorf("%s %g: want 0 to 1", name, v)
		}
	}
	for name, v := range map[string]int{"MaxQuestionLen": c.MaxQuestionLen, "TopK": c.TopK, "Nearest": c.Nearest,
		"PromptTokens": c.PromptTokens, "MaxExtract": c.MaxExtract, "SummarySentences": c.SummarySentences,
		"SummaryPassages": c.SummaryPassages, "TopicPassages": c.TopicPassages} {
		if v < 1 {
			return fmt.Errorf("%s %d: want at least 1", name, v)
		}
	}
	return nil
}
