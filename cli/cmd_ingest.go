package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/citebot/citebot/rag/ingest"
)

// ErrIngestFailures is returned when some sources could not be ingested;
// the others were.
type ErrIngestFailures struct{ N int }

func (e *ErrIngestFailures) Error() string {
	return fmt.Sprintf("%d source(s) could not be ingested", e.N)
}

func cmdIngest(ctx context.Context, e *env, args []string) error {
	var prune, exact bool
	fs, err := e.parse(args, false, func(fs *flag.FlagSet) {
		fs.BoolVar(&prune, "prune", false, "remove documents of the collection whose file is gone")
		fs.BoolVar(&exact, "exact", false, "make the collection hold exactly these sources: remove every other document, uploads included")
	})
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return &UsageError{Msg: "ingest needs at least one PATH or URL"}
	}
	if exact {
		if err := checkPaths(e.io.Dir, fs.Args()); err != nil {
			return err
		}
	}
	svc, err := e.services(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	bar := newProgressBar(e.io.Stderr, isTerminal(e.io.Stderr))
	sum, err := e.ingester(svc).Ingest(ctx, e.cfg.Collection, fs.Args(), ingest.Options{Prune: prune, Exact: exact, Progress: bar.update})
	bar.finish()
	printSummary(e.io.Stdout, e.cfg.Collection, sum)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	if sum.Failed > 0 {
		return &ErrIngestFailures{N: sum.Failed}
	}
	return nil
}

// checkPaths fails, before anything changes, when a local source does not
// exist: with --exact it would otherwise empty the collection of it.
func checkPaths(dir string, sources []string) error {
	for _, src := range sources {
		if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
			continue
		}
		p := src
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if _, err := os.Stat(p); err != nil {
			return &UsageError{Msg: fmt.Sprintf("ingest --exact: cannot read %s (%v); nothing was changed", src, errors.Unwrap(err))}
		}
	}
	return nil
}

func printSummary(w io.Writer, collection string, s ingest.Summary) {
	for _, f := range s.Failures {
		fmt.Fprintf(w, "failed: %s: %s\n", f.Source, f.Err)
	}
	fmt.Fprintf(w, "collection %q: %d added, %d updated, %d unchanged, %d removed, %d failed; %d chunks (%d embedded) in %s\n",
		collection, s.Added, s.Updated, s.Unchanged, s.Removed, s.Failed, s.Chunks, s.Embedded, s.Elapsed.Round(time.Millisecond))
}

// progressBar draws ingest progress on a terminal, or logs plain lines.
type progressBar struct {
	w    io.Writer
	tty  bool
	last time.Time
	drew bool
}

func newProgressBar(w io.Writer, tty bool) *progressBar { return &progressBar{w: w, tty: tty} }

func (b *progressBar) update(p ingest.Progress) {
	now := time.Now()
	if p.Done < p.Total && now.Sub(b.last) < 200*time.Millisecond && b.tty {
		return
	}
	if !b.tty && p.Done < p.Total && now.Sub(b.last) < 2*time.Second {
		return
	}
	b.last = now
	fmt.Fprint(b.w, progressLine(p, b.tty))
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
