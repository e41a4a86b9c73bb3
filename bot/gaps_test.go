package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/rag/report"
)

// fakeGaps returns a small report and records what it was asked.
type fakeGaps struct {
	mu    sync.Mutex
	asked []string // "collection since-days"
}

func (f *fakeGaps) Gaps(_ context.Context, collection string, since time.Time) (*report.Gaps, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	days := int(time.Since(since).Hours()/24 + 0.5)
	f.asked = append(f.asked, collection+" "+strings.Repeat("d", days))
	return &report.Gaps{Collection: collection, Since: since, QuestionsStored: true, Totals: report.Totals{Asked: 3, Refused: 1},
		Groups: []report.Group{{Collection: collection, Count: 1, Refused: 1, LastAsked: time.Now(),
			Examples: []string{"Where is the holiday calendar?"}}},
		Unhelpful: []report.Item{{Question: "How do I file expenses?", Reason: "out of date", At: time.Now()}}}, nil
}

func (f *fakeGaps) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.asked...)
}

func TestGapsCommand(t *testing.T) {
	gaps := &fakeGaps{}
	h := start(t, discordtest.Options{}, func(c *bot.Config) { c.Gaps = gaps })
	coll := bot.GuildCollection(guildA)
	tests := []struct {
		name   string
		inv    discordtest.Invoker
		period string
		want   []string
		asked  string // what the reporter was asked; "" for nothing
	}{
		{"a member is refused", member, "", []string{"/gaps needs the Manage Server permission."}, ""},
		{"an admin gets the last 7 days by default", admin, "", []string{"**Knowledge gaps** in `" + coll + "`, last 7 days",
			"3 questions · 1 refused", "> Where is the holiday calendar?", "How do I file expenses?", "_out of date_"}, coll + " " + strings.Repeat("d", 7)},
		{"30 days", admin, "30d", []string{"last 30 days"}, coll + " " + strings.Repeat("d", 30)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(gaps.calls())
			var opts []*discordgo.ApplicationCommandInteractionDataOption
			if tt.period != "" {
				opts = append(opts, discordtest.StringOption("period", tt.period))
			}
			i := h.srv.Command(t, tt.inv, "gaps", opts...)
			m := h.original(t, i, func(m discordgo.Message) bool { return m.Content != "" && m.Flags&discordgo.MessageFlagsLoading == 0 })
			if m.Flags&discordgo.MessageFlagsEphemeral == 0 {
				t.Errorf("/gaps reply is not ephemeral: %q", m.Content)
			}
			for _, w := range tt.want {
				if !strings.Contains(m.Content, w) {
					t.Errorf("reply lacks %q:\n%s", w, m.Content)
				}
			}
			calls := gaps.calls()[before:]
			switch {
			case tt.asked == "" && len(calls) != 0:
				t.Errorf("a refused /gaps built a report: %v", calls)
			case tt.asked != "" && (len(calls) != 1 || calls[0] != tt.asked):
				t.Errorf("reporter asked %v, want %q", calls, tt.asked)
			}
		})
	}
	t.Run("/help names it", func(t *testing.T) {
		i := h.srv.Command(t, admin, "help")
		if m := h.original(t, i, func(m discordgo.Message) bool { return m.Content != "" }); !strings.Contains(m.Content, "`/gaps`") {
			t.Errorf("/help = %q", m.Content)
		}
	})
	t.Run("registered for Manage Server only", func(t *testing.T) {
		for _, c := range h.bot.Commands() {
			if c.Name == "gaps" {
				if c.DefaultMemberPermissions == nil || *c.DefaultMemberPermissions != discordgo.PermissionManageGuild {
					t.Errorf("/gaps default permissions = %v", c.DefaultMemberPermissions)
				}
				return
			}
		}
		t.Error("/gaps is not registered")
	})
}

func TestGapsWithoutReporter(t *testing.T) {
	h := start(t, discordtest.Options{}, nil)
	for _, c := range h.bot.Commands() {
		if c.Name == "gaps" {
			t.Error("/gaps is registered on a bot without a reporter")
		}
	}
	i := h.srv.Command(t, admin, "help")
	if m := h.original(t, i, func(m discordgo.Message) bool { return m.Content != "" }); strings.Contains(m.Content, "/gaps") {
		t.Errorf("/help offers /gaps without a reporter: %q", m.Content)
	}
}
