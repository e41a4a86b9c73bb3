package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
)

// answers adapts the store to the Discord layer's answer store.
type answers struct{ s *store.Store }

func (a answers) SaveAnswer(ctx context.Context, r bot.StoredAnswer) (int64, error) {
	return a.s.SaveAnswer(ctx, store.Answer{Surface: "discord", Kind: r.Kind, Collection: r.Collection,
		GuildID: r.GuildID, ChannelID: r.ChannelID, ThreadID: r.ThreadID, MessageID: r.MessageID,
		InteractionID: r.InteractionID, Question: r.Question, Query: r.Query, Text: r.Text, Mode: r.Mode,
		Refused: r.Refused, Private: r.Private, Latency: r.Latency, Relevance: r.Relevance,
		LowConfidence: r.LowConfidence, Citations: citations(r.Sources)})
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
		<-ctx.Done() // runAll ends serve when any of its functions returns
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

// jobs adapts the store's job table to the Discord layer's queue.
type jobs struct{ s *store.Store }

func (q jobs) EnqueueJob(ctx context.Context, j bot.Job) (int64, error) {
	return q.s.EnqueueJob(ctx, store.Job{Kind: j.Kind, Collection: j.Collection,
		Params: store.JobParams{URL: j.URL, Filename: j.Filename}, Data: j.Data, GuildID: j.GuildID,
		ChannelID: j.ChannelID, AppID: j.AppID, Token: j.Token, TokenAt: j.TokenAt, MessageID: j.MessageID})
}

func (q jobs) ClaimJob(ctx context.Context, owner string, lease time.Duration) (bot.Job, bool, error) {
	j, ok, err := q.s.ClaimJob(ctx, owner, lease)
	if err != nil || !ok {
		return bot.Job{}, ok, err
	}
	return bot.Job{ID: j.ID, Kind: j.Kind, Collection: j.Collection, URL: j.Params.URL, Filename: j.Params.Filename,
		Data: j.Data, Args: j.Params.Args, Attempts: j.Attempts, GuildID: j.GuildID, ChannelID: j.ChannelID, AppID: j.AppID,
		Token: j.Token, TokenAt: j.TokenAt, MessageID: j.MessageID}, true, nil
}

// leaseErr maps the store's lease sentinel to the Discord layer's.
func leaseErr(err error) error {
	if errors.Is(err, store.ErrLeaseLost) {
		return fmt.Errorf("%w: %w", bot.ErrLeaseLost, err)
	}
	return err
}

func (q jobs) HeartbeatJob(ctx context.Context, id int64, owner string, p bot.IngestProgress, lease time.Duration) error {
	return leaseErr(q.s.HeartbeatJob(ctx, id, owner, store.JobProgress{Done: p.Done, Total: p.Total, Current: p.Current}, lease))
}

func (q jobs) FinishJob(ctx context.Context, id int64, owner string, sum bot.IngestSummary, failure string) error {
	return leaseErr(q.s.FinishJob(ctx, id, owner, jobResult(sum), failure))
}

func (q jobs) ReleaseJob(ctx context.Context, id int64, owner string) error {
	return q.s.ReleaseJob(ctx, id, owner)
}

func (q jobs) SetJobMessage(ctx context.Context, id int64, messageID string) error {
	return q.s.SetJobMessage(ctx, id, messageID)
}

// JobResult is a finished job's summary as stored in jobs.result and
// printed by `citebot jobs --json`.
type JobResult struct {
	Added     int      `json:"added"`
	Updated   int      `json:"updated"`
	Unchanged int      `json:"unchanged"`
	Removed   int      `json:"removed"`
	Failed    int      `json:"failed"`
	Chunks    int      `json:"chunks"`
	Errors    []string `json:"errors,omitempty"`
}

func jobResult(s bot.IngestSummary) JobResult {
	return JobResult{Added: s.Added, Updated: s.Updated, Unchanged: s.Unchanged, Removed: s.Removed,
		Failed: s.Failed, Chunks: s.Chunks, Errors: s.Errors}
}
