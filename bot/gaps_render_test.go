package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/citebot/citebot/rag/report"
)

// sampleGaps is a fixed report with every section filled.
func sampleGaps() *report.Gaps {
	day := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	return &report.Gaps{Collection: "g111", Since: day.Add(-7 * 24 * time.Hour), QuestionsStored: true,
		Totals: report.Totals{Asked: 42, Refused: 5, LowConfidence: 2},
		Groups: []report.Group{
			{Collection: "g111", Count: 3, Refused: 2, LowConfidence: 1, LastAsked: day,
				Examples: []string{"How do I reset my **password**?", "password reset @everyone"},
				Nearest:  &report.Passage{Title: "Accounts", Source: "docs/accounts.md", HeadingPath: []string{"Sign-in"}, Text: "Sign-in help."}},
			{Collection: "g111", Count: 1, Refused: 1, LastAsked: day.Add(-48 * time.Hour), Examples: []string{"Can I bring my dog?"}},
		},
		MoreGroups: 2,
		Unhelpful:  []report.Item{{AnswerID: 7, Question: "How long is parental leave?", At: day, Reason: "it quoted the _old_ policy"}},
		Escalated:  []report.Item{{AnswerID: 9, Question: "Who approves prod access?", At: day, By: "1234"}},
		Stale:      []report.Item{{AnswerID: 11, Question: "What port does it use?", At: day}},
	}
}

func TestRenderGapsGolden(t *testing.T) {
	counts := sampleGaps()
	counts.QuestionsStored = false
	tests := []struct {
		name string
		got  []rendered
	}{
		{"gaps", renderGaps(sampleGaps(), 7)},
		{"gaps_counts_only", renderGaps(counts, 30)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGolden(t, tt.name, tt.got)
		})
	}
}

func TestRenderGapsSplitsLongReports(t *testing.T) {
	g := sampleGaps()
	g.Groups = nil
	for n := range report.MaxGroups {
		long := fmt.Sprintf("question %d ", n) + strings.Repeat("word ", 60)
		g.Groups = append(g.Groups, report.Group{Count: 2, Refused: 2, LastAsked: time.Unix(1700000000, 0),
			Examples: []string{long, long + "again"}, Nearest: &report.Passage{Title: strings.Repeat("T", 300)}})
	}
	rs := renderGaps(g, 30)
	if len(rs) < 2 {
		t.Fatalf("a long report rendered as %d message", len(rs))
	}
	var all strings.Builder
	for _, r := range rs {
		if n := utf8.RuneCountInString(r.Content); n > MaxContent {
			t.Errorf("message of %d characters, limit %d", n, MaxContent)
		}
		all.WriteString(r.Content)
	}
	for _, want := range []string{"question 0 ", "question 24 ", "**Stale answers (a cited passage changed)** (1)"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("rendered report lacks %q", want)
		}
	}
}
