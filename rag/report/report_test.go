package report_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/embeddings/uselite"
	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/report"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/faulttest"
	"github.com/citebot/citebot/rag/store/storetest"
)

var (
	update = flag.Bool("update", false, "rewrite testdata/*.golden")
	dbURL  string
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m, "report", &dbURL)) }

// Sample is a fixed report, rendered into the golden files here and in bot.
func sample() *report.Gaps {
	day := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	return &report.Gaps{Collection: "docs", Since: day.Add(-30 * 24 * time.Hour), QuestionsStored: true,
		Totals: report.Totals{Asked: 42, Refused: 5, LowConfidence: 2},
		Groups: []report.Group{
			{Collection: "docs", Count: 3, Refused: 2, LowConfidence: 1, LastAsked: day,
				Examples: []string{"How do I reset my password?", "password reset steps?"},
				Nearest: &report.Passage{Title: "Accounts", Source: "docs/accounts.md", HeadingPath: []string{"Sign-in", "Help"},
					Text: "Sign-in problems go to the help desk,\nwhich answers within a day."}},
			{Collection: "docs", Count: 1, Refused: 1, LastAsked: day.Add(-48 * time.Hour), Examples: []string{"Can I bring my dog?"}},
		},
		MoreGroups: 1,
		Unhelpful:  []report.Item{{AnswerID: 7, Collection: "docs", Question: "How long is parental leave?", At: day, Reason: "it quoted the old policy"}},
		Escalated:  []report.Item{{AnswerID: 9, Collection: "docs", Question: "Who approves prod access?", At: day, By: "1234"}},
		Stale:      []report.Item{},
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func TestTextGolden(t *testing.T) {
	var counts = sample()
	counts.QuestionsStored, counts.Groups, counts.MoreGroups, counts.Unhelpful, counts.Escalated = false, nil, 0, nil, nil
	counts.Collection = ""
	week := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	fb := &report.Feedback{Collection: "docs", Since: week.Add(-14 * 24 * time.Hour), Ratings: 5, Helpful: 4, HelpfulRate: 0.8,
		Weeks: []report.Week{{Start: week.Add(-7 * 24 * time.Hour), Ratings: 2, Helpful: 1, HelpfulRate: 0.5},
			{Start: week, Ratings: 3, Helpful: 3, HelpfulRate: 1}}}
	tests := []struct {
		name  string
		write func(*strings.Builder) error
	}{
		{"gaps", func(b *strings.Builder) error { return report.WriteGapsText(b, sample()) }},
		{"gaps_counts_only", func(b *strings.Builder) error { return report.WriteGapsText(b, counts) }},
		{"feedback", func(b *strings.Builder) error { return report.WriteFeedbackText(b, fb) }},
		{"feedback_empty", func(b *strings.Builder) error {
			return report.WriteFeedbackText(b, &report.Feedback{Since: week, Weeks: []report.Week{}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, b.String())
		})
	}
}

// nearestOf is a retriever that returns one passage named for the
// collection and query it was asked.
type nearestOf struct{}

func (nearestOf) Retrieve(_ context.Context, collection, query string, _ int) ([]rag.Passage, error) {
	if collection == "empty" {
		return nil, nil
	}
	return []rag.Passage{{Title: collection, Source: "near.md", Text: "near " + query}}, nil
}

func TestGapsFromTheStore(t *testing.T) {
	s := storetest.Open(t, dbURL)
	ctx := t.Context()
	enc, err := uselite.Load(faulttest.ModelDir(t))
	if err != nil {
		t.Fatal(err)
	}
	save := func(coll, q string, refused, low bool) int64 {
		t.Helper()
		id, err := s.SaveAnswer(ctx, store.Answer{Surface: "ask", Kind: "ask", Collection: coll, Question: q, Text: "a",
			Refused: refused, LowConfidence: low})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	// Oldest first: the report lists the latest wording first.
	save("docs", "How do I reset my password?", true, false)
	save("docs", "I forgot my password, how can I change it?", true, false)
	save("docs", "password reset steps?", false, true)
	save("docs", "Can I bring my dog to the office?", true, false)
	save("docs", "How do I book a meeting room?", false, false) // answered well: no gap
	save("empty", "password reset steps?", true, false)
	unhelpful := save("docs", "When are expense reports due?", false, false)
	fid, err := s.RecordFeedback(ctx, store.Feedback{Collection: "docs", UserID: "u", Question: "When are expense reports due?",
		AnswerID: unhelpful})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetFeedbackReason(ctx, fid, "u", "wrong deadline"); err != nil {
		t.Fatal(err)
	}
	r, err := report.New(report.Config{Store: s, Embedder: enc, Retriever: nearestOf{}})
	if err != nil {
		t.Fatal(err)
	}
	since := time.Now().Add(-7 * 24 * time.Hour)

	t.Run("one collection", func(t *testing.T) {
		g, err := r.Gaps(ctx, "docs", since)
		if err != nil {
			t.Fatal(err)
		}
		want := []report.Group{
			{Collection: "docs", Count: 3, Refused: 2, LowConfidence: 1,
				Examples: []string{"password reset steps?", "I forgot my password, how can I change it?"},
				Nearest:  &report.Passage{Title: "docs", Source: "near.md", Text: "near password reset steps?"}},
			{Collection: "docs", Count: 1, Refused: 1, Examples: []string{"Can I bring my dog to the office?"},
				Nearest: &report.Passage{Title: "docs", Source: "near.md", Text: "near Can I bring my dog to the office?"}},
		}
		for i := range g.Groups {
			g.Groups[i].LastAsked = time.Time{}
		}
		if diff := cmp.Diff(want, g.Groups); diff != "" {
			t.Errorf("groups (-want +got):\n%s", diff)
		}
		if g.Totals != (report.Totals{Asked: 6, Refused: 3, LowConfidence: 1}) || !g.QuestionsStored {
			t.Errorf("totals = %+v, stored %v", g.Totals, g.QuestionsStored)
		}
		if len(g.Unhelpful) != 1 || g.Unhelpful[0].Reason != "wrong deadline" || g.Unhelpful[0].AnswerID != unhelpful {
			t.Errorf("unhelpful = %+v", g.Unhelpful)
		}
	})
	t.Run("all collections keep their questions apart", func(t *testing.T) {
		g, err := r.Gaps(ctx, "", since)
		if err != nil {
			t.Fatal(err)
		}
		var colls []string
		for _, gr := range g.Groups {
			colls = append(colls, gr.Collection+":"+gr.Examples[0])
		}
		want := []string{"docs:password reset steps?", "empty:password reset steps?", "docs:Can I bring my dog to the office?"}
		if diff := cmp.Diff(want, colls); diff != "" {
			t.Errorf("groups (-want +got):\n%s", diff)
		}
		if g.Groups[1].Nearest != nil {
			t.Errorf("nearest in an empty collection = %+v", g.Groups[1].Nearest)
		}
	})
	t.Run("feedback per week", func(t *testing.T) {
		f, err := r.Feedback(ctx, "docs", since)
		if err != nil || f.Ratings != 1 || f.Helpful != 0 || len(f.Weeks) != 1 || f.HelpfulRate != 0 {
			t.Errorf("Feedback = %+v, %v", f, err)
		}
	})
}
