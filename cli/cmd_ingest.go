package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/citebot/citebot/rag/ingest"
)

// ErrIngestFailures is returned when some sources could not be ingested;
// the others were.
type ErrIngestFailures struct{ N int }

func (e *ErrIngestFailures) Error() string {
	return fmt.Sprintf("%d source(s) could not be ingested", e.N)
}

func cmdIngest(ctx context.Context, e *env, args []string) error {
	var prune bool
	fs, err := e.parse(args, false, func(fs *flag.FlagSet) {
		fs.BoolVar(&prune, "prune", false, "remove documents of the collection whose file is gone")
	})
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return &UsageError{Msg: "ingest needs at least one PATH or URL"}
	}
	svc, err := e.services(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	bar := newProgressBar(e.io.Stderr, isTerminal(e.io.Stderr))
	sum, err := e.ingester(svc).Ingest(ctx, e.cfg.Collection, fs.Args(), ingest.Options{Prune: prune, Progress: bar.update})
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
