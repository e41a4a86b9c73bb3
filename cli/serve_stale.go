package cli

import (
	"context"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/rag/store"
)

// staleNotices adapts the store's claims on stale answers to the Discord
// layer, which edits their messages.
type staleNotices struct{ s *store.Store }

func (n staleNotices) NotifyStale(ctx context.Context, notify func(context.Context, bot.StaleNotice) error) (bool, error) {
	return n.s.NotifyStale(ctx, func(ctx context.Context, sn store.StaleNotice) error {
		return notify(ctx, bot.StaleNotice{AnswerID: sn.AnswerID, ChannelID: sn.ChannelID, MessageID: sn.MessageID,
			StaleAt: sn.StaleAt})
	})
}
