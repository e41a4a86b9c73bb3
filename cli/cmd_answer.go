package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/citebot/citebot/bot/ops"
	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/answer"
	"github.com/citebot/citebot/rag/answer/llm"
)

// pipeline builds the answer pipeline: with an LLM when --llm-url is set,
// else extractive.
func (e *env) pipeline(svc *services) (*answer.Pipeline, error) {
	cfg := answer.DefaultConfig()
	cfg.Retriever = ops.InstrumentRetriever(svc.retriever, e.metrics)
	cfg.Embedder = svc.model
	cfg.Chunks = svc.store
	cfg.Cache = svc.store
	cfg.Logger = e.logger
	cfg.MaxQuestionLen = e.cfg.MaxQuestion
	cfg.AllowGeneralKnowledge = e.cfg.AllowGeneralKnowledge
	if e.cfg.LLMURL != "" {
		c, err := llm.New(llm.Config{BaseURL: e.cfg.LLMURL, Model: e.cfg.LLMModel, APIKey: e.cfg.LLMKey,
			Temperature: float32(e.cfg.LLMTemperature), MaxTokens: e.cfg.LLMMaxTokens, Timeout: e.cfg.LLMTimeout,
			Logger: e.logger})
		if err != nil {
			return nil, fmt.Errorf("llm: %w", err)
		}
		cfg.LLM = ops.InstrumentChat(c, e.metrics)
	}
	p, err := answer.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("answer pipeline: %w", err)
	}
	return p, nil
}

func cmdAsk(ctx context.Context, e *env, args []string) error {
	var asJSON bool
	fs, err := e.parse(args, false, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the result structure as JSON")
	})
	if err != nil {
		return err
	}
	question := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(question) == "" {
		return &UsageError{Msg: `ask needs a question: citebot ask "how do I ..."`}
	}
	svc, err := e.services(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	if err := e.checkCollection(ctx, svc.store); err != nil {
		return err
	}
	began := time.Now()
	a, err := svc.pipeline.Answer(ctx, rag.Request{Collection: e.cfg.Collection, Question: question}, nil)
	if err != nil {
		return fmt.Errorf("ask: %w", err)
	}
	recordAnswer(ctx, e.logger, svc.store, cliAnswer(surfaceAsk, kindAsk, e.cfg.Collection, a.Question, a, time.Since(began)))
	pr := e.presenter(svc)
	if asJSON {
		return printJSON(e, pr.locate(ctx, a, false))
	}
	fmt.Fprintln(e.io.Stdout, strings.TrimRight(pr.markdown(pr.locate(ctx, a, true)), "\n"))
	return nil
}
