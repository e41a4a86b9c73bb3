package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
)

// gatedIngester is the fake ingester with gates: GatedResync reports
// report, after progress as Resync does.
type gatedIngester struct {
	*fakeIngester
	report bot.GateReport
	gated  []string
}

func (g *gatedIngester) GatedResync(ctx context.Context, coll string, progress func(bot.IngestProgress)) (bot.IngestSummary, error) {
	g.mu.Lock()
	g.gated = append(g.gated, coll)
	g.mu.Unlock()
	progress(bot.IngestProgress{Done: 1, Total: 2})
	r := g.report
	return bot.IngestSummary{Removed: 1, Unchanged: 2, Gate: &r}, nil
}

func TestReingestGated(t *testing.T) {
	held := bot.GateReport{Set: "feedback", Questions: 3, WentLive: false, Broken: []bot.GateBreak{{ID: "answer 42",
		Question: "How fast must *on-call* answer a page?", Reasons: []string{`cited passage gone: /srv/docs/oncall.md ("The engineer answers within 15 minutes.")`}}}}
	live := bot.GateReport{Set: "feedback", Questions: 3, WentLive: true}
	tests := []struct {
		name   string
		report bot.GateReport
		want   []string
	}{
		{"a change that breaks a helpful answer is held back", held, []string{"held back", "1 of 3", "answer 42", "cited passage gone"}},
		{"an unrelated change goes live", live, []string{"went live", "1 removed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &gatedIngester{report: tt.report}
			h := start(t, discordtest.Options{}, func(c *bot.Config) {
				fastJobs(c)
				g.fakeIngester = c.Ingester.(*fakeIngester)
				c.Ingester = g
			})
			i := h.srv.Command(t, admin, "reingest", discordtest.BoolOption("gate", true))
			m := h.original(t, i, func(m discordgo.Message) bool {
				return strings.HasPrefix(m.Content, "Gated re-sync:") ||
					strings.HasPrefix(m.Content, "Gated re-sync held back")
			})
			for _, w := range tt.want {
				if !strings.Contains(m.Content, w) {
					t.Errorf("report lacks %q:\n%s", w, m.Content)
				}
			}
			if diff := cmp.Diff([]string{"guild-" + guildA}, g.gated); diff != "" || h.ing.resyncCount() != 0 {
				t.Errorf("gated runs (-want +got):\n%s; plain re-syncs %d", diff, h.ing.resyncCount())
			}
			if j := h.jobs.job(1); j.Kind != bot.JobGatedResync || j.state != "done" {
				t.Errorf("job = %+v", j)
			}
		})
	}
	t.Run("an ingester without gates says so", func(t *testing.T) {
		h := start(t, discordtest.Options{}, fastJobs)
		i := h.srv.Command(t, admin, "reingest", discordtest.BoolOption("gate", true))
		h.original(t, i, func(m discordgo.Message) bool { return m.Content == "Gated re-syncs are not available on this bot." })
		if n := h.ing.resyncCount(); n != 0 {
			t.Errorf("%d re-syncs ran", n)
		}
	})
}
