package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/citebot/citebot/bot"
	gapreport "github.com/citebot/citebot/rag/report"
)

// digestGaps adapts the gap report to the weekly digest: the groups of
// refused and low-confidence questions in the guild's collection since the
// digest's week began, largest first, each with its latest wording.
func digestGaps(r *gapreport.Reporter) func(ctx context.Context, guildID string, since time.Time) ([]bot.DigestGap, error) {
	return func(ctx context.Context, guildID string, since time.Time) ([]bot.DigestGap, error) {
		g, err := r.Gaps(ctx, bot.GuildCollection(guildID), since)
		if err != nil {
			return nil, fmt.Errorf("gap report: %w", err)
		}
		out := make([]bot.DigestGap, 0, len(g.Groups))
		for _, gr := range g.Groups {
			var example string
			if len(gr.Examples) > 0 {
				example = gr.Examples[0]
			}
			out = append(out, bot.DigestGap{Count: gr.Count, Example: example})
		}
		return out, nil
	}
}
