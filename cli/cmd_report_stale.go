package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/citebot/citebot/rag/store"
)

// StaleReport is what `citebot report stale --json` prints: the answers
// that became stale in the period, the latest first.
type StaleReport struct {
	// Collection is the collection reported, "" for all.
	Collection string             `json:"collection"`
	Since      time.Time          `json:"since"`
	Answers    []StaleReportEntry `json:"answers"`
}

// StaleReportEntry is one stale answer and the cited passages that changed.
type StaleReportEntry struct {
	ID         int64               `json:"id"`
	Surface    string              `json:"surface"` // discord, ask or chat
	Collection string              `json:"collection"`
	Question   string              `json:"question"`
	AskedAt    time.Time           `json:"asked_at"`
	StaleAt    time.Time           `json:"stale_at"`
	Changed    []StaleReportSource `json:"changed"`
}

// StaleReportSource is a cited passage, as it was cited, that changed or
// went.
type StaleReportSource struct {
	N           int       `json:"n"` // the citation's number in the answer
	Title       string    `json:"title"`
	Source      string    `json:"source"`
	HeadingPath []string  `json:"heading_path"`
	Page        int       `json:"page,omitempty"`
	Text        string    `json:"text"`
	ChangedAt   time.Time `json:"changed_at"`
	// Removed is set when the document is gone from the collection;
	// otherwise its text changed.
	Removed bool `json:"removed"`
}

func reportStale(ctx context.Context, e *env, args []string) error {
	f, err := e.parseReport(args)
	if err != nil {
		return err
	}
	s, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	rep := StaleReport{Collection: f.collection(e), Since: time.Now().Add(-f.since).UTC(), Answers: []StaleReportEntry{}}
	stale, err := s.StaleReport(ctx, store.ReportFilter{Collection: rep.Collection, Since: rep.Since})
	if err != nil {
		return fmt.Errorf("stale report: %w", err)
	}
	for _, a := range stale {
		rep.Answers = append(rep.Answers, staleEntry(a))
	}
	if f.asJSON {
		return printJSON(e, rep)
	}
	return writeStaleText(e.io.Stdout, rep)
}

func staleEntry(a store.StaleAnswer) StaleReportEntry {
	out := StaleReportEntry{ID: a.ID, Surface: a.Surface, Collection: a.Collection, Question: a.Question,
		AskedAt: a.CreatedAt.UTC(), StaleAt: a.StaleAt.UTC(), Changed: []StaleReportSource{}}
	for _, c := range a.Changes {
		hp := c.HeadingPath
		if hp == nil {
			hp = []string{}
		}
		out.Changed = append(out.Changed, StaleReportSource{N: c.N, Title: c.Title, Source: c.Source, HeadingPath: hp,
			Page: c.Page, Text: c.Text, ChangedAt: c.ChangedAt.UTC(), Removed: c.Removed})
	}
	return out
}

// writeStaleText prints the report for a terminal: one line per answer,
// one indented line per changed source.
func writeStaleText(w io.Writer, rep StaleReport) error {
	where := "all collections"
	if rep.Collection != "" {
		where = rep.Collection
	}
	const day = "2006-01-02"
	var b strings.Builder
	fmt.Fprintf(&b, "%d stale answers in %s since %s\n", len(rep.Answers), where, rep.Since.Format(day))
	for _, a := range rep.Answers {
		fmt.Fprintf(&b, "\n%s  answer %d (%s, %s, asked %s): %s\n", a.StaleAt.Format(day), a.ID, a.Surface, a.Collection,
			a.AskedAt.Format(day), oneLine(a.Question))
		for _, c := range a.Changed {
			what := "changed"
			if c.Removed {
				what = "removed"
			}
			label := c.Title
			if len(c.HeadingPath) > 0 && c.HeadingPath[len(c.HeadingPath)-1] != c.Title {
				label += " › " + c.HeadingPath[len(c.HeadingPath)-1]
			}
			fmt.Fprintf(&b, "  [%d] %s (%s): %s\n", c.N, strings.TrimSpace(label), c.Source, what)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
