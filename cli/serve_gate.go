package cli

import (
	"context"
	"log/slog"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/rag/gate"
	"github.com/citebot/citebot/rag/source"
)

// gatedResyncs are the settings of /reingest gate:true.
type gatedResyncs struct {
	checker   *gate.Checker
	qa        string // --gate-qa; "" for the answers rated helpful
	tolerance int
	logger    *slog.Logger
}

func (e *env) gatedResyncs(svc *services) *gatedResyncs {
	return &gatedResyncs{checker: e.checker(svc), qa: e.cfg.GateQA, tolerance: e.cfg.GateTolerance, logger: e.logger}
}

// GatedResync re-syncs the collection's sources into a new version beside
// the live one and makes it live only when the gate set still passes: the
// --gate-qa file, or else the collection's answers rated helpful.
func (u *uploads) GatedResync(ctx context.Context, collection string, progress func(bot.IngestProgress)) (bot.IngestSummary, error) {
	set, err := u.gateSet(ctx, collection)
	if err != nil {
		return bot.IngestSummary{}, err
	}
	var sum source.Summary
	build := func(ctx context.Context, shadow string) error {
		var err error
		sum, err = u.sources.Resync(ctx, u.store, shadow, adaptSources(progress))
		return err
	}
	rep, err := gate.Run(ctx, u.store, u.gate.checker, collection, set,
		gate.Options{Tolerance: u.gate.tolerance, Logger: u.gate.logger}, build)
	out := u.sourceSummary(sum)
	if err != nil {
		return out, err
	}
	out.Gate = botGate(rep)
	return out, nil
}

func (u *uploads) gateSet(ctx context.Context, collection string) (gate.Set, error) {
	if u.gate.qa != "" {
		items, err := readQA(u.gate.qa)
		if err != nil {
			return gate.Set{}, err
		}
		return gate.QASet(items), nil
	}
	answers, err := u.store.HelpfulAnswers(ctx, collection, 0)
	if err != nil {
		return gate.Set{}, err
	}
	return gate.FeedbackSet(answers), nil
}

// botGate converts a gate report for the Discord layer.
func botGate(r gate.Report) *bot.GateReport {
	g := &bot.GateReport{Set: r.Gate, Questions: r.Questions, Tolerance: r.Tolerance, WentLive: r.WentLive}
	for _, b := range r.Broken {
		g.Broken = append(g.Broken, bot.GateBreak{ID: b.ID, Question: b.Question, Reasons: b.Reasons})
	}
	return g
}
