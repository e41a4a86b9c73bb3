package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
)

// Where an answer was asked outside Discord: answers.surface (migration
// 006), and the kinds of answer (answers.kind).
const (
	surfaceAsk  = "ask"
	surfaceChat = "chat"
	kindAsk     = "ask"
	kindSummary = "summary"
)

// citations are an answer's sources as the store keeps them.
func citations(srcs []rag.Source) []store.Citation {
	cs := make([]store.Citation, 0, len(srcs))
	for _, src := range srcs {
		p := src.Passage
		cs = append(cs, store.Citation{N: src.N, ChunkID: p.ChunkID, DocumentID: p.DocumentID, Title: p.Title,
			Source: p.Source, HeadingPath: p.HeadingPath, Page: p.Page, Text: p.Text})
	}
	return cs
}

// cliAnswer is the stored row of an answer given by `citebot ask` or the
// terminal chat: no Discord place, no user.
func cliAnswer(surface, kind, collection, question string, a *rag.Answer, latency time.Duration) store.Answer {
	return store.Answer{Surface: surface, Kind: kind, Collection: collection, Question: question, Query: a.Query,
		Text: a.Text, Mode: a.Mode, Refused: a.Refused, Latency: latency, Relevance: a.Relevance,
		LowConfidence: a.LowConfidence, Citations: citations(a.Sources)}
}

// recordAnswer stores an answer given outside Discord, as Discord's are
// stored, so that the reports and stale flags see it. The answer has been
// shown already, so a failure is only logged.
func recordAnswer(ctx context.Context, log *slog.Logger, s *store.Store, row store.Answer) {
	if _, err := s.SaveAnswer(ctx, row); err != nil {
		log.WarnContext(ctx, "answer not recorded", slog.String("surface", row.Surface), slog.Any("err", err))
	}
}
