package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/eval"
	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/loader"
	"github.com/citebot/citebot/rag/retrieve"
)

func cmdEval(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return &UsageError{Msg: "eval needs a kind: eval retrieval|answers|beir|reader [flags]"}
	}
	kind, args := args[0], args[1:]
	e.name = "eval " + kind
	switch kind {
	case "retrieval":
		return evalRetrieval(ctx, e, args)
	case "answers":
		return evalAnswers(ctx, e, args)
	case "beir":
		return evalBEIR(ctx, e, args)
	case "reader":
		return evalReader(ctx, e, args)
	}
	return &UsageError{Msg: fmt.Sprintf("unknown eval kind %q (want retrieval, answers, beir or reader)", kind)}
}

// report prints an evaluation report as one JSON object or a table.
func report(e *env, asJSON bool, r eval.Report) error {
	if asJSON {
		return eval.WriteJSON(e.io.Stdout, r)
	}
	return eval.WriteTable(e.io.Stdout, r)
}

func readQA(path string) ([]eval.QAItem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open qa file: %w", err)
	}
	defer f.Close()
	return eval.ReadQA(f)
}

// qaRun is what eval retrieval and eval answers share: the QA file read,
// the output format, and the services.
type qaRun struct {
	items  []eval.QAItem
	asJSON bool
	svc    *services
}

func (e *env) qaRun(ctx context.Context, args []string, extra func(fs *flag.FlagSet)) (*qaRun, error) {
	var qa string
	r := &qaRun{}
	_, err := e.parse(args, false, func(fs *flag.FlagSet) {
		fs.StringVar(&qa, "qa", "", "QA file (JSONL)")
		fs.BoolVar(&r.asJSON, "json", false, "print one JSON object")
		if extra != nil {
			extra(fs)
		}
	})
	if err != nil {
		return nil, err
	}
	if qa == "" {
		return nil, &UsageError{Msg: e.name + " needs --qa FILE"}
	}
	if r.items, err = readQA(qa); err != nil {
		return nil, err
	}
	if r.svc, err = e.services(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

func evalRetrieval(ctx context.Context, e *env, args []string) error {
	var k int
	r, err := e.qaRun(ctx, args, func(fs *flag.FlagSet) { fs.IntVar(&k, "k", 10, "passages retrieved per question") })
	if err != nil {
		return err
	}
	defer r.svc.Close()
	if k < 1 {
		return &UsageError{Msg: "-k must be at least 1"}
	}
	rep, err := eval.RunRetrieval(ctx, r.svc.retriever, e.cfg.Collection, r.items, k)
	if err != nil {
		return err
	}
	return report(e, r.asJSON, rep)
}

func evalAnswers(ctx context.Context, e *env, args []string) error {
	var failures bool
	r, err := e.qaRun(ctx, args, func(fs *flag.FlagSet) {
		fs.BoolVar(&failures, "failures", false, "list each failing question with its retrieved passages and its answer")
	})
	if err != nil {
		return err
	}
	defer r.svc.Close()
	rep, err := eval.RunAnswers(ctx, r.svc.pipeline, e.cfg.Collection, r.items)
	if err != nil {
		return err
	}
	fails := rep.Failures
	if !failures || !r.asJSON {
		rep.Failures = nil // in JSON only on request; in text after the table
	}
	if err := report(e, r.asJSON, rep); err != nil {
		return err
	}
	if failures && !r.asJSON {
		return eval.WriteFailures(e.io.Stdout, fails)
	}
	return nil
}

func evalBEIR(ctx context.Context, e *env, args []string) error {
	var corpus, queries, qrels string
	var asJSON bool
	fs, err := e.parse(args, false, func(fs *flag.FlagSet) {
		fs.StringVar(&corpus, "corpus", "", "BEIR corpus.jsonl")
		fs.StringVar(&queries, "queries", "", "BEIR queries.jsonl")
		fs.StringVar(&qrels, "qrels", "", "BEIR qrels TSV")
		fs.BoolVar(&asJSON, "json", false, "print one JSON object")
	})
	if err != nil {
		return err
	}
	if corpus == "" || queries == "" || qrels == "" {
		return &UsageError{Msg: "eval beir needs --corpus, --queries and --qrels"}
	}
	collection := e.cfg.Collection
	if !flagSet(fs, "collection") && e.io.Getenv("CITEBOT_COLLECTION") == "" {
		// A benchmark never lands in the default collection by accident.
		collection = "beir-" + filepath.Base(filepath.Dir(mustAbs(corpus)))
	}
	in, closeAll, err := openBEIR(corpus, queries, qrels)
	if err != nil {
		return err
	}
	defer closeAll()
	in.Collection = collection
	svc, err := e.services(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	ing := textIngester{in: e.ingester(svc)}
	rep, err := eval.RunBEIR(ctx, ing, modeRetriever{r: svc.retriever, mode: e.cfg.Retrieval.Mode}, in)
	if err != nil {
		return err
	}
	if rep.Ingest.Failed > 0 {
		e.logger.WarnContext(ctx, "some benchmark documents were not ingested", "failed", rep.Ingest.Failed)
	}
	return report(e, asJSON, rep)
}

func openBEIR(corpus, queries, qrels string) (eval.BEIRInput, func(), error) {
	var in eval.BEIRInput
	qf, err := os.Open(queries)
	if err != nil {
		return in, nil, fmt.Errorf("open queries: %w", err)
	}
	defer qf.Close()
	if in.Queries, err = eval.ReadBEIRQueries(qf); err != nil {
		return in, nil, err
	}
	rf, err := os.Open(qrels)
	if err != nil {
		return in, nil, fmt.Errorf("open qrels: %w", err)
	}
	defer rf.Close()
	if in.Qrels, err = eval.ReadQrels(rf); err != nil {
		return in, nil, err
	}
	cf, err := os.Open(corpus)
	if err != nil {
		return in, nil, fmt.Errorf("open corpus: %w", err)
	}
	in.Corpus = cf
	return in, func() { cf.Close() }, nil
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func mustAbs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// modeRetriever runs retrieval in a fixed mode.
type modeRetriever struct {
	r    *retrieve.Retriever
	mode rag.Mode
}

func (m modeRetriever) Retrieve(ctx context.Context, collection, query string, k int) ([]rag.Passage, error) {
	return m.r.RetrieveMode(ctx, collection, query, k, m.mode)
}

// textIngester ingests benchmark documents given as text.
type textIngester struct{ in *ingest.Ingester }

func (t textIngester) IngestText(ctx context.Context, collection string, docs []eval.TextDoc) (eval.IngestStats, error) {
	loaded := make([]*loader.Document, 0, len(docs))
	var stats eval.IngestStats
	for _, d := range docs {
		doc, err := loader.Load(ctx, "doc.txt", strings.NewReader(d.Text), loader.Options{})
		if err != nil {
			stats.Failed++
			continue
		}
		doc.Source, doc.Title = d.Source, d.Title
		loaded = append(loaded, doc)
	}
	sum, err := t.in.IngestDocuments(ctx, collection, loaded, ingest.Options{})
	stats.Added, stats.Updated, stats.Unchanged, stats.Chunks = sum.Added, sum.Updated, sum.Unchanged, sum.Chunks
	stats.Failed += sum.Failed
	return stats, err
}
