// Package rag holds citebot's domain types: the passages retrieval returns,
// the cited answers built from them, and the small interfaces the retrieval
// and answering code consume. Subpackages implement them: rag/store keeps
// all SQL, rag/loader and rag/chunk turn files into chunks, rag/ingest
// keeps the index in step with the documents, rag/answer composes answers.
package rag

import (
	"context"
	"fmt"
	"time"
)

// Embedder turns texts into vectors, one per text, in order.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// EmbeddingModel is an Embedder that describes itself, so that chunks can be
// sized in its own tokens and its vectors kept apart from other models'.
type EmbeddingModel interface {
	Embedder
	// Name identifies the model and its version, e.g. "use-lite-0.2.0".
	Name() string
	// Dim is the length of every vector the model returns.
	Dim() int
	// MaxTokens is the longest input the model reads without truncating.
	MaxTokens() int
	// CountTokens counts text in the model's own tokens.
	CountTokens(text string) int
}

// Mode selects which retrieval legs run.
type Mode string

// Retrieval modes.
const (
	ModeHybrid Mode = "hybrid"
	ModeVector Mode = "vector"
	ModeText   Mode = "text"
)

// ParseMode validates a mode name.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeHybrid, ModeVector, ModeText:
		return m, nil
	}
	return "", fmt.Errorf("unknown mode %q (want hybrid, vector or text)", s)
}

// Passage is one retrieved chunk with where it came from and how it scored.
type Passage struct {
	ChunkID     int64    `json:"chunk_id"`
	DocumentID  int64    `json:"document_id"`
	Title       string   `json:"title"`
	Source      string   `json:"source"`
	HeadingPath []string `json:"heading_path,omitempty"`
	Page        int      `json:"page,omitempty"`
	Position    int      `json:"position"`
	Start       int      `json:"start"`
	End         int      `json:"end"`
	// StartLine and EndLine are the lines of the source file the passage
	// spans, from 1, when a front end located them; 0 when unknown.
	StartLine int    `json:"start_line,omitempty"`
	EndLine   int    `json:"end_line,omitempty"`
	Text      string `json:"text"`
	// Context is the chunk with its neighbours in the same section, what an
	// answerer reads; empty when the searcher was not asked for it.
	Context     string  `json:"context,omitempty"`
	VectorScore float64 `json:"vector_score"`
	TextScore   float64 `json:"text_score"`
	Score       float64 `json:"score"`
}

// Turn is one earlier question and answer in a conversation.
type Turn struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// Request is a question asked in one collection, with its conversation.
type Request struct {
	Collection string `json:"collection"`
	Question   string `json:"question"`
	History    []Turn `json:"history,omitempty"`
}

// Source is a cited passage, numbered as the answer cites it.
type Source struct {
	N       int     `json:"n"`
	Passage Passage `json:"passage"`
}

// Answer is what the CLI and the Discord layer render.
type Answer struct {
	Question string `json:"question"`
	// Query is the standalone query retrieval ran, which differs from the
	// question for follow-ups.
	Query string `json:"query"`
	// Text is Markdown with [n] citations that match Sources.
	Text    string   `json:"text"`
	Sources []Source `json:"sources"`
	// Refused is set when the material does not cover the question; Nearest
	// then holds the closest passages.
	Refused bool      `json:"refused"`
	Nearest []Passage `json:"nearest,omitempty"`
	// Mode is "llm" or "extractive"; Model names the LLM when there is one.
	Mode  string `json:"mode"`
	Model string `json:"model,omitempty"`
	// Retrieved is every passage retrieval returned, in rank order.
	Retrieved []Passage     `json:"retrieved,omitempty"`
	Elapsed   time.Duration `json:"elapsed_ns"`
	// Relevance is the best sentence's relevance to the query, the score
	// that gates answering (0 for summaries). LowConfidence is set on an
	// answer (not a refusal) whose relevance is just above the refusal
	// threshold, or that came from general knowledge.
	Relevance     float64 `json:"relevance"`
	LowConfidence bool    `json:"low_confidence"`
}

// DocumentInfo describes one stored document.
type DocumentInfo struct {
	ID         int64     `json:"id"`
	Collection string    `json:"collection"`
	Source     string    `json:"source"`
	Title      string    `json:"title"`
	Chunks     int       `json:"chunks"`
	IngestedAt time.Time `json:"ingested_at"`
	// SyncedAt is when the remembered source the document came from was
	// last read; zero when it has none (an upload) or was never synced.
	SyncedAt time.Time `json:"synced_at"`
}
