package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

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
	fs, err := e.parse(args, false, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print one JSON array")
		fs.StringVar(&state, "state", "", "only jobs in this state: queued, running, done or failed")
		fs.IntVar(&limit, "limit", 50, "newest jobs listed")
	})
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &UsageError{Msg: "jobs takes no arguments"}
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
