package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// JobGatedResync is the job of /reingest gate:true: the collection's
// sources are re-synced into a new version beside the live one, which
// goes live only when the gate set still passes.
const JobGatedResync = "gated-resync"

// GatedIngester re-syncs a collection behind a gate. Config.Ingester
// serves /reingest gate:true when it implements it. The gate set is a
// configured QA file or else the collection's answers rated helpful.
type GatedIngester interface {
	GatedResync(ctx context.Context, collection string, progress func(IngestProgress)) (IngestSummary, error)
}

// GateReport is a gated run's verdict, carried in IngestSummary.Gate.
type GateReport struct {
	// Set names the gate set: "qa" or "feedback".
	Set       string
	Questions int
	Tolerance int
	WentLive  bool
	Broken    []GateBreak
}

// GateBreak is one gate question the new version would break, and why.
type GateBreak struct {
	ID, Question string
	Reasons      []string
}

// errNoGate is the failure of a gated job on an ingester without gates.
var errNoGate = errors.New("gated re-sync is not available")

// msgNoGate answers /reingest gate:true where the ingester has no gates.
const msgNoGate = "Gated re-syncs are not available on this bot."

// gateOption is /reingest's gate option.
var gateOption = &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionBoolean, Name: "gate",
	Description: "Go live only if answers rated helpful (or the configured QA set) still hold"}

// gatedResync runs a JobGatedResync.
func (b *Bot) gatedResync(ctx context.Context, j Job, progress func(IngestProgress)) (IngestSummary, error) {
	g, ok := b.cfg.Ingester.(GatedIngester)
	if !ok {
		return IngestSummary{}, errNoGate
	}
	return g.GatedResync(ctx, j.Collection, progress)
}

// renderGated is the final report of a gated re-sync: the verdict, the
// re-sync's counts, and each question that would break.
func renderGated(s IngestSummary) rendered {
	g := s.Gate
	head := fmt.Sprintf("Gated re-sync: the new version went live (%d gate questions, %d broken, tolerance %d).",
		g.Questions, len(g.Broken), g.Tolerance)
	if !g.WentLive {
		head = fmt.Sprintf("Gated re-sync held back: the live version stays. %d of %d gate questions would break (tolerance %d):",
			len(g.Broken), g.Questions, g.Tolerance)
	}
	counts := fmt.Sprintf("Re-sync: %d added, %d updated, %d unchanged, %d removed, %d failed.",
		s.Added, s.Updated, s.Unchanged, s.Removed, s.Failed)
	lines := make([]string, 0, len(g.Broken))
	for _, br := range g.Broken {
		lines = append(lines, fmt.Sprintf("• %s “%s”: %s", escapeMarkdown(br.ID), truncate(escapeMarkdown(br.Question), 150),
			truncate(escapeMarkdown(strings.Join(br.Reasons, "; ")), 300)))
	}
	text := head + "\n" + counts
	if len(lines) > 0 {
		text += "\n" + joinWithin(lines, MaxContent-utf8.RuneCountInString(text)-1)
	}
	return rendered{Content: text}
}
