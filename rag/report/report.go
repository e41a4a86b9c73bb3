// Package report builds the admin reports of issue 13 from the stored
// answers and feedback: the knowledge gaps (refused and low-confidence
// questions grouped by similarity, unhelpful answers with their reasons,
// escalations nobody resolved, stale answers) and the helpful rate per
// week. `citebot report` prints them, Discord's /gaps renders them and
// the weekly digest quotes the top gaps. The JSON keys are an interface:
// docs/using.md lists them.
package report

import (
	"context"
	"errors"
	"time"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
)

// Store is what the reports read.
type Store interface {
	GapAnswers(ctx context.Context, f store.ReportFilter) ([]store.Answer, error)
	Complaints(ctx context.Context, f store.ReportFilter) ([]store.Complaint, error)
	UnresolvedEscalations(ctx context.Context, f store.ReportFilter) ([]store.Answer, error)
	StaleAnswersSince(ctx context.Context, f store.ReportFilter) ([]store.Answer, error)
	CountAnswers(ctx context.Context, f store.ReportFilter) (store.AnswerTotals, error)
	FeedbackPerWeek(ctx context.Context, f store.ReportFilter) ([]store.Bucket, error)
	StoresQuestions() bool
}

// Retriever finds the passage nearest a group's question.
type Retriever interface {
	Retrieve(ctx context.Context, collection, query string, k int) ([]rag.Passage, error)
}

// Config is what a Reporter needs; Store, Embedder and Retriever are
// required.
type Config struct {
	Store     Store
	Embedder  rag.Embedder
	Retriever Retriever
	// Threshold is the cosine from which a question joins a group;
	// default DefaultThreshold.
	Threshold float64
}

// Reporter builds reports.
type Reporter struct{ cfg Config }

// New checks cfg and returns a Reporter.
func New(cfg Config) (*Reporter, error) {
	if cfg.Store == nil || cfg.Embedder == nil || cfg.Retriever == nil {
		return nil, errors.New("report: Store, Embedder and Retriever are required")
	}
	if cfg.Threshold == 0 {
		cfg.Threshold = DefaultThreshold
	}
	return &Reporter{cfg: cfg}, nil
}

// Totals count the questions of a period (answer_counts), whether or not
// their text was stored.
type Totals struct {
	Asked         int `json:"asked"`
	Refused       int `json:"refused"`
	LowConfidence int `json:"low_confidence"`
}

// Passage is a passage a report points to.
type Passage struct {
	Title       string   `json:"title"`
	Source      string   `json:"source"`
	HeadingPath []string `json:"heading_path,omitempty"`
	Page        int      `json:"page,omitempty"`
	Text        string   `json:"text"`
}

// Group is questions that ask much the same thing.
type Group struct {
	Collection    string    `json:"collection"`
	Count         int       `json:"count"`
	Refused       int       `json:"refused"`
	LowConfidence int       `json:"low_confidence"`
	Examples      []string  `json:"examples"` // up to two distinct wordings, the latest first
	LastAsked     time.Time `json:"last_asked"`
	// Nearest is the passage retrieval now finds for the first example;
	// nil when the collection has none.
	Nearest *Passage `json:"nearest"`
}

// Item is one answer a report lists.
type Item struct {
	AnswerID   int64     `json:"answer_id"`
	Collection string    `json:"collection"`
	Question   string    `json:"question"`
	At         time.Time `json:"at"`
	// Reason is what the user wrote about a 👎 (unhelpful only).
	Reason string `json:"reason,omitempty"`
	// By is the Discord user id who escalated (escalated only).
	By string `json:"by,omitempty"`
}

// Gaps is the knowledge-gap report.
type Gaps struct {
	Collection string    `json:"collection"` // "" for all collections
	Since      time.Time `json:"since"`
	// QuestionsStored is false under --store-questions=false: then only
	// Totals are filled.
	QuestionsStored bool    `json:"questions_stored"`
	Totals          Totals  `json:"totals"`
	Groups          []Group `json:"groups"`
	// MoreGroups counts the smaller groups left out after MaxGroups.
	MoreGroups int    `json:"more_groups"`
	Unhelpful  []Item `json:"unhelpful"`
	Escalated  []Item `json:"escalated"`
	Stale      []Item `json:"stale"`
}

// Gaps builds the knowledge-gap report of a collection ("" for all) for
// the period since since.
func (r *Reporter) Gaps(ctx context.Context, collection string, since time.Time) (*Gaps, error) {
	f := store.ReportFilter{Collection: collection, Since: since}
	g := &Gaps{Collection: collection, Since: since.UTC(), QuestionsStored: r.cfg.Store.StoresQuestions(),
		Groups: []Group{}, Unhelpful: []Item{}, Escalated: []Item{}, Stale: []Item{}}
	t, err := r.cfg.Store.CountAnswers(ctx, f)
	if err != nil {
		return nil, err
	}
	g.Totals = Totals{Asked: t.Asked, Refused: t.Refused, LowConfidence: t.LowConfidence}
	gaps, err := r.cfg.Store.GapAnswers(ctx, f)
	if err != nil {
		return nil, err
	}
	if g.Groups, g.MoreGroups, err = r.groups(ctx, gaps); err != nil {
		return nil, err
	}
	if g.Unhelpful, err = r.complaints(ctx, f); err != nil {
		return nil, err
	}
	esc, err := r.cfg.Store.UnresolvedEscalations(ctx, f)
	if err != nil {
		return nil, err
	}
	g.Escalated = items(esc, func(a store.Answer) Item {
		return Item{AnswerID: a.ID, Collection: a.Collection, Question: a.Question, At: a.EscalatedAt.UTC(), By: a.EscalatedBy}
	})
	stale, err := r.cfg.Store.StaleAnswersSince(ctx, f)
	if err != nil {
		return nil, err
	}
	g.Stale = items(stale, func(a store.Answer) Item {
		at := a.StaleAt
		if at.IsZero() {
			at = a.CreatedAt
		}
		return Item{AnswerID: a.ID, Collection: a.Collection, Question: a.Question, At: at.UTC()}
	})
	return g, nil
}

func items(as []store.Answer, f func(store.Answer) Item) []Item {
	out := make([]Item, 0, len(as))
	for _, a := range as {
		out = append(out, f(a))
	}
	return out
}

func (r *Reporter) complaints(ctx context.Context, f store.ReportFilter) ([]Item, error) {
	cs, err := r.cfg.Store.Complaints(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]Item, 0, len(cs))
	for _, c := range cs {
		out = append(out, Item{AnswerID: c.AnswerID, Collection: c.Collection, Question: c.Question, At: c.At.UTC(), Reason: c.Reason})
	}
	return out, nil
}

// Week is one ISO week's feedback (weeks start on Monday, UTC).
type Week struct {
	Start       time.Time `json:"week"`
	Ratings     int       `json:"ratings"`
	Helpful     int       `json:"helpful"`
	HelpfulRate float64   `json:"helpful_rate"`
}

// Feedback is the feedback report: the helpful rate per week.
type Feedback struct {
	Collection  string    `json:"collection"`
	Since       time.Time `json:"since"`
	Ratings     int       `json:"ratings"`
	Helpful     int       `json:"helpful"`
	HelpfulRate float64   `json:"helpful_rate"` // 0 without ratings
	Weeks       []Week    `json:"weeks"`
}

// Feedback builds the feedback report of a collection ("" for all) since
// since; weeks without ratings are absent.
func (r *Reporter) Feedback(ctx context.Context, collection string, since time.Time) (*Feedback, error) {
	bs, err := r.cfg.Store.FeedbackPerWeek(ctx, store.ReportFilter{Collection: collection, Since: since})
	if err != nil {
		return nil, err
	}
	out := &Feedback{Collection: collection, Since: since.UTC(), Weeks: []Week{}}
	for _, b := range bs {
		out.Weeks = append(out.Weeks, Week{Start: b.Start, Ratings: b.N, Helpful: b.Hits, HelpfulRate: rate(b.Hits, b.N)})
		out.Ratings += b.N
		out.Helpful += b.Hits
	}
	out.HelpfulRate = rate(out.Helpful, out.Ratings)
	return out, nil
}

func rate(hits, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(hits) / float64(n)
}
