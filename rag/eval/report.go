package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Report is any of the runners' reports: RetrievalReport, AnswerReport or
// BEIRReport.
type Report interface {
	// Rows lists the report's metrics in print order, named as in its JSON.
	Rows() []Row
}

// Row is one line of a printed report.
type Row struct {
	Name  string
	Value string
}

// WriteJSON writes the report as one JSON object on one line.
func WriteJSON(w io.Writer, r Report) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// WriteTable writes the report as an aligned table, names on the left and
// values right-aligned, rates to four decimals.
func WriteTable(w io.Writer, r Report) error {
	rows := append([]Row{{"metric", "value"}}, r.Rows()...)
	nw, vw := 0, 0
	for _, row := range rows {
		nw, vw = max(nw, len(row.Name)), max(vw, len(row.Value))
	}
	var b strings.Builder
	for _, row := range rows {
		fmt.Fprintf(&b, "%-*s  %*s\n", nw, row.Name, vw, row.Value)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

func rate(name string, v float64) Row { return Row{name, strconv.FormatFloat(v, 'f', 4, 64)} }

// maybe is a rate that may have had no cases: "n/a" then.
func maybe(name string, v *float64) Row {
	if v == nil {
		return Row{name, "n/a"}
	}
	return rate(name, *v)
}

func count(name string, n int) Row { return Row{name, strconv.Itoa(n)} }

// Rows lists the retrieval metrics.
func (r RetrievalReport) Rows() []Row {
	return []Row{
		rate("recall@1", r.Recall1), rate("recall@3", r.Recall3),
		rate("recall@5", r.Recall5), rate("recall@10", r.Recall10),
		rate("mrr@10", r.MRR10), count("questions", r.Questions),
	}
}

// Rows lists the answer metrics.
func (r AnswerReport) Rows() []Row {
	return []Row{
		maybe("keyword_hit", r.KeywordHit), maybe("keyword_hit_first", r.KeywordHitFirst),
		maybe("refusal_correct", r.RefusalCorrect), maybe("false_refusal", r.FalseRefusal),
		maybe("citation_valid", r.CitationValid), maybe("citation_gold", r.CitationGold),
		count("questions", r.Questions),
	}
}

// Rows lists the BEIR metrics.
func (r BEIRReport) Rows() []Row {
	return []Row{
		rate("ndcg@10", r.NDCG10), rate("recall@10", r.Recall10),
		rate("recall@100", r.Recall100), rate("mrr@10", r.MRR10),
		count("queries", r.Queries),
	}
}

// WriteFailures writes each failing question of an answer report as a
// block: its id, question and failed metrics, its answer, and the passages
// retrieval returned, one line each, best first.
func WriteFailures(w io.Writer, fs []AnswerFailure) error {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\n== %s: %s\n", f.ID, f.Question)
		fmt.Fprintf(&b, "failed: %s", strings.Join(f.Failed, ", "))
		if len(f.Keywords) > 0 {
			fmt.Fprintf(&b, " (keywords: %s)", strings.Join(f.Keywords, " | "))
		}
		b.WriteString("\nanswer:\n")
		for _, line := range strings.Split(strings.TrimSpace(f.Answer), "\n") {
			fmt.Fprintf(&b, "  %s\n", line)
		}
		b.WriteString("retrieved:\n")
		for i, p := range f.Retrieved {
			fmt.Fprintf(&b, "  %d. %s (score %.3f): %s\n", i+1, p.Source, p.Score, strings.Join(strings.Fields(p.Text), " "))
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write failures: %w", err)
	}
	return nil
}
