package cli

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/loader"
	"github.com/citebot/citebot/rag/store"
)

// capturedName is the file name a captured message is loaded as: Discord
// messages are Markdown.
const capturedName = "discord-message.md"

// Capture ingests a message or thread captured with "Add to knowledge" as
// one document whose source is its Discord link.
func (u *uploads) Capture(ctx context.Context, collection string, d bot.CapturedDocument) (bot.IngestSummary, error) {
	doc, err := loader.Load(ctx, capturedName, strings.NewReader(d.Text), u.opts)
	if err != nil {
		return u.summary(ingest.Summary{Failed: 1, Failures: []ingest.Failure{{Source: d.Source, Err: err.Error()}}}), nil
	}
	doc.Source, doc.Title = d.Source, d.Title
	sum, err := u.in.IngestDocuments(ctx, collection, []*loader.Document{doc}, ingest.Options{})
	return u.summary(sum), err
}

// keepCaptured lists a collection's untracked documents for a re-sync
// without the captured Discord messages: their links are no documents to
// fetch again.
type keepCaptured struct{ s *store.Store }

func (k keepCaptured) UntrackedDocuments(ctx context.Context, collection string) ([]string, error) {
	docs, err := k.s.UntrackedDocuments(ctx, collection)
	return slices.DeleteFunc(docs, func(d string) bool { return strings.HasPrefix(d, bot.CaptureSourcePrefix) }), err
}

// escalations adapts the store to the Discord layer's escalations.
type escalations struct{ s *store.Store }

func (e escalations) EscalationRole(ctx context.Context, guildID string) (string, error) {
	return e.s.EscalationRole(ctx, guildID)
}

func (e escalations) SetEscalationRole(ctx context.Context, guildID, roleID string) error {
	return e.s.SetEscalationRole(ctx, guildID, roleID)
}

func (e escalations) Escalation(ctx context.Context, answerID int64) (bot.Escalation, error) {
	x, err := e.s.AnswerEscalation(ctx, answerID)
	if errors.Is(err, store.ErrNotFound) {
		return bot.Escalation{}, nil
	}
	return bot.Escalation(x), err
}

func (e escalations) Escalate(ctx context.Context, answerID int64, userID string) (bot.Escalation, bool, error) {
	x, changed, err := e.s.EscalateAnswer(ctx, answerID, userID)
	return bot.Escalation(x), changed, err
}

func (e escalations) ThreadEscalated(ctx context.Context, threadID string) (bool, error) {
	return e.s.ThreadEscalated(ctx, threadID)
}

func (e escalations) Resolve(ctx context.Context, answerID int64, userID string) (bot.Escalation, bool, error) {
	x, changed, err := e.s.ResolveAnswer(ctx, answerID, userID)
	return bot.Escalation(x), changed, err
}
