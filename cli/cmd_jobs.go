package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/source"
	"github.com/citebot/citebot/rag/store"
)

// jobJSON is one job as `citebot jobs --json` prints it.
type jobJSON struct {
	ID         int64           `json:"id"`
	Kind       string          `json:"kind"`
	Collection string          `json:"collection"`
	State      string          `json:"state"`
	Attempts   int             `json:"attempts"`
	Done       int             `json:"done"`
	Total      int             `json:"total"`
	Current    string          `json:"current,omitempty"`
	Result     json.RawMessage `json:"result,omitempty"`
	Error      string          `json:"error,omitempty"`
	GuildID    string          `json:"guild_id,omitempty"`
	CreatedAt  time.Time       `json:"created_at"`
	StartedAt  *time.Time      `json:"started_at,omitempty"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
}

func cmdJobs(ctx context.Context, e *env, args []string) error {
	var asJSON bool
	var state string
	var limit int
	if err := e.parseNoArgs(args, false, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print one JSON array")
		fs.StringVar(&state, "state", "", "only jobs in this state: queued, running, done or failed")
		fs.IntVar(&limit, "limit", 50, "newest jobs listed")
	}, ""); err != nil {
		return err
	}
	switch state {
	case "", store.JobQueued, store.JobRunning, store.JobDone, store.JobFailed:
	default:
		return &UsageError{Msg: fmt.Sprintf("--state %q: want queued, running, done or failed", state)}
	}
	s, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	js, err := s.ListJobs(ctx, store.JobFilter{State: state, Limit: limit})
	if err != nil {
		return err
	}
	if asJSON {
		return printJobsJSON(e.io.Stdout, js)
	}
	printJobs(e.io.Stdout, js)
	return nil
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func printJobsJSON(w io.Writer, js []store.Job) error {
	out := make([]jobJSON, 0, len(js))
	for _, j := range js {
		out = append(out, jobJSON{ID: j.ID, Kind: j.Kind, Collection: j.Collection, State: j.State, Attempts: j.Attempts,
			Done: j.Progress.Done, Total: j.Progress.Total, Current: j.Progress.Current, Result: j.Result, Error: j.Error,
			GuildID: j.GuildID, CreatedAt: j.CreatedAt, StartedAt: optTime(j.StartedAt), FinishedAt: optTime(j.FinishedAt)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func printJobs(w io.Writer, js []store.Job) {
	if len(js) == 0 {
		fmt.Fprintln(w, "no jobs")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tCOLLECTION\tSTATE\tATTEMPTS\tPROGRESS\tCREATED\tNOTE")
	for _, j := range js {
		progress := "-"
		if j.Progress.Total > 0 {
			progress = strconv.Itoa(j.Progress.Done) + "/" + strconv.Itoa(j.Progress.Total)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", j.ID, j.Kind, j.Collection, j.State, j.Attempts, progress,
			j.CreatedAt.UTC().Format(time.RFC3339), strconv.Quote(truncateNote(j.Error, 80)))
	}
	tw.Flush()
}

func truncateNote(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// jobIngest is the kind of an ingest queued by `citebot ingest --queue`:
// its Params.Args are ingest's flags and arguments, paths made absolute.
const jobIngest = "ingest"

// queueIngest stores an ingest as a job for a running `citebot serve`.
func (e *env) queueIngest(ctx context.Context, args []string, f ingestFlags) error {
	queued := []string{"--prune=" + strconv.FormatBool(f.prune), "--crawl=" + strconv.FormatBool(f.crawl),
		"--git=" + strconv.FormatBool(f.git), "--depth=" + strconv.Itoa(f.depth), "--max-pages=" + strconv.Itoa(f.maxPages), "--"}
	for _, a := range args {
		if !strings.HasPrefix(a, "http://") && !strings.HasPrefix(a, "https://") && !strings.HasPrefix(a, "git+") {
			abs, err := filepath.Abs(a)
			if err != nil {
				return fmt.Errorf("queue ingest %s: %w", a, err)
			}
			a = abs
		}
		queued = append(queued, a)
	}
	s, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	id, err := s.EnqueueJob(ctx, store.Job{Kind: jobIngest, Collection: e.cfg.Collection, Params: store.JobParams{Args: queued}})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.io.Stdout, "queued job %d: a running citebot serve runs it; citebot jobs shows how it goes\n", id)
	return nil
}

// runQueued runs the ingests queued from the command line, for the bot's
// job workers.
func (e *env) runQueued(svc *services) func(context.Context, bot.Job, func(bot.IngestProgress)) (bot.IngestSummary, error) {
	return func(ctx context.Context, j bot.Job, progress func(bot.IngestProgress)) (bot.IngestSummary, error) {
		if j.Kind != jobIngest {
			return bot.IngestSummary{}, fmt.Errorf("unknown job kind %q", j.Kind)
		}
		var f ingestFlags
		fs := flag.NewFlagSet("queued ingest", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		f.on(fs)
		if err := fs.Parse(j.Args); err != nil {
			return bot.IngestSummary{}, fmt.Errorf("queued ingest arguments: %w", err)
		}
		paths, specs, err := ingestSpecs(fs.Args(), f, e.cfg.CrawlDelay)
		if err != nil {
			return bot.IngestSummary{}, err
		}
		var out bot.IngestSummary
		if len(paths) > 0 {
			sum, err := e.ingester(svc).Ingest(ctx, j.Collection, paths, ingest.Options{Prune: f.prune, Progress: adapt(progress)})
			if err != nil {
				return bot.IngestSummary{}, fmt.Errorf("ingest: %w", err)
			}
			out = addIngest(out, sum)
			if err := e.sourceRunner(svc).Remember(ctx, j.Collection, pathSpecs(paths)); err != nil {
				return out, fmt.Errorf("ingest: %w", err)
			}
		}
		if len(specs) > 0 {
			sum, err := e.sourceRunner(svc).Add(ctx, j.Collection, specs, adaptSources(progress))
			out.Added, out.Updated, out.Unchanged = out.Added+sum.Added, out.Updated+sum.Changed, out.Unchanged+sum.Unchanged
			out.Removed, out.Failed = out.Removed+sum.Removed, out.Failed+sum.Failed
			if err != nil {
				return out, fmt.Errorf("ingest: %w", err)
			}
		}
		return out, nil
	}
}

func addIngest(out bot.IngestSummary, s ingest.Summary) bot.IngestSummary {
	out.Added, out.Updated, out.Unchanged = out.Added+s.Added, out.Updated+s.Updated, out.Unchanged+s.Unchanged
	out.Removed, out.Failed, out.Chunks = out.Removed+s.Removed, out.Failed+s.Failed, out.Chunks+s.Chunks
	for _, f := range s.Failures {
		out.Errors = append(out.Errors, f.Source+": "+f.Err)
	}
	return out
}

// pathSpecs are the existing paths among paths, as sources to remember.
func pathSpecs(paths []string) []source.Spec {
	var out []source.Spec
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			out = append(out, source.Spec{Kind: store.SourceKindPath, Location: p})
		}
	}
	return out
}
