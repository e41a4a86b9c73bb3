package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/answer"
)

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	if err := e.parseNoArgs(args, false, nil, ""); err != nil {
		return err
	}
	s, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.io.Stdout, "database is at schema version %d\n", v)
	return nil
}

func cmdSearch(ctx context.Context, e *env, args []string) error {
	var k int
	fs, err := e.parse(args, false, func(fs *flag.FlagSet) { fs.IntVar(&k, "k", 5, "passages to print") })
	if err != nil {
		return err
	}
	query := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if query == "" {
		return &UsageError{Msg: "search needs a query: citebot search \"how do I ...\""}
	}
	if k < 1 || k > 1000 {
		return &UsageError{Msg: "-k must be 1 to 1000"}
	}
	svc, err := e.services(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	if err := e.checkCollection(ctx, svc.store); err != nil {
		return err
	}
	ps, err := svc.retriever.Retrieve(ctx, e.cfg.Collection, query, k)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		fmt.Fprintf(e.io.Stdout, "No passages in collection %q match.\n", e.cfg.Collection)
	}
	l, err := e.presenter(svc).locator(ctx)
	if err != nil {
		return err
	}
	for i, p := range ps {
		printPassage(e, i+1, l.passage(ctx, p, true))
	}
	return nil
}

func printPassage(e *env, rank int, p rag.Passage) {
	fmt.Fprintf(e.io.Stdout, "%d. %s\n   score %.3f (text %.3f, vector %.3f)\n", rank, answer.SourceLine(p), p.Score, p.TextScore, p.VectorScore)
	text := strings.Join(strings.Fields(p.Text), " ")
	fmt.Fprintf(e.io.Stdout, "   %s\n\n", text)
}
