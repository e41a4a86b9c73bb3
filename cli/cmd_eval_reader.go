package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/citebot/citebot/rag/eval"
)

// setList is a repeatable --set COLLECTION=QAFILE flag.
type setList []string

func (s *setList) String() string     { return strings.Join(*s, ",") }
func (s *setList) Set(v string) error { *s = append(*s, v); return nil }

// readerFlags are eval reader's flags.
type readerFlags struct {
	sets             setList
	out, cases, from string
	asJSON           bool
	l2               float64
}

// evalReader fits the extractive reader's sentence weights on QA files
// asked of their collections (or on cases saved by an earlier run) and
// reports its lead rates, in sample and leave-one-document-out; --out
// writes the weights file that rag/answer embeds.
func evalReader(ctx context.Context, e *env, args []string) error {
	var f readerFlags
	if err := e.parseNoArgs(args, false, func(fs *flag.FlagSet) {
		fs.Var(&f.sets, "set", "COLLECTION=QAFILE to fit on (repeatable)")
		fs.StringVar(&f.out, "out", "", "write the fitted weights to this file (rag/answer/reader_weights.json)")
		fs.StringVar(&f.cases, "cases", "", "also write the labelled sentences read to this file (JSON Lines)")
		fs.StringVar(&f.from, "from", "", "fit on the cases in this file (written by --cases) instead of asking")
		fs.BoolVar(&f.asJSON, "json", false, "print one JSON object")
		fs.Float64Var(&f.l2, "l2", 0.001, "L2 weight of the fit")
	}, ""); err != nil {
		return err
	}
	if len(f.sets) == 0 && f.from == "" {
		return &UsageError{Msg: "eval reader needs at least one --set COLLECTION=QAFILE, or --from FILE"}
	}
	cases, err := readerCases(ctx, e, f)
	if err != nil {
		return err
	}
	fit, err := eval.FitCases(cases, f.l2)
	if err != nil {
		return err
	}
	fit.Weights.Command = fmt.Sprintf("citebot eval reader --l2 %g", f.l2)
	for _, s := range f.sets {
		fit.Weights.Command += " --set " + s
	}
	if f.from != "" {
		fit.Weights.Command += " --from " + f.from
	}
	if f.out != "" {
		if err := writeJSONFile(f.out, fit.Weights); err != nil {
			return err
		}
	}
	return report(e, f.asJSON, fit)
}

// readerCases reads the cases from --from, or asks the --set questions
// of their collections (saving them to --cases when set).
func readerCases(ctx context.Context, e *env, f readerFlags) ([]eval.ReaderCase, error) {
	if f.from != "" {
		in, err := os.Open(f.from)
		if err != nil {
			return nil, fmt.Errorf("open reader cases: %w", err)
		}
		defer in.Close()
		return eval.ReadCasesFrom(in)
	}
	var rs []eval.ReaderSet
	for _, s := range f.sets {
		coll, path, ok := strings.Cut(s, "=")
		if !ok || coll == "" || path == "" {
			return nil, &UsageError{Msg: fmt.Sprintf("--set %q: want COLLECTION=QAFILE", s)}
		}
		items, err := readQA(path)
		if err != nil {
			return nil, err
		}
		rs = append(rs, eval.ReaderSet{Collection: coll, Items: items})
	}
	svc, err := e.services(ctx)
	if err != nil {
		return nil, err
	}
	defer svc.Close()
	cases, err := eval.ReadCases(ctx, svc.pipeline, rs)
	if err != nil || f.cases == "" {
		return cases, err
	}
	out, err := os.Create(f.cases)
	if err != nil {
		return nil, fmt.Errorf("create reader cases: %w", err)
	}
	if err := eval.WriteCases(out, cases); err != nil {
		out.Close()
		return nil, err
	}
	return cases, out.Close()
}

// writeJSONFile writes v as indented JSON.
func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
