package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

func questions(as []store.Answer) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.Question)
	}
	return out
}

func TestReports(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	ctx := t.Context()
	titled(t, s, m, "rep", "/docs/a.md", "A", "alpha text")
	ps, err := s.DocumentPassages(ctx, "rep", "/docs/a.md")
	if err != nil || len(ps) != 1 {
		t.Fatal(ps, err)
	}
	save := func(coll, surface, q string, refused, low bool, cite bool) int64 {
		t.Helper()
		a := store.Answer{Surface: surface, Kind: "ask", Collection: coll, Question: q, Text: "ans " + q,
			Refused: refused, LowConfidence: low, Relevance: 0.5}
		if cite {
			a.Citations = []store.Citation{{N: 1, ChunkID: ps[0].ChunkID, DocumentID: ps[0].DocumentID, Text: "alpha text"}}
		}
		id, err := s.SaveAnswer(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	refused := save("rep", "discord", "refused q", true, false, false)
	low := save("rep", "ask", "low q", false, true, true)
	fine := save("rep", "chat", "fine q", false, false, true)
	save("rep", "chat", "", true, false, false) // question not stored: counted only
	save("other", "ask", "other refused", true, false, false)
	old := save("rep", "ask", "old refused", true, false, false)
	if err := s.ExecForTest(ctx, `UPDATE answers SET created_at = now() - interval '40 days' WHERE id = $1`, old); err != nil {
		t.Fatal(err)
	}
	month := time.Now().Add(-30 * 24 * time.Hour)

	t.Run("an answer reads back its confidence", func(t *testing.T) {
		a, err := s.Answer(ctx, low)
		if err != nil || !a.LowConfidence || a.Relevance != 0.5 || !a.EscalatedAt.IsZero() || a.ResolvedBy != "" {
			t.Errorf("Answer = %+v, %v", a, err)
		}
	})
	t.Run("gap answers", func(t *testing.T) {
		tests := []struct {
			name string
			f    store.ReportFilter
			want []string
		}{
			{"one collection, last 30 days", store.ReportFilter{Collection: "rep", Since: month}, []string{"low q", "refused q"}},
			{"all collections", store.ReportFilter{Since: month}, []string{"other refused", "low q", "refused q"}},
			{"older ones with an earlier since", store.ReportFilter{Collection: "rep", Since: time.Now().Add(-50 * 24 * time.Hour)},
				[]string{"low q", "refused q", "old refused"}},
			{"limit", store.ReportFilter{Collection: "rep", Since: month, Limit: 1}, []string{"low q"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.GapAnswers(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, questions(got)); diff != "" {
					t.Errorf("questions (-want +got):\n%s", diff)
				}
			})
		}
	})
	t.Run("counts include answers whose question was not stored", func(t *testing.T) {
		got, err := s.CountAnswers(ctx, store.ReportFilter{Collection: "rep", Since: month})
		want := store.AnswerTotals{Asked: 5, Refused: 3, LowConfidence: 1} // counts are per day: "old" counted today
		if err != nil || got != want {
			t.Errorf("CountAnswers = %+v, %v; want %+v", got, err, want)
		}
		if got, _ := s.CountAnswers(ctx, store.ReportFilter{Since: time.Now().Add(24 * time.Hour)}); got != (store.AnswerTotals{}) {
			t.Errorf("future counts = %+v", got)
		}
	})
	t.Run("unresolved escalations", func(t *testing.T) {
		err := s.ExecForTest(ctx, `UPDATE answers SET escalated_at = now(), escalated_by = 'u1' WHERE id IN ($1, $2)`, low, fine)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ExecForTest(ctx, `UPDATE answers SET resolved_at = now(), resolved_by = 'u2' WHERE id = $1`, fine); err != nil {
			t.Fatal(err)
		}
		got, err := s.UnresolvedEscalations(ctx, store.ReportFilter{Collection: "rep", Since: month})
		if err != nil || len(got) != 1 || got[0].ID != low || got[0].EscalatedBy != "u1" || got[0].EscalatedAt.IsZero() {
			t.Errorf("UnresolvedEscalations = %+v, %v", got, err)
		}
		a, err := s.Answer(ctx, fine)
		if err != nil || a.ResolvedBy != "u2" || a.ResolvedAt.IsZero() {
			t.Errorf("resolved answer = %+v, %v", a, err)
		}
	})
	t.Run("stale answers", func(t *testing.T) {
		titled(t, s, m, "rep", "/docs/a.md", "A", "alpha text changed")
		got, err := s.StaleAnswersSince(ctx, store.ReportFilter{Collection: "rep", Since: month})
		if diff := cmp.Diff([]string{"fine q", "low q"}, questions(got)); err != nil || diff != "" {
			t.Errorf("stale (-want +got):\n%s %v", diff, err)
		}
	})
	t.Run("complaints carry their reason", func(t *testing.T) {
		id, err := s.RecordFeedback(ctx, store.Feedback{Collection: "rep", UserID: "u1", Question: "refused q", Answer: "ans",
			Helpful: false, AnswerID: refused})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SaveFeedback(ctx, store.Feedback{Collection: "rep", UserID: "u1", Question: "fine q", Helpful: true}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetFeedbackReason(ctx, id, "someone else", "spoofed"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("reason from another user: %v, want ErrNotFound", err)
		}
		if err := s.SetFeedbackReason(ctx, id, "u1", "it ignored the second part"); err != nil {
			t.Fatal(err)
		}
		got, err := s.Complaints(ctx, store.ReportFilter{Collection: "rep", Since: month})
		if err != nil || len(got) != 1 {
			t.Fatalf("Complaints = %+v, %v", got, err)
		}
		want := store.Complaint{FeedbackID: id, AnswerID: refused, Collection: "rep", Question: "refused q", Answer: "ans",
			Reason: "it ignored the second part", At: got[0].At}
		if diff := cmp.Diff(want, got[0]); diff != "" {
			t.Errorf("complaint (-want +got):\n%s", diff)
		}
		weeks, err := s.FeedbackPerWeek(ctx, store.ReportFilter{Since: month})
		if err != nil || len(weeks) != 1 || weeks[0].N != 2 || weeks[0].Hits != 1 || weeks[0].Start.Weekday() != time.Monday {
			t.Errorf("FeedbackPerWeek = %+v, %v", weeks, err)
		}
	})
}
