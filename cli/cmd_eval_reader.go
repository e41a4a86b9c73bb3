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

// evalReader fits the extractive reader's sentence weights on QA files
// asked of their collections and reports its lead rates, in sample and
// leave-one-document-out; --out writes the weights file that
// rag/answer embeds.
func evalReader(ctx context.Context, e *env, args []string) error {
	var sets setList
	var out string
	var asJSON bool
	var l2 float64
	if err := e.parseNoArgs(args, false, func(fs *flag.FlagSet) {
		fs.Var(&sets, "set", "COLLECTION=QAFILE to fit on (repeatable)")
		fs.StringVar(&out, "out", "", "write the fitted weights to this file (rag/answer/reader_weights.json)")
		fs.BoolVar(&asJSON, "json", false, "print one JSON object")
		fs.Float64Var(&l2, "l2", 0.001, "L2 weight of the fit")
	}, ""); err != nil {
		return err
	}
	if len(sets) == 0 {
		return &UsageError{Msg: "eval reader needs at least one --set COLLECTION=QAFILE"}
	}
	var rs []eval.ReaderSet
	for _, s := range sets {
		coll, path, ok := strings.Cut(s, "=")
		if !ok || coll == "" || path == "" {
			return &UsageError{Msg: fmt.Sprintf("--set %q: want COLLECTION=QAFILE", s)}
		}
		items, err := readQA(path)
		if err != nil {
			return err
		}
		rs = append(rs, eval.ReaderSet{Collection: coll, Items: items})
	}
	svc, err := e.services(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	fit, err := eval.FitReader(ctx, svc.pipeline, rs, l2)
	if err != nil {
		return err
	}
	fit.Weights.Command = "citebot eval reader --l2 " + fmt.Sprint(l2) + " --set " + strings.Join(sets, " --set ")
	if out != "" {
		if err := writeWeights(out, fit); err != nil {
			return err
		}
	}
	return report(e, asJSON, fit)
}

func writeWeights(path string, fit eval.ReaderFit) error {
	b, err := json.MarshalIndent(fit.Weights, "", "  ")
	if err != nil {
		return fmt.Errorf("encode weights: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write weights: %w", err)
	}
	return nil
}
