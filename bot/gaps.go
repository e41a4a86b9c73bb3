package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/rag/report"
)

// GapReports builds the knowledge-gap report /gaps shows (rag/report).
type GapReports interface {
	Gaps(ctx context.Context, collection string, since time.Time) (*report.Gaps, error)
}

// The /gaps periods: option values and their days.
var gapPeriods = map[string]int{"7d": 7, "30d": 30}

// gapsCommands is /gaps, when the bot has a reporter.
func (b *Bot) gapsCommands() []*command {
	if b.cfg.Gaps == nil {
		return nil
	}
	return []*command{{def: &discordgo.ApplicationCommand{Name: "gaps",
		Description: "What members asked that the documents don't answer well",
		Options: []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionString, Name: "period",
			Description: "How far back; default 7 days", Choices: []*discordgo.ApplicationCommandOptionChoice{
				{Name: "Last 7 days", Value: "7d"}, {Name: "Last 30 days", Value: "30d"}}}}},
		admin: true, run: b.cmdGaps}}
}

// gapsHelp is /gaps's mention in /help.
func (b *Bot) gapsHelp() string {
	if b.cfg.Gaps == nil {
		return ""
	}
	return ", `/gaps`"
}

func (b *Bot) cmdGaps(ctx context.Context, c *ictx, o options) error {
	period := o.str("period")
	if period == "" {
		period = "7d"
	}
	days, ok := gapPeriods[period]
	if !ok {
		return c.say(ctx, "The period is 7d or 30d.")
	}
	if err := c.deferReply(ctx, true); err != nil {
		return err
	}
	coll, found, err := b.collection(ctx, c.i.GuildID, c.i.ChannelID)
	if err != nil || !found {
		return b.collectionProblem(ctx, c, err)
	}
	g, err := b.cfg.Gaps.Gaps(ctx, coll, time.Now().Add(-time.Duration(days)*24*time.Hour))
	if err != nil {
		c.fail(ctx, "Sorry, I couldn't build the report. Please try again later.", fmt.Errorf("gap report: %w", err))
		return nil
	}
	_, err = c.sendAllID(ctx, renderGaps(g, days), true)
	return err
}

// gapQuote is about how much of a question or reason /gaps quotes.
const gapQuote = 150

// quoted is user text made inert and short, for a report line.
func quoted(s string) string {
	return escapeMarkdown(report.Clip(s, gapQuote))
}

// renderGaps renders the report as messages within Discord's limits.
func renderGaps(g *report.Gaps, days int) []rendered {
	var b strings.Builder
	fmt.Fprintf(&b, "**Knowledge gaps** in `%s`, last %d days\n", g.Collection, days)
	fmt.Fprintf(&b, "%d questions · %d refused · %d low-confidence\n", g.Totals.Asked, g.Totals.Refused, g.Totals.LowConfidence)
	if !g.QuestionsStored {
		b.WriteString("_Questions aren't stored on this bot (`--store-questions=false`), so only these counts are kept._\n")
		return splitRendered(b.String())
	}
	fmt.Fprintf(&b, "\n**Unanswered or uncertain questions** (%d groups)\n", len(g.Groups)+g.MoreGroups)
	if len(g.Groups) == 0 {
		b.WriteString("None.\n")
	}
	for i, gr := range g.Groups {
		fmt.Fprintf(&b, "%d. **%s**, last asked <t:%d:R>\n", i+1, report.GroupSummary(gr), gr.LastAsked.Unix())
		for _, ex := range gr.Examples {
			fmt.Fprintf(&b, "> %s\n", quoted(ex))
		}
		if gr.Nearest != nil {
			fmt.Fprintf(&b, "  Nearest passage: %s\n", escapeMarkdown(report.Clip(report.PassageLabel(gr.Nearest), 200)))
		}
	}
	if g.MoreGroups > 0 {
		fmt.Fprintf(&b, "…and %d more, smaller groups (`citebot report gaps` lists them).\n", g.MoreGroups)
	}
	gapItems(&b, "Rated unhelpful", g.Unhelpful)
	gapItems(&b, "Escalated to a person, not resolved", g.Escalated)
	gapItems(&b, "Stale answers (a cited passage changed)", g.Stale)
	return splitRendered(b.String())
}

func gapItems(b *strings.Builder, title string, items []report.Item) {
	fmt.Fprintf(b, "\n**%s** (%d)\n", title, len(items))
	if len(items) == 0 {
		b.WriteString("None.\n")
	}
	for _, it := range items {
		fmt.Fprintf(b, "• %s <t:%d:d>", quoted(it.Question), it.At.Unix())
		if it.Reason != "" {
			fmt.Fprintf(b, " — _%s_", quoted(it.Reason))
		}
		if it.By != "" {
			fmt.Fprintf(b, " — by <@%s>", it.By)
		}
		b.WriteString("\n")
	}
}

func splitRendered(text string) []rendered {
	var out []rendered
	for _, piece := range SplitMessage(strings.TrimRight(text, "\n"), MaxContent) {
		out = append(out, rendered{Content: piece})
	}
	return out
}
