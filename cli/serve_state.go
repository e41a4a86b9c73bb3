package cli

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
)

// answers adapts the store to the Discord layer's answer store.
type answers struct{ s *store.Store }

func (a answers) SaveAnswer(ctx context.Context, r bot.StoredAnswer) (int64, error) {
	cs := make([]store.Citation, 0, len(r.Sources))
	for _, src := range r.Sources {
		p := src.Passage
		cs = append(cs, store.Citation{N: src.N, ChunkID: p.ChunkID, DocumentID: p.DocumentID, Title: p.Title,
			Source: p.Source, HeadingPath: p.HeadingPath, Page: p.Page, Text: p.Text})
	}
	return a.s.SaveAnswer(ctx, store.Answer{Surface: "discord", Kind: r.Kind, Collection: r.Collection,
		GuildID: r.GuildID, ChannelID: r.ChannelID, ThreadID: r.ThreadID, MessageID: r.MessageID,
		InteractionID: r.InteractionID, Question: r.Question, Query: r.Query, Text: r.Text, Mode: r.Mode,
		Refused: r.Refused, Private: r.Private, Latency: r.Latency, Citations: cs})
}

func (a answers) AnswerPosted(ctx context.Context, id int64, threadID, messageID string) error {
	return a.s.AnswerPosted(ctx, id, threadID, messageID)
}

func (a answers) Answer(ctx context.Context, id int64) (bot.StoredAnswer, bool, error) {
	r, err := a.s.Answer(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return bot.StoredAnswer{}, false, nil
	}
	if err != nil {
		return bot.StoredAnswer{}, false, err
	}
	out := bot.StoredAnswer{ID: r.ID, Kind: r.Kind, Collection: r.Collection, GuildID: r.GuildID, ChannelID: r.ChannelID,
		ThreadID: r.ThreadID, MessageID: r.MessageID, InteractionID: r.InteractionID, Question: r.Question,
		Query: r.Query, Text: r.Text, Mode: r.Mode, Refused: r.Refused, Private: r.Private, Latency: r.Latency}
	for _, c := range r.Citations {
		out.Sources = append(out.Sources, rag.Source{N: c.N, Passage: rag.Passage{ChunkID: c.ChunkID, DocumentID: c.DocumentID,
			Title: c.Title, Source: c.Source, HeadingPath: c.HeadingPath, Page: c.Page, Text: c.Text}})
	}
	return out, true, nil
}

func (a answers) ThreadTurns(ctx context.Context, threadID string, n int) ([]rag.Turn, error) {
	ts, err := a.s.ThreadTurns(ctx, threadID, n)
	if err != nil {
		return nil, err
	}
	out := make([]rag.Turn, 0, len(ts))
	for _, t := range ts {
		out = append(out, rag.Turn{Question: t.Question, Answer: t.Answer})
	}
	return out, nil
}

// retentionEvery is how often serve deletes answers past the retention.
const retentionEvery = time.Hour

// enforceRetention deletes stored answers older than keep now and every
// retentionEvery until ctx ends; keep 0 keeps them forever. Every replica
// runs it; the delete is idempotent.
func enforceRetention(ctx context.Context, log *slog.Logger, s *store.Store, keep time.Duration) error {
	if keep <= 0 {
		return nil
	}
	t := time.NewTicker(retentionEvery)
	defer t.Stop()
	for {
		n, err := s.DeleteAnswersBefore(ctx, time.Now().Add(-keep))
		switch {
		case err != nil && ctx.Err() == nil:
			log.WarnContext(ctx, "retention delete failed", slog.Any("err", err))
		case n > 0:
			log.InfoContext(ctx, "old answers deleted", slog.Int64("answers", n), slog.Duration("retention", keep))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
