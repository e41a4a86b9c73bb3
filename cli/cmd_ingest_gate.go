package cli

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/citebot/citebot/rag/gate"
	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/source"
)

// gateFeedback is the --gate value that takes the collection's answers
// rated helpful as the gate set; any other value names a QA file.
const gateFeedback = "feedback"

// ErrHeldBack is returned by a gated ingest that kept the live version
// because more gate questions broke than the tolerance allows; the
// process exits 3.
type ErrHeldBack struct{ Broken, Tolerance int }

func (e *ErrHeldBack) Error() string {
	return fmt.Sprintf("gate held the change back: %d question(s) would break (tolerance %d); the live version stays", e.Broken, e.Tolerance)
}

// ExitCode is the process's exit status for a change held back.
func (e *ErrHeldBack) ExitCode() int { return 3 }

// gate registers the settings of gated re-ingests, which `ingest --gate`
// and /reingest gate:true share.
func (b *binder) gate(c *Config) {
	env := b.env
	b.str(&c.GateQA, "gate-qa", env("CITEBOT_GATE_QA"), "QA file (the eval answers format) that /reingest gate:true checks; default: the collection's answers rated helpful (env CITEBOT_GATE_QA)")
	b.intv(&c.GateTolerance, "gate-tolerance", env("CITEBOT_GATE_TOLERANCE"), 0, "how many gate questions a gated re-ingest may break and still go live (env CITEBOT_GATE_TOLERANCE)")
}

// gateFlags are ingest's gate flags; the tolerance is the shared
// --gate-tolerance setting.
type gateFlags struct {
	gate   string
	asJSON bool
}

func (g *gateFlags) on(fs *flag.FlagSet) {
	fs.StringVar(&g.gate, "gate", "", "build the new version beside the live one and make it live only if the gate set still passes: a QA FILE (the eval answers format) or 'feedback' (the answers rated helpful); exits 3 when held back")
	fs.BoolVar(&g.asJSON, "json", false, "with --gate: print the gate report as one JSON object (the ingest summary goes to stderr)")
}

// check refuses gate flags without --gate and what a gated run cannot do.
func (g *gateFlags) check(f ingestFlags) error {
	switch {
	case g.gate == "" && g.asJSON:
		return &UsageError{Msg: "--json goes with --gate"}
	case g.gate == "":
		return nil
	case f.queue:
		return &UsageError{Msg: "--gate runs here and now; it cannot be queued"}
	case f.exact:
		return &UsageError{Msg: "--gate and --exact do not go together"}
	}
	return nil
}

// gatedIngest ingests into a shadow of the collection and makes it live
// only when the gate passes, printing the report.
func (e *env) gatedIngest(ctx context.Context, paths []string, specs []source.Spec, f ingestFlags, g gateFlags) error {
	var set gate.Set
	if g.gate != gateFeedback {
		items, err := readQA(g.gate)
		if err != nil {
			return err
		}
		set = gate.QASet(items)
	}
	svc, err := e.services(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	if g.gate == gateFeedback {
		answers, err := svc.store.HelpfulAnswers(ctx, e.cfg.Collection, 0)
		if err != nil {
			return err
		}
		set = gate.FeedbackSet(answers)
	}
	out := e.io.Stdout
	if g.asJSON {
		out = e.io.Stderr
	}
	failed := 0
	build := func(ctx context.Context, shadow string) error {
		n, err := e.ingestInto(ctx, svc, shadow, paths, specs, f, out)
		failed = n
		return err
	}
	rep, err := gate.Run(ctx, svc.store, e.checker(svc), e.cfg.Collection, set,
		gate.Options{Tolerance: e.cfg.GateTolerance, Logger: e.logger}, build)
	if err != nil {
		return err
	}
	if err := writeGateReport(e.io.Stdout, rep, g.asJSON); err != nil {
		return err
	}
	if !rep.WentLive {
		return &ErrHeldBack{Broken: len(rep.Broken), Tolerance: e.cfg.GateTolerance}
	}
	if failed > 0 {
		return &ErrIngestFailures{N: failed}
	}
	return nil
}

// checker runs gate questions with the configured retrieval and answerer.
func (e *env) checker(svc *services) *gate.Checker {
	return &gate.Checker{Retriever: svc.retriever, Answerer: svc.pipeline, Texts: svc.store}
}

func writeGateReport(w io.Writer, rep gate.Report, asJSON bool) error {
	if asJSON {
		return rep.WriteJSON(w)
	}
	return rep.WriteText(w)
}

// ingestInto runs an ingest's sources and paths into collection coll and
// returns how many sources failed; the summaries go to out.
func (e *env) ingestInto(ctx context.Context, svc *services, coll string, paths []string, specs []source.Spec, f ingestFlags, out io.Writer) (int, error) {
	failed := 0
	if len(specs) > 0 {
		sum, err := e.sourceRunner(svc).Add(ctx, coll, specs, syncProgress(e.io.Stderr))
		printSyncSummary(out, sum)
		if err != nil {
			return failed, fmt.Errorf("ingest: %w", err)
		}
		failed += sum.Failed
	}
	if len(paths) > 0 {
		n, err := e.ingestPaths(ctx, svc, coll, paths, ingest.Options{Prune: f.prune}, out)
		if err != nil {
			return failed, err
		}
		failed += n
	}
	return failed, nil
}
