package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/source"
	"github.com/citebot/citebot/rag/store"
)

// ErrIngestFailures is returned when some sources could not be ingested;
// the others were.
type ErrIngestFailures struct{ N int }

func (e *ErrIngestFailures) Error() string {
	return fmt.Sprintf("%d source(s) could not be ingested", e.N)
}

// ingestFlags are ingest's own flags.
type ingestFlags struct {
	prune, exact, crawl, git, queue bool
	depth, maxPages                 int
}

// on registers the flags that a queued ingest carries too.
func (f *ingestFlags) on(fs *flag.FlagSet) {
	fs.BoolVar(&f.prune, "prune", false, "remove documents of the collection whose file is gone")
	fs.BoolVar(&f.crawl, "crawl", false, "crawl each URL's site: its sitemap.xml, else same-host links under the URL's path")
	fs.IntVar(&f.depth, "depth", source.DefaultDepth, "with --crawl and no sitemap: how many links away from the URL to go")
	fs.IntVar(&f.maxPages, "max-pages", source.DefaultMaxPages, "with --crawl: most pages fetched per crawl")
	fs.BoolVar(&f.git, "git", false, "each PATH is a local git repository: ingest its committed files")
}

func cmdIngest(ctx context.Context, e *env, args []string) error {
	var f ingestFlags
	var g gateFlags
	fs, err := e.parse(args, false, func(fs *flag.FlagSet) {
		f.on(fs)
		fs.BoolVar(&f.queue, "queue", false, "queue it as a background job that a running citebot serve runs (see citebot jobs)")
		fs.BoolVar(&f.exact, "exact", false, "make the collection hold exactly these sources: remove every other document (uploads included) and remembered source")
		g.on(fs)
	})
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return &UsageError{Msg: "ingest needs at least one PATH or URL"}
	}
	paths, specs, err := ingestSpecs(fs.Args(), f, e.cfg.CrawlDelay)
	if err != nil {
		return err
	}
	if f.exact && f.queue {
		return &UsageError{Msg: "--exact runs here and now; it cannot be queued"}
	}
	if err := g.check(f); err != nil {
		return err
	}
	if g.gate != "" {
		return e.gatedIngest(ctx, paths, specs, f, g)
	}
	if f.queue {
		return e.queueIngest(ctx, fs.Args(), f)
	}
	if f.exact {
		if err := checkPaths(e.io.Dir, paths); err != nil {
			return err
		}
	}
	svc, err := e.services(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	failed := 0
	if len(specs) > 0 {
		sum, err := e.sourceRunner(svc).Add(ctx, e.cfg.Collection, specs, syncProgress(e.io.Stderr))
		printSyncSummary(e.io.Stdout, sum)
		if err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
		failed += sum.Failed
	}
	if len(paths) > 0 || f.exact {
		opt := ingest.Options{Prune: f.prune}
		if f.exact {
			if opt, err = e.exactOptions(ctx, svc.store, specs); err != nil {
				return err
			}
		}
		n, err := e.ingestPaths(ctx, svc, e.cfg.Collection, paths, opt, e.io.Stdout)
		if err != nil {
			return err
		}
		failed += n
	}
	if f.exact {
		if err := e.forgetOtherSources(ctx, svc.store, paths, specs); err != nil {
			return err
		}
	}
	if failed > 0 {
		return &ErrIngestFailures{N: failed}
	}
	return nil
}

// ingestPaths ingests files and folders into collection coll and
// remembers those that exist as its sources, printing the summary to out.
// It returns how many sources failed.
func (e *env) ingestPaths(ctx context.Context, svc *services, coll string, paths []string, opt ingest.Options, out io.Writer) (int, error) {
	bar := newProgressBar(e.io.Stderr, isTerminal(e.io.Stderr))
	if bar.tty {
		// Log records go above the bar instead of through it.
		logger := e.logger
		e.logger = newLoggerTo(bar, true, e.cfg.LogLevel, e.secrets()...)
		defer func() { e.logger = logger }()
	}
	opt.Progress = bar.update
	sum, err := e.ingester(svc).Ingest(ctx, coll, paths, opt)
	bar.finish()
	printSummary(out, e.cfg.Collection, sum)
	if err != nil {
		return 0, fmt.Errorf("ingest: %w", err)
	}
	var remember []source.Spec
	for _, p := range paths {
		if abs, err := filepath.Abs(p); err == nil {
			if _, err := os.Stat(abs); err == nil {
				remember = append(remember, source.Spec{Kind: store.SourceKindPath, Location: abs})
			}
		}
	}
	if err := e.sourceRunner(svc).Remember(ctx, coll, remember); err != nil {
		return 0, fmt.Errorf("ingest: %w", err)
	}
	return sum.Failed, nil
}

// ingestSpecs sorts the arguments into files and folders, ingested
// directly, and sources read by the source runner: URLs, crawls and git
// repositories.
func ingestSpecs(args []string, f ingestFlags, delay time.Duration) ([]string, []source.Spec, error) {
	switch {
	case f.depth < 0:
		return nil, nil, &UsageError{Msg: "--depth must not be negative"}
	case f.maxPages < 1:
		return nil, nil, &UsageError{Msg: "--max-pages must be positive"}
	case f.crawl && f.git:
		return nil, nil, &UsageError{Msg: "--crawl and --git do not go together"}
	}
	var paths []string
	var specs []source.Spec
	for _, a := range args {
		web := strings.HasPrefix(a, "http://") || strings.HasPrefix(a, "https://")
		switch {
		case strings.HasPrefix(a, "git+"):
			if !strings.HasPrefix(a, "git+https://") && !strings.HasPrefix(a, "git+http://") {
				return nil, nil, &UsageError{Msg: fmt.Sprintf("%s: a repository URL starts with git+https://", a)}
			}
			specs = append(specs, source.Spec{Kind: store.SourceKindGit, Location: a})
		case f.git && web:
			return nil, nil, &UsageError{Msg: fmt.Sprintf("%s: --git takes local repository paths; write git+%s for a remote one", a, a)}
		case f.git:
			abs, err := filepath.Abs(a)
			if err != nil {
				return nil, nil, fmt.Errorf("ingest %s: %w", a, err)
			}
			specs = append(specs, source.Spec{Kind: store.SourceKindGit, Location: abs})
		case f.crawl && !web:
			return nil, nil, &UsageError{Msg: fmt.Sprintf("%s: --crawl takes http(s) URLs", a)}
		case f.crawl:
			specs = append(specs, source.Spec{Kind: store.SourceKindCrawl, Location: a,
				Crawl: source.CrawlOptions{Depth: crawlDepth(f.depth), MaxPages: f.maxPages, Delay: delay}})
		case web:
			specs = append(specs, source.Spec{Kind: store.SourceKindURL, Location: a})
		default:
			paths = append(paths, a)
		}
	}
	return paths, specs, nil
}

// crawlDepth stores --depth 0 (the start page alone) as -1, since a zero
// CrawlOptions.Depth means the default.
func crawlDepth(d int) int {
	if d == 0 {
		return -1
	}
	return d
}

// syncProgress prints a line per source read and, at most every two
// seconds, the page or file being read.
func syncProgress(w io.Writer) func(source.Progress) {
	var last time.Time
	return func(p source.Progress) {
		r := p.Result
		if p.Page != "" {
			if time.Since(last) >= 2*time.Second {
				last = time.Now()
				fmt.Fprintf(w, "sync %d/%d: %s %s: reading %s\n", p.Done+1, p.Total, r.Kind, r.Location, p.Page)
			}
			return
		}
		fmt.Fprintf(w, "sync %d/%d: %s %s: %d added, %d changed, %d unchanged, %d removed, %d failed\n",
			p.Done, p.Total, r.Kind, r.Location, r.Added, r.Changed, r.Unchanged, r.Removed, r.Failed)
	}
}

// printSyncSummary lists each failure, then the totals.
func printSyncSummary(w io.Writer, s source.Summary) {
	for _, r := range s.Sources {
		for _, f := range r.Failures {
			fmt.Fprintf(w, "failed: %q: %s\n", f.Source, oneLine(f.Err))
		}
		if r.Pruned {
			fmt.Fprintf(w, "pruned: %s %s (failed two syncs in a row)\n", r.Kind, r.Location)
		}
	}
	fmt.Fprintf(w, "%d source(s): %d added, %d changed, %d unchanged, %d removed, %d failed in %s\n",
		len(s.Sources), s.Added, s.Changed, s.Unchanged, s.Removed, s.Failed, s.Elapsed.Round(time.Millisecond))
}

// printSummary lists failures, skips and notes, names quoted so that no
// file name can forge a line, then the counts.
func printSummary(w io.Writer, collection string, s ingest.Summary) {
	for _, list := range []struct {
		what string
		fs   []ingest.Failure
	}{{"failed", s.Failures}, {"skipped", s.Skips}, {"note", s.Notes}} {
		for _, f := range list.fs {
			fmt.Fprintf(w, "%s: %q: %s\n", list.what, f.Source, oneLine(strings.TrimPrefix(f.Err, "load "+f.Source+": ")))
		}
	}
	fmt.Fprintf(w, "collection %q: %d added, %d changed, %d unchanged, %d removed, %d failed, %d skipped; %d chunks (%d embedded) in %s\n",
		collection, s.Added, s.Updated, s.Unchanged, s.Removed, s.Failed, s.Skipped, s.Chunks, s.Embedded, s.Elapsed.Round(time.Millisecond))
}

// oneLine escapes control characters, as %q would without the quotes,
// so that an error quoting a file name stays on one line.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// progressBar draws ingest progress on a terminal, or logs plain lines.
type progressBar struct {
	w    io.Writer
	tty  bool
	last time.Time
	drew bool
	mu   sync.Mutex // update and Write may come from different goroutines
	line string     // the bar as last drawn
}

func newProgressBar(w io.Writer, tty bool) *progressBar { return &progressBar{w: w, tty: tty} }

func (b *progressBar) update(p ingest.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if p.Done < p.Total && now.Sub(b.last) < 200*time.Millisecond && b.tty {
		return
	}
	if !b.tty && p.Done < p.Total && now.Sub(b.last) < 2*time.Second {
		return
	}
	b.last = now
	b.line = progressLine(p, b.tty)
	fmt.Fprint(b.w, b.line)
	b.drew = true
}

// progressLine renders files, chunks, chunks/s and the ETA.
func progressLine(p ingest.Progress, tty bool) string {
	rate := 0.0
	if s := p.Elapsed.Seconds(); s > 0 {
		rate = float64(p.Chunks) / s
	}
	eta := "?"
	if p.Done > 0 {
		eta = (time.Duration(float64(p.Elapsed) / float64(p.Done) * float64(p.Total-p.Done))).Round(time.Second).String()
	}
	stats := fmt.Sprintf("%d/%d files  %d chunks  %.1f chunks/s  ETA %s", p.Done, p.Total, p.Chunks, rate, eta)
	if !tty {
		return "ingest: " + stats + "\n"
	}
	const width = 24
	filled := 0
	if p.Total > 0 {
		filled = width * p.Done / p.Total
	}
	return "\r[" + strings.Repeat("█", filled) + strings.Repeat("░", width-filled) + "] " + stats + "\033[K"
}

func (b *progressBar) finish() {
	if b.tty && b.drew {
		fmt.Fprintln(b.w)
	}
}
