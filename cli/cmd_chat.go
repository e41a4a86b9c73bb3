package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/citebot/citebot/bot/ops"
	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/answer"
	"github.com/citebot/citebot/rag/store"
)

func cmdChat(ctx context.Context, e *env, args []string) error {
	if err := e.parseNoArgs(args, false, nil, ""); err != nil {
		return err
	}
	return e.chat(ctx)
}

// chatHelp is what /help prints.
const chatHelp = `Type a question and press Enter; follow-up questions see the earlier ones.
  /summary [topic]  summarise the collection, or what it says about a topic
  /sources          the passages behind the last answer or summary
  /help             this list
  /quit             end the chat (so do Ctrl-D, and Ctrl-C when no question is running)
Ctrl-C while a question runs cancels it.`

// chat runs the terminal conversation until /quit, end of input or Ctrl-C
// while idle.
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
	if err := e.checkCollection(ctx, svc.store); err != nil {
		return err
	}
	c := &chatSession{p: svc.pipeline, collection: e.cfg.Collection, out: e.io.Stdout,
		pr: e.presenter(svc), quit: make(chan struct{}, 1), scrub: ops.NewScrubber(e.secrets()...),
		record: func(ctx context.Context, row store.Answer) { recordAnswer(ctx, e.logger, svc.store, row) }}
	e.onInterrupt(c.interrupt)
	defer e.onInterrupt(nil)
	fmt.Fprintf(e.io.Stdout, "citebot chat on collection %q. Ask a question; /help lists the commands.\n", c.collection)
	return c.loop(ctx, e.io.Stdin)
}

// maxHistory is how many earlier turns a chat keeps for follow-ups.
const maxHistory = 6

type chatSession struct {
	p          *answer.Pipeline
	collection string
	out        io.Writer
	pr         *presenter
	history    []rag.Turn
	last       *rag.Answer
	scrub      *ops.Scrubber // errors are shown whole, without a configured secret
	// record stores an answer given (the answers table), as Discord's are.
	record func(context.Context, store.Answer)

	mu sync.Mutex
	// cancel ends the question in flight; nil while idle.
	cancel context.CancelFunc
	// quit receives an interrupt that came while idle.
	quit chan struct{}
}

// interrupt is Ctrl-C: it cancels the question in flight, or ends an idle
// chat.
func (c *chatSession) interrupt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancel != nil {
		c.cancel()
		c.cancel = nil
		return
	}
	select {
	case c.quit <- struct{}{}:
	default:
	}
}

func (c *chatSession) loop(ctx context.Context, in io.Reader) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	lines, readErr := readLines(ctx, in)
	for {
		fmt.Fprint(c.out, "> ")
		if ctx.Err() != nil {
			fmt.Fprintln(c.out)
			return nil
		}
		var line string
		select {
		case <-ctx.Done():
			fmt.Fprintln(c.out)
			return nil
		case <-c.quit:
			fmt.Fprintln(c.out)
			return nil
		case l, ok := <-lines:
			if !ok {
				fmt.Fprintln(c.out)
				return readErr()
			}
			line = strings.TrimSpace(l)
		}
		if line != "" && c.run(ctx, line) {
			return nil
		}
	}
}

// readLines reads in on its own goroutine, so that an interrupt can end the
// chat while a read blocks. The returned function reports the read error
// once the channel is closed.
func readLines(ctx context.Context, in io.Reader) (<-chan string, func() error) {
	out := make(chan string)
	var err error
	go func() {
		defer close(out)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			select {
			case out <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		err = sc.Err()
	}()
	return out, func() error { return err }
}

// run handles one line under a context that an interrupt cancels,
// reporting whether the chat should end.
func (c *chatSession) run(ctx context.Context, line string) bool {
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.mu.Lock()
	c.cancel = cancel
	c.mu.Unlock()
	quit := c.handle(qctx, line)
	c.mu.Lock()
	c.cancel = nil
	c.mu.Unlock()
	return quit
}

// handle runs one line of input, reporting whether the chat should end.
func (c *chatSession) handle(ctx context.Context, line string) bool {
	cmd, rest, _ := strings.Cut(line, " ")
	switch cmd {
	case "/quit", "/exit":
		return true
	case "/help", "/?":
		fmt.Fprintf(c.out, "%s\n\n", chatHelp)
		return false
	case "/sources":
		c.printSources()
		return false
	case "/summary":
		began, topic := time.Now(), strings.TrimSpace(rest)
		a, err := c.p.Summarize(ctx, c.collection, "", topic)
		c.show(ctx, a, err)
		if err == nil {
			c.record(ctx, cliAnswer(surfaceChat, kindSummary, c.collection, strings.TrimSpace("summary: "+topic), a, time.Since(began)))
		}
		return false
	}
	if strings.HasPrefix(cmd, "/") {
		fmt.Fprintf(c.out, "Unknown command %s; /help lists the commands.\n\n", cmd)
		return false
	}
	began := time.Now()
	a, err := c.p.Answer(ctx, rag.Request{Collection: c.collection, Question: line, History: c.history}, nil)
	c.show(ctx, a, err)
	if err == nil {
		c.record(ctx, cliAnswer(surfaceChat, kindAsk, c.collection, a.Question, a, time.Since(began)))
		c.history = append(c.history, rag.Turn{Question: line, Answer: a.Text})
		if len(c.history) > maxHistory {
			c.history = c.history[len(c.history)-maxHistory:]
		}
	}
	return false
}

// show prints an answer or what went wrong; the answer, located, is what
// /sources lists next.
func (c *chatSession) show(ctx context.Context, a *rag.Answer, err error) {
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprint(c.out, "Cancelled.\n\n")
	case errors.Is(err, answer.ErrEmptyQuestion), errors.Is(err, answer.ErrQuestionTooLong):
		fmt.Fprintf(c.out, "%v\n\n", err)
	case err != nil:
		fmt.Fprintf(c.out, "Sorry, that did not work: %v\n\n", c.scrub.Error(err))
	default:
		c.last = c.pr.locate(ctx, a, true)
		fmt.Fprintf(c.out, "%s\n\n", strings.TrimRight(c.pr.markdown(c.last), "\n"))
	}
}

func (c *chatSession) printSources() {
	if c.last == nil || len(c.last.Sources) == 0 {
		fmt.Fprintln(c.out, "No sources yet: ask a question first.")
		return
	}
	for _, s := range c.last.Sources {
		fmt.Fprintf(c.out, "[%d] %s\n%s\n\n", s.N, answer.SourceLine(s.Passage), strings.TrimSpace(s.Passage.Text))
	}
}
