package console

import (
	"html/template"
	"net/http"
	"time"

	"github.com/citebot/citebot/rag/store"
)

// Chart spans.
const (
	chartWeeks   = 12
	feedbackRows = 50
)

type activityData struct {
	Feedback      []store.FeedbackEntry
	HelpfulChart  template.HTML
	Helpful, Seen int
}

func (s *Server) activityPage(w http.ResponseWriter, r *http.Request, v *view) {
	v.Tab = "activity"
	ctx := r.Context()
	first := weekStart(s.now()).AddDate(0, 0, -7*(chartWeeks-1))
	weeks, err := s.cfg.Library.HelpfulPerWeek(ctx, v.Collection, first)
	if err != nil {
		s.fail(w, r, v, "count feedback", err)
		return
	}
	fb, err := s.cfg.Library.RecentFeedback(ctx, v.Collection, feedbackRows)
	if err != nil {
		s.fail(w, r, v, "list feedback", err)
		return
	}
	d := activityData{Feedback: fb}
	filled := fillPeriods(weeks, first, 7*24*time.Hour, chartWeeks)
	for _, b := range filled {
		d.Helpful += b.Hits
		d.Seen += b.N
	}
	d.HelpfulChart = barChart("Helpful rate per week (share of 👍 in the feedback)", rateBars(filled, "Jan 2"), 100)
	s.render(w, r, http.StatusOK, "activity", v, d)
}
