// Package cli is citebot's command line: it parses and validates the
// configuration once, wires the concrete store, embedder, retriever and
// answerer, and runs a subcommand.
//
// It is a top-level folder of its own because the command line fits none of
// the others: it wires bot (the Discord layer), rag (ingestion, retrieval,
// answers, evaluation) and embeddings together, and most of its subcommands
// (ingest, search, ask, eval, migrate) have nothing to do with Discord. main
// only calls Run.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/citebot/citebot/bot/ops"
	"github.com/citebot/citebot/rag/loader"
	"github.com/citebot/citebot/rag/store"
)

// UsageError is a mistake in the command line; the process exits 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// IO is the process's environment as the commands see it.
type IO struct {
	Args   []string
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Dir is the working directory, where the project's database is looked for.
	Dir string
	// Interrupt delivers Ctrl-C (SIGINT); nil when there is none. A chat
	// cancels the question in flight with it; every other command ends.
	Interrupt <-chan os.Signal
	// Executable is the citebot binary, re-run to parse PDFs in a process
	// of their own; empty, PDFs are parsed in this process.
	Executable string
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() map[string]command {
	cmds := map[string]command{
		"migrate": {summary: "apply database migrations", run: cmdMigrate},
		"ingest":  {summary: "ingest files, directories, URLs, sites and git repositories: ingest [--collection NAME] [--prune] [--crawl] [--git] PATH|URL|git+URL...", run: cmdIngest},
		"sync":    {summary: "re-read every remembered source: sync [--collection NAME]", run: cmdSync},
		"search":  {summary: "print ranked passages: search [--collection NAME] [-k N] [--mode hybrid|vector|text] QUERY", run: cmdSearch},
		"ask":     {summary: "print a cited answer: ask [--collection NAME] [--json] QUESTION", run: cmdAsk},
		"chat":    {summary: "interactive questions with history (/summary, /sources, /quit)", run: cmdChat},
		"eval":    {summary: "evaluate: eval retrieval|answers --qa FILE, eval beir --corpus --queries --qrels, eval reader --set COLL=FILE", run: cmdEval},
		"console": {summary: consoleHelp, run: cmdConsole},
		"serve":   {summary: "run the Discord bot (the terminal chat when DISCORD_TOKEN is unset)", run: cmdServe},
		"jobs":    {summary: "list background ingest jobs: jobs [--state queued|running|done|failed] [--json]", run: cmdJobs},
		"version": {summary: "print the version", run: cmdVersion},
	}
	maps.Copy(cmds, libraryCommands())
	return cmds
}

// Run runs the subcommand named by io.Args[0].
func Run(ctx context.Context, io IO) error {
	cmds := commands()
	if len(io.Args) == 0 {
		printUsage(io.Stderr, cmds)
		return &UsageError{Msg: "no command given"}
	}
	name, args := io.Args[0], io.Args[1:]
	switch name {
	case loader.PDFWorkerCommand: // hidden: run by ingestion itself
		return loader.RunPDFWorker(ctx, io.Stdin, io.Stdout)
	case "help", "-h", "-help", "--help":
		printUsage(io.Stdout, cmds)
		return nil
	}
	cmd, ok := cmds[name]
	if !ok {
		printUsage(io.Stderr, cmds)
		return &UsageError{Msg: fmt.Sprintf("unknown command %q", name)}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e := &env{io: io, name: name}
	defer e.routeInterrupts(cancel)()
	err := cmd.run(ctx, e, args)
	// The error is printed whole: no configured secret may show in it,
	// whatever a server echoed.
	return ops.NewScrubber(e.secrets()...).Error(err)
}

// routeInterrupts hands each Ctrl-C to the handler a command installed
// with onInterrupt, or else cancels the command. It returns a function
// that stops the routing.
func (e *env) routeInterrupts(cancel context.CancelFunc) (stop func()) {
	done := make(chan struct{})
	if e.io.Interrupt == nil {
		return func() {}
	}
	go func() {
		for {
			select {
			case <-done:
				return
			case <-e.io.Interrupt:
				if h := e.interrupt.Load(); h != nil {
					(*h)()
				} else {
					cancel()
				}
			}
		}
	}()
	return func() { close(done) }
}

// onInterrupt makes h receive Ctrl-C instead of ending the command; nil
// restores the default.
func (e *env) onInterrupt(h func()) {
	if h == nil {
		e.interrupt.Store(nil)
		return
	}
	e.interrupt.Store(&h)
}

func printUsage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "citebot answers questions about your documents, citing the passages it used.")
	fmt.Fprintln(w, "\nUsage: citebot COMMAND [flags] [args]\n\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "  %-11s %s\n", "help", "list the commands")
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun `citebot COMMAND -h` for a command's flags. Settings come from flags or environment variables (see README.md).")
}

// env is what a command runs with: the process's IO and, once parsed, the
// configuration and a logger.
type env struct {
	io     IO
	name   string
	cfg    Config
	logger *slog.Logger
	// metrics is set when serving with --metrics-addr; nil records nothing.
	metrics *ops.Metrics
	// interrupt, when set, receives Ctrl-C instead of the command ending.
	interrupt atomic.Pointer[func()]
}

// parse reads a command's flags and the environment, validates them once,
// and sets up logging. extra registers the command's own flags.
// parseNoArgs is parse for a command that takes no arguments: any is a
// usage error, followed by hint when there is one.
func (e *env) parseNoArgs(args []string, serve bool, extra func(fs *flag.FlagSet), hint string) error {
	fs, err := e.parse(args, serve, extra)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		msg := e.name + " takes no arguments"
		if hint != "" {
			msg += "; " + hint
		}
		return &UsageError{Msg: msg}
	}
	return nil
}

func (e *env) parse(args []string, serve bool, extra func(fs *flag.FlagSet)) (*flag.FlagSet, error) {
	fs := flag.NewFlagSet("citebot "+e.name, flag.ContinueOnError)
	fs.SetOutput(e.io.Stderr)
	b := &binder{fs: fs, env: e.io.Getenv}
	b.common(&e.cfg)
	if serve {
		b.serve(&e.cfg)
	} else {
		e.cfg.ShardCount = 1
	}
	if e.name == "console" {
		b.console(&e.cfg, true)
	}
	shared := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { shared[f.Name] = true })
	if extra != nil {
		extra(fs)
	}
	fs.Usage = func() { printFlags(fs, e.name, shared) }
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, &UsageError{Msg: "help requested"}
		}
		return nil, &UsageError{Msg: err.Error()}
	}
	// Reparse the positional arguments alone, so that fs.Args() has them.
	if err := fs.Parse(append([]string{"--"}, positional...)); err != nil {
		return nil, &UsageError{Msg: err.Error()}
	}
	if err := e.cfg.validate(b.errs); err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	e.logger = newLogger(e.io.Stderr, e.cfg.LogLevel, e.secrets()...)
	return fs, nil
}

// parseInterspersed lets flags follow positional arguments, as in
// `citebot ingest docs/ --prune`; "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// newLogger logs text on a terminal and JSON otherwise.
// Every record carries the request id of its question and has the
// configured secrets replaced.
func newLogger(w io.Writer, level string, secrets ...string) *slog.Logger {
	return newLoggerTo(w, isTerminal(w), level, secrets...)
}

// newLoggerTo logs text when text is set, else JSON.
func newLoggerTo(w io.Writer, text bool, level string, secrets ...string) *slog.Logger {
	var lv slog.Level
	lv.UnmarshalText([]byte(strings.ToUpper(level)))
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if text {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(ops.Redact(ops.RequestIDHandler(h), secrets...))
}

// secrets are the configured values that logs must never show.
func (e *env) secrets() []string {
	s := []string{e.cfg.DiscordToken, e.cfg.LLMKey, e.cfg.EmbedKey, e.io.Getenv("OPENAI_API_KEY"),
		e.cfg.ConsoleToken, e.cfg.ConsoleSecret, e.cfg.DiscordClientSecret}
	dbURL := e.cfg.DatabaseURL
	if dbURL == "" {
		dbURL, _ = store.LocateURL(e.io.Getenv, e.io.Dir, e.binDir())
	}
	if u, err := url.Parse(dbURL); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			s = append(s, pw)
		}
	}
	return s
}

func cmdVersion(_ context.Context, e *env, args []string) error {
	if len(args) > 0 {
		return &UsageError{Msg: "version takes no arguments"}
	}
	fmt.Fprintln(e.io.Stdout, "citebot", Version())
	return nil
}

// Version reports the module version and the commit the binary was built
// from, as the Go toolchain recorded them.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev == "" {
		return v + " (no VCS revision recorded: built outside git or with -buildvcs=false)"
	}
	return v + " (" + rev[:min(12, len(rev))] + dirty + ")"
}
