package cli

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"strings"
	"time"

	gapreport "github.com/citebot/citebot/rag/report"
)

// reportKinds are the kinds of `citebot report`, each run with the
// arguments after its name.
var reportKinds = map[string]func(ctx context.Context, e *env, args []string) error{
	"gaps":     reportGaps,
	"feedback": reportFeedback,
	"stale":    reportStale,
}

// reportHelp is the report command's summary.
const reportHelp = "admin reports: report gaps|feedback|stale [--collection NAME] [--since 30d] [--json]"

func cmdReport(ctx context.Context, e *env, args []string) error {
	var kinds []string
	for k := range reportKinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	want := strings.Join(kinds, ", ")
	if len(args) == 0 {
		return &UsageError{Msg: "report needs a kind: report " + strings.Join(kinds, "|") + " [flags]"}
	}
	run, ok := reportKinds[args[0]]
	if !ok {
		return &UsageError{Msg: fmt.Sprintf("unknown report %q (want %s)", args[0], want)}
	}
	e.name = "report " + args[0]
	return run(ctx, e, args[1:])
}

// reportFlags are the flags every report takes.
type reportFlags struct {
	since  time.Duration
	asJSON bool
	// all is set when no collection was chosen (neither --collection nor
	// CITEBOT_COLLECTION): the report covers every collection.
	all bool
}

// collection is the collection the report covers, "" for all.
func (f reportFlags) collection(e *env) string {
	if f.all {
		return ""
	}
	return e.cfg.Collection
}

func (e *env) parseReport(args []string) (reportFlags, error) {
	f := reportFlags{since: 30 * 24 * time.Hour}
	var fs *flag.FlagSet
	err := e.parseNoArgs(args, false, func(s *flag.FlagSet) {
		fs = s
		s.Var(dayDuration{&f.since}, "since", "the period reported, ending now: 7d, 30d or a duration such as 48h")
		s.BoolVar(&f.asJSON, "json", false, "print one JSON object")
	}, "")
	if err != nil {
		return f, err
	}
	if f.since <= 0 {
		return f, &UsageError{Msg: "--since: must be positive"}
	}
	f.all = e.io.Getenv("CITEBOT_COLLECTION") == ""
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name == "collection" {
			f.all = false
		}
	})
	return f, nil
}

// withReporter parses a report's flags, wires a Reporter and runs fn
// with the collection ("" for all) and the start of the period.
func (e *env) withReporter(ctx context.Context, args []string,
	fn func(r *gapreport.Reporter, collection string, since time.Time, asJSON bool) error) error {
	f, err := e.parseReport(args)
	if err != nil {
		return err
	}
	svc, err := e.services(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	r, err := e.reporter(svc)
	if err != nil {
		return err
	}
	return fn(r, f.collection(e), time.Now().Add(-f.since), f.asJSON)
}

// reporter wires the reports to the store, the embedder and retrieval.
func (e *env) reporter(svc *services) (*gapreport.Reporter, error) {
	return gapreport.New(gapreport.Config{Store: svc.store, Embedder: svc.model, Retriever: svc.retriever})
}

func reportGaps(ctx context.Context, e *env, args []string) error {
	return e.withReporter(ctx, args, func(r *gapreport.Reporter, coll string, since time.Time, asJSON bool) error {
		g, err := r.Gaps(ctx, coll, since)
		if err != nil {
			return fmt.Errorf("gap report: %w", err)
		}
		if asJSON {
			return printJSON(e, g)
		}
		return gapreport.WriteGapsText(e.io.Stdout, g)
	})
}

func reportFeedback(ctx context.Context, e *env, args []string) error {
	return e.withReporter(ctx, args, func(r *gapreport.Reporter, coll string, since time.Time, asJSON bool) error {
		fb, err := r.Feedback(ctx, coll, since)
		if err != nil {
			return fmt.Errorf("feedback report: %w", err)
		}
		if asJSON {
			return printJSON(e, fb)
		}
		return gapreport.WriteFeedbackText(e.io.Stdout, fb)
	})
}
