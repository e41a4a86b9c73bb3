package gate

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Report is the outcome of a gated run.
type Report struct {
	Collection string `json:"collection"`
	// Gate is the kind of gate set: KindQA or KindFeedback.
	Gate string `json:"gate"`
	// Questions counts the gate questions; PassedLive and PassedNew how
	// many passed on each version.
	Questions  int `json:"questions"`
	PassedLive int `json:"passed_live"`
	PassedNew  int `json:"passed_new"`
	// Fixed counts questions that fail on the live version and pass on
	// the new one.
	Fixed int `json:"fixed"`
	// Broken lists the questions that pass on the live version and fail
	// on the new one, in gate set order.
	Broken    []Break `json:"broken"`
	Tolerance int     `json:"tolerance"`
	// WentLive is true when the new version replaced the live one.
	WentLive bool `json:"went_live"`
}

// Break is one question the new version would break, and why.
type Break struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Reasons  []string `json:"reasons"`
}

func (r *Report) count(before, after bool) {
	if before {
		r.PassedLive++
	}
	if after {
		r.PassedNew++
	}
	if after && !before {
		r.Fixed++
	}
}

// WriteJSON writes the report as one JSON object.
func (r Report) WriteJSON(w io.Writer) error {
	if r.Broken == nil {
		r.Broken = []Break{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write gate report: %w", err)
	}
	return nil
}

// WriteText writes the report for a terminal: the verdict, the counts,
// then each broken question with its reasons. Questions and reasons are
// quoted where they may hold line breaks.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	verdict := "went live"
	if !r.WentLive {
		verdict = "held back; the live version stays"
	}
	fmt.Fprintf(&b, "gate (%s) on collection %q: new version %s\n", r.Gate, r.Collection, verdict)
	fmt.Fprintf(&b, "%d question(s): %d pass on the live version, %d on the new one; %d broken (tolerance %d), %d fixed\n",
		r.Questions, r.PassedLive, r.PassedNew, len(r.Broken), r.Tolerance, r.Fixed)
	for _, br := range r.Broken {
		fmt.Fprintf(&b, "broken: %s %s\n", br.ID, oneLine(br.Question))
		for _, why := range br.Reasons {
			fmt.Fprintf(&b, "  - %s\n", oneLine(why))
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write gate report: %w", err)
	}
	return nil
}

// oneLine quotes s when it holds a line break or other control character.
func oneLine(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return fmt.Sprintf("%q", s)
	}
	return s
}
