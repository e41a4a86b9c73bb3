package cli

import (
	"context"
	"time"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/rag/store"
)

// digests adapts the store's weekly digest state and counts to the
// Discord layer.
type digests struct{ *store.Store }

func (d digests) DigestStats(ctx context.Context, collection string, from, to time.Time) (bot.DigestStats, error) {
	st, err := d.Store.DigestStats(ctx, collection, from, to)
	return bot.DigestStats{Questions: st.Questions, Refused: st.Refused, Helpful: st.Helpful, Unhelpful: st.Unhelpful}, err
}
