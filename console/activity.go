package console

import (
	"html/template"
	"net/http"
	"time"

	"github.com/citebot/citebot/rag/store"
)

// Chart spans and list lengths of the questions page.
const (
	chartWeeks = 12
	chartDays  = 30
	listed     = 50
)

type activityData struct {
	QuestionsChart, RefusalsChart, HelpfulChart template.HTML
	Asked, Refused, Helpful, Rated              int
	Log, Gaps, Stale                            []store.Answer
	Feedback                                    []store.FeedbackEntry
}

// activityPage is the question log with its gaps (refused questions),
// stale answers and feedback, under three charts.

func (s *Server) activityPage(w http.ResponseWriter, r *http.Request, v *view) {
	v.Tab = "activity"
	d, err := s.activity(r, v.Collection)
	if err != nil {
		s.fail(w, r, v, "read the question log", err)
		return
	}
	s.render(w, r, http.StatusOK, "activity", v, d)
}

func (s *Server) activity(r *http.Request, coll string) (*activityData, error) {
	ctx, lib := r.Context(), s.cfg.Library
	firstWeek := weekStart(s.now()).AddDate(0, 0, -7*(chartWeeks-1))
	today := s.now().UTC().Truncate(24 * time.Hour)
	firstDay := today.AddDate(0, 0, -(chartDays - 1))
	days, err := lib.AnswersPer(ctx, coll, store.PerDay, firstDay)
	if err != nil {
		return nil, err
	}
	weeks, err := lib.AnswersPer(ctx, coll, store.PerWeek, firstWeek)
	if err != nil {
		return nil, err
	}
	rated, err := lib.HelpfulPerWeek(ctx, coll, firstWeek)
	if err != nil {
		return nil, err
	}
	d := &activityData{}
	for which, dst := range map[string]*[]store.Answer{store.AllAnswers: &d.Log, store.RefusedAnswers: &d.Gaps, store.StaleAnswers: &d.Stale} {
		if *dst, err = lib.RecentAnswers(ctx, coll, which, listed); err != nil {
			return nil, err
		}
	}
	if d.Feedback, err = lib.RecentFeedback(ctx, coll, listed); err != nil {
		return nil, err
	}
	const day, week = 24 * time.Hour, 7 * 24 * time.Hour
	dayBuckets := fillPeriods(days, firstDay, day, chartDays)
	weekBuckets := fillPeriods(weeks, firstWeek, week, chartWeeks)
	rateBuckets := fillPeriods(rated, firstWeek, week, chartWeeks)
	for _, b := range dayBuckets {
		d.Asked += b.N
	}
	for _, b := range weekBuckets {
		d.Refused += b.Hits
	}
	for _, b := range rateBuckets {
		d.Helpful, d.Rated = d.Helpful+b.Hits, d.Rated+b.N
	}
	d.QuestionsChart = barChart("Questions per day", countBars(dayBuckets, "2", false), 0)
	d.RefusalsChart = barChart("Refusals per week", countBars(weekBuckets, "Jan 2", true), 0)
	d.HelpfulChart = barChart("Helpful rate per week (share of 👍 in the feedback)", rateBars(rateBuckets, "Jan 2"), 100)
	return d, nil
}
