package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/rag/store"
)

// storeFeedback is a Discord 👍/👎 as the store keeps it.
func storeFeedback(f bot.Feedback) store.Feedback {
	return store.Feedback{Collection: f.Collection, GuildID: f.GuildID, ChannelID: f.ChannelID, UserID: f.UserID,
		Question: f.Question, Answer: f.Answer, ChunkIDs: f.ChunkIDs, Helpful: f.Helpful, At: f.At, AnswerID: f.AnswerID}
}

// reasons adapts the store to the 👎 modal: the 👎 is stored at once, the
// reason added to it on submit.
type reasons struct{ s *store.Store }

func (r reasons) RecordFeedback(ctx context.Context, f bot.Feedback) (int64, error) {
	return r.s.RecordFeedback(ctx, storeFeedback(f))
}

func (r reasons) SetFeedbackReason(ctx context.Context, id int64, userID, reason string) error {
	err := r.s.SetFeedbackReason(ctx, id, userID, reason)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %w", bot.ErrNoFeedback, err)
	}
	return err
}
