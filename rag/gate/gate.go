// Package gate decides whether a new version of a collection may go live.
// It runs a gate set over the live version and the new one, built beside
// it as a shadow collection (rag/store's Shadow): the questions of a QA
// file (the `eval answers` format), or the answers people rated helpful.
// A question breaks when it passes on the live version and fails on the
// new one; the new version goes live, in one transaction, only when no
// more questions break than the tolerance allows, and the report names
// each that would break and why.
package gate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/eval"
	"github.com/citebot/citebot/rag/store"
)

// Retriever returns the k best passages for a query in a collection.
type Retriever interface {
	Retrieve(ctx context.Context, collection, query string, k int) ([]rag.Passage, error)
}

// Answerer answers one request, as the answer pipeline does.
type Answerer interface {
	Answer(ctx context.Context, req rag.Request, partial func(string)) (*rag.Answer, error)
}

// TextFinder tells whether a collection still holds a text anywhere.
type TextFinder interface {
	HoldsText(ctx context.Context, collection, text string) (bool, error)
}

// Shadows begins gated runs; *store.Store is one.
type Shadows interface {
	BeginShadow(ctx context.Context, live string) (*store.Shadow, error)
}

// DefaultK is how many passages a helpful answer's query retrieves when
// Checker.K is not set.
const DefaultK = 10

// Checker runs gate questions against one version of a collection.
// Answerer may be nil: helpful answers are then checked by retrieval
// alone, and QA questions cannot be checked.
type Checker struct {
	Retriever Retriever
	Answerer  Answerer
	Texts     TextFinder
	K         int
}

// Kinds of gate set, as reports name them.
const (
	KindQA       = "qa"
	KindFeedback = "feedback"
)

// Set is a gate set: QA questions or helpful answers.
type Set struct {
	Kind      string
	Questions []Question
}

// Question is one gate question. QA questions carry their item; helpful
// answers the sentences they cited.
type Question struct {
	ID       string
	Question string
	// Query is what retrieval runs for a helpful answer: the standalone
	// query the answer ran.
	Query string
	qa    *eval.QAItem
	cited []Cited
}

// Cited is one sentence a helpful answer cited, with its document.
type Cited struct {
	Source   string
	Sentence string
}

// QASet is the gate set of a QA file's questions.
func QASet(items []eval.QAItem) Set {
	set := Set{Kind: KindQA}
	for i := range items {
		set.Questions = append(set.Questions, Question{ID: items[i].ID, Question: items[i].Question, qa: &items[i]})
	}
	return set
}

// FeedbackSet is the gate set of stored answers rated helpful
// (store.HelpfulAnswers); answers without a cited sentence are left out.
func FeedbackSet(answers []store.Answer) Set {
	set := Set{Kind: KindFeedback}
	for _, a := range answers {
		cited := CitedSentences(a)
		if len(cited) == 0 {
			continue
		}
		set.Questions = append(set.Questions, Question{ID: fmt.Sprintf("answer %d", a.ID), Question: a.Question,
			Query: cmpOr(a.Query, a.Question), cited: cited})
	}
	return set
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Options adjust a gated run.
type Options struct {
	// Tolerance is how many gate questions may break with the new version
	// still going live.
	Tolerance int
	Logger    *slog.Logger
}

// Run builds the next version of collection live beside it — build
// ingests into the shadow collection it is given — runs set over both and
// makes the new version live only when at most opt.Tolerance questions
// break. The report says which way it went (Report.WentLive). When build
// fails, ctx ends or anything else goes wrong, the live version stays and
// the shadow is dropped; a process killed midway leaves a shadow that no
// one sees and that the next run drops.
func Run(ctx context.Context, sh Shadows, c *Checker, live string, set Set, opt Options, build func(ctx context.Context, shadow string) error) (Report, error) {
	rep := Report{Collection: live, Gate: set.Kind, Tolerance: opt.Tolerance}
	shadow, err := sh.BeginShadow(ctx, live)
	if err != nil {
		return rep, fmt.Errorf("gate: %w", err)
	}
	defer func() {
		if err := shadow.Close(ctx); err != nil && opt.Logger != nil {
			// The outcome stands; the next run or a sweep drops what is left.
			opt.Logger.WarnContext(ctx, "gate shadow not dropped", slog.String("collection", live), slog.Any("err", err))
		}
	}()
	if err := build(ctx, shadow.Name()); err != nil {
		return rep, fmt.Errorf("gate: build new version: %w", err)
	}
	if err := c.compare(ctx, live, shadow.Name(), set, &rep); err != nil {
		return rep, fmt.Errorf("gate: %w", err)
	}
	if len(rep.Broken) > opt.Tolerance {
		return rep, nil
	}
	if err := shadow.Promote(ctx); err != nil {
		return rep, fmt.Errorf("gate: %w", err)
	}
	rep.WentLive = true
	return rep, nil
}

// compare runs every question on both versions and fills the report.
func (c *Checker) compare(ctx context.Context, live, next string, set Set, rep *Report) error {
	rep.Questions = len(set.Questions)
	for _, q := range set.Questions {
		if err := ctx.Err(); err != nil {
			return err
		}
		before, err := c.check(ctx, live, q)
		if err != nil {
			return fmt.Errorf("%s on the live version: %w", q.ID, err)
		}
		after, err := c.check(ctx, next, q)
		if err != nil {
			return fmt.Errorf("%s on the new version: %w", q.ID, err)
		}
		rep.count(before.pass, after.pass)
		if before.pass && !after.pass {
			reasons, err := c.why(ctx, next, q, after)
			if err != nil {
				return fmt.Errorf("%s: %w", q.ID, err)
			}
			rep.Broken = append(rep.Broken, Break{ID: q.ID, Question: q.Question, Reasons: reasons})
		}
	}
	return nil
}

// outcome is one question on one version: whether it passed and, for a
// helpful answer, which cited sentences it missed.
type outcome struct {
	pass    bool
	reasons []string // a QA question's failed checks
	missed  []Cited  // a helpful answer's sentences not found
}

func (c *Checker) check(ctx context.Context, collection string, q Question) (outcome, error) {
	if q.qa != nil {
		return c.checkQA(ctx, collection, *q.qa)
	}
	return c.checkHelpful(ctx, collection, q)
}

// checkQA scores a QA question as `eval answers` does: an answerable
// question passes when its answer is not refused, a passage retrieved for
// it holds a gold string and the answer holds every keyword; an
// unanswerable one when it is refused. A refusal's nearest passages count
// as retrieved, so that the reasons say whether the gold is still found.
func (c *Checker) checkQA(ctx context.Context, collection string, it eval.QAItem) (outcome, error) {
	if c.Answerer == nil {
		return outcome{}, errors.New("a QA gate needs an answerer")
	}
	ans, err := c.Answerer.Answer(ctx, rag.Request{Collection: collection, Question: it.Question}, func(string) {})
	if err != nil {
		return outcome{}, fmt.Errorf("answer: %w", err)
	}
	if ans == nil {
		return outcome{}, errors.New("answerer returned no answer")
	}
	var out outcome
	switch {
	case !it.Answerable && !ans.Refused:
		out.reasons = append(out.reasons, "answered a question it should refuse")
	case !it.Answerable:
	default:
		if ans.Refused {
			out.reasons = append(out.reasons, "refused")
		}
		if !goldRetrieved(append(ans.Retrieved, ans.Nearest...), it.Gold) {
			out.reasons = append(out.reasons, "gold no longer retrieved")
		}
		if missing := missingKeywords(ans.Text, it.AnswerKeywords); len(missing) > 0 && !ans.Refused {
			out.reasons = append(out.reasons, "keywords missing: "+strings.Join(missing, ", "))
		}
	}
	out.pass = len(out.reasons) == 0
	return out, nil
}

func goldRetrieved(ps []rag.Passage, gold []string) bool {
	for _, p := range ps {
		if eval.MatchGold(p.Text, gold) {
			return true
		}
	}
	return false
}

func missingKeywords(text string, keywords []string) []string {
	var out []string
	for _, k := range keywords {
		if !eval.ContainsAll(text, []string{k}) {
			out = append(out, k)
		}
	}
	return out
}

// checkHelpful passes a helpful answer when retrieval for its query still
// returns, for every sentence it cited, a passage holding that sentence;
// failing that, when a fresh answer cites passages holding them all.
func (c *Checker) checkHelpful(ctx context.Context, collection string, q Question) (outcome, error) {
	ps, err := c.Retriever.Retrieve(ctx, collection, q.Query, cmpInt(c.K, DefaultK))
	if err != nil {
		return outcome{}, fmt.Errorf("retrieve: %w", err)
	}
	missed := notHeld(q.cited, ps)
	if len(missed) == 0 || c.Answerer == nil {
		return outcome{pass: len(missed) == 0, missed: missed}, nil
	}
	ans, err := c.Answerer.Answer(ctx, rag.Request{Collection: collection, Question: q.Question}, func(string) {})
	if err != nil {
		return outcome{}, fmt.Errorf("answer: %w", err)
	}
	var cited []rag.Passage
	if ans != nil && !ans.Refused {
		for _, s := range ans.Sources {
			cited = append(cited, s.Passage)
		}
	}
	if again := notHeld(q.cited, cited); len(again) == 0 {
		return outcome{pass: true}, nil
	}
	return outcome{missed: missed}, nil
}

func cmpInt(a, b int) int {
	if a > 0 {
		return a
	}
	return b
}

// notHeld returns the sentences that no passage holds.
func notHeld(cited []Cited, ps []rag.Passage) []Cited {
	var out []Cited
	for _, s := range cited {
		held := false
		for _, p := range ps {
			if eval.MatchGold(p.Text, []string{s.Sentence}) {
				held = true
				break
			}
		}
		if !held {
			out = append(out, s)
		}
	}
	return out
}

// why explains a question that broke on the new version: a QA question's
// failed checks, or for each sentence a helpful answer cited whether its
// passage is gone from the new version or only no longer retrieved.
func (c *Checker) why(ctx context.Context, next string, q Question, after outcome) ([]string, error) {
	if q.qa != nil {
		return after.reasons, nil
	}
	var out []string
	for _, s := range after.missed {
		held, err := c.Texts.HoldsText(ctx, next, s.Sentence)
		if err != nil {
			return nil, err
		}
		what := "cited passage gone"
		if held {
			what = "cited passage no longer retrieved"
		}
		out = append(out, fmt.Sprintf("%s: %s (%q)", what, s.Source, clip(s.Sentence, 80)))
	}
	return out, nil
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
