package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

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
	a, err := svc.pipeline.Answer(ctx, rag.Request{Collection: e.cfg.Collection, Question: question}, nil)
	if err != nil {
		return fmt.Errorf("ask: %w", err)
	}
	if asJSON {
		enc := json.NewEncoder(e.io.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(a)
	}
	fmt.Fprintln(e.io.Stdout, answer.Markdown(a))
	return nil
}

func cmdChat(ctx context.Context, e *env, args []string) error {
	fs, err := e.parse(args, false, nil)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &UsageError{Msg: "chat takes no arguments"}
	}
	return e.chat(ctx)
}

// chat runs the terminal conversation until /quit or end of input.
func (e *env) chat(ctx context.Context) error {
	if strings.EqualFold(e.cfg.LogLevel, "info") {
		// Per-question log lines would interleave with the conversation.
		e.logger = newLogger(e.io.Stderr, "warn", e.secrets()...)
	}
	svc, err := e.services(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	c := &chatSession{p: svc.pipeline, collection: e.cfg.Collection, out: e.io.Stdout, scrub: ops.NewScrubber(e.secrets()...)}
	fmt.Fprintf(e.io.Stdout, "citebot chat on collection %q. Ask a question; /summary [topic], /sources, /quit.\n", c.collection)
	return c.loop(ctx, e.io.Stdin)
}

// maxHistory is how many earlier turns a chat keeps for follow-ups.
const maxHistory = 6

type chatSession struct {
	p          *answer.Pipeline
	collection string
	out        io.Writer
	history    []rag.Turn
	last       *rag.Answer
	scrub      *ops.Scrubber // errors are shown whole, without a configured secret
}

func (c *chatSession) loop(ctx context.Context, in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for {
		fmt.Fprint(c.out, "> ")
		if !sc.Scan() {
			fmt.Fprintln(c.out)
			return sc.Err()
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if quit := c.handle(ctx, line); quit {
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// handle runs one line of input, reporting whether the chat should end.
func (c *chatSession) handle(ctx context.Context, line string) bool {
	cmd, rest, _ := strings.Cut(line, " ")
	switch cmd {
	case "/quit", "/exit":
		return true
	case "/sources":
		c.printSources()
		return false
	case "/summary":
		a, err := c.p.Summarize(ctx, c.collection, "", strings.TrimSpace(rest))
		c.show(a, err)
		return false
	}
	a, err := c.p.Answer(ctx, rag.Request{Collection: c.collection, Question: line, History: c.history}, nil)
	c.show(a, err)
	if err == nil {
		c.last = a
		c.history = append(c.history, rag.Turn{Question: line, Answer: a.Text})
		if len(c.history) > maxHistory {
			c.history = c.history[len(c.history)-maxHistory:]
		}
	}
	return false
}

func (c *chatSession) show(a *rag.Answer, err error) {
	switch {
	case errors.Is(err, answer.ErrEmptyQuestion), errors.Is(err, answer.ErrQuestionTooLong):
		fmt.Fprintf(c.out, "%v\n\n", err)
	case err != nil:
		fmt.Fprintf(c.out, "Sorry, that did not work: %v\n\n", c.scrub.Error(err))
	default:
		fmt.Fprintf(c.out, "%s\n\n", answer.Markdown(a))
	}
}

func (c *chatSession) printSources() {
	if c.last == nil || len(c.last.Sources) == 0 {
		fmt.Fprintln(c.out, "No sources yet: ask a question first.")
		return
	}
	for _, s := range c.last.Sources {
		fmt.Fprintf(c.out, "[%d] %s — %s\n%s\n\n", s.N, s.Passage.Title, s.Passage.Source, strings.TrimSpace(s.Passage.Text))
	}
}
