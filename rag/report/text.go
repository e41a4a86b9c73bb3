package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// snippet is about how much of a passage or question a text report
// quotes, in characters.
const snippet = 160

// Clip shortens s to at most n characters on one line, ending in "…"
// when cut.
func Clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// PassageLabel names a passage: "Title — Heading › Sub — p. N — source".
func PassageLabel(p *Passage) string {
	parts := []string{}
	if p.Title != "" {
		parts = append(parts, p.Title)
	}
	if len(p.HeadingPath) > 0 {
		parts = append(parts, strings.Join(p.HeadingPath, " › "))
	}
	if p.Page > 0 {
		parts = append(parts, fmt.Sprintf("p. %d", p.Page))
	}
	if p.Source != "" {
		parts = append(parts, p.Source)
	}
	return strings.Join(parts, " — ")
}

// Scope names what a report covers: `collection "docs"` or "all
// collections".
func Scope(collection string) string {
	if collection == "" {
		return "all collections"
	}
	return fmt.Sprintf("collection %q", collection)
}

// GroupSummary is a group's counts: `4× (3 refused, 1 low-confidence)`.
func GroupSummary(g Group) string {
	var kinds []string
	if g.Refused > 0 {
		kinds = append(kinds, fmt.Sprintf("%d refused", g.Refused))
	}
	if g.LowConfidence > 0 {
		kinds = append(kinds, fmt.Sprintf("%d low-confidence", g.LowConfidence))
	}
	return fmt.Sprintf("%d× (%s)", g.Count, strings.Join(kinds, ", "))
}

// WriteGapsText prints the gap report as plain text (`citebot report
// gaps`).
func WriteGapsText(w io.Writer, g *Gaps) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Knowledge gaps in %s since %s\n", Scope(g.Collection), g.Since.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Questions: %d asked, %d refused, %d low-confidence\n", g.Totals.Asked, g.Totals.Refused, g.Totals.LowConfidence)
	if !g.QuestionsStored {
		b.WriteString("Questions are not stored (--store-questions=false): only these counts are kept.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "\nUnanswered or uncertain questions, grouped (%d):\n", len(g.Groups)+g.MoreGroups)
	if len(g.Groups) == 0 {
		b.WriteString("  none\n")
	}
	for i, gr := range g.Groups {
		fmt.Fprintf(&b, "%2d. %s, last asked %s", i+1, GroupSummary(gr), gr.LastAsked.Format("2006-01-02"))
		if g.Collection == "" {
			fmt.Fprintf(&b, ", collection %s", gr.Collection)
		}
		b.WriteString("\n")
		for _, ex := range gr.Examples {
			fmt.Fprintf(&b, "    %q\n", Clip(ex, snippet))
		}
		if gr.Nearest != nil {
			fmt.Fprintf(&b, "    nearest passage: %s\n      > %s\n", PassageLabel(gr.Nearest), Clip(gr.Nearest.Text, snippet))
		} else {
			b.WriteString("    nearest passage: none (the collection is empty)\n")
		}
	}
	if g.MoreGroups > 0 {
		fmt.Fprintf(&b, "    … and %d more, smaller groups\n", g.MoreGroups)
	}
	writeItems(&b, "Rated unhelpful", g.Unhelpful)
	writeItems(&b, "Escalated to a person, not resolved", g.Escalated)
	writeItems(&b, "Stale answers (a cited passage changed)", g.Stale)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeItems(b *strings.Builder, title string, items []Item) {
	fmt.Fprintf(b, "\n%s (%d):\n", title, len(items))
	if len(items) == 0 {
		b.WriteString("  none\n")
	}
	for _, it := range items {
		fmt.Fprintf(b, "  - %s answer %d: %q", it.At.Format("2006-01-02"), it.AnswerID, Clip(it.Question, snippet))
		if it.Reason != "" {
			fmt.Fprintf(b, "\n      reason: %q", Clip(it.Reason, snippet))
		}
		if it.By != "" {
			fmt.Fprintf(b, " (by user %s)", it.By)
		}
		b.WriteString("\n")
	}
}

// WriteFeedbackText prints the feedback report as plain text (`citebot
// report feedback`).
func WriteFeedbackText(w io.Writer, f *Feedback) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Feedback in %s since %s\n", Scope(f.Collection), f.Since.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "%d ratings, %d helpful (%s)\n\n", f.Ratings, f.Helpful, percent(f.HelpfulRate, f.Ratings))
	if len(f.Weeks) == 0 {
		b.WriteString("No ratings in this period.\n")
	} else {
		b.WriteString("week of      ratings  helpful  rate\n")
	}
	for _, wk := range f.Weeks {
		fmt.Fprintf(&b, "%s  %7d  %7d  %s\n", wk.Start.Format("2006-01-02"), wk.Ratings, wk.Helpful, percent(wk.HelpfulRate, wk.Ratings))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// percent formats a rate; "–" without ratings.
func percent(r float64, n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100*r)
}
