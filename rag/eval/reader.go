package eval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/answer"
)

// SentenceReader scores the sentences of the passages retrieved for a
// question; *answer.Pipeline implements it.
type SentenceReader interface {
	Read(ctx context.Context, req rag.Request) (*answer.Reading, error)
}

// ReaderSet is a QA file asked of one collection.
type ReaderSet struct {
	Collection string
	Items      []QAItem
}

// ReaderFit is the outcome of FitCases. Every "lead" rate is the share
// of the answerable questions with answer_keywords whose chosen sentence
// holds every keyword (a refused question counts as a miss): how often
// the lead quote of an answer would answer.
type ReaderFit struct {
	Weights answer.ReaderWeights `json:"weights"`
	// Questions counts the answerable questions with keywords; Reachable
	// those with a sentence holding every keyword among the retrieved
	// passages and not refused.
	Questions int `json:"questions"`
	Reachable int `json:"reachable"`
	// RelevanceLead chooses the most relevant sentence; FittedLead the
	// best-scoring one under Weights, fitted on every set.
	RelevanceLead float64 `json:"relevance_lead"`
	FittedLead    float64 `json:"fitted_lead"`
	// HeldOut is leave-one-group-out: each group (the document holding a
	// question's answer sentence) scored with weights fitted on the
	// others. HeldOutLead pools them.
	HeldOut     []GroupFit `json:"held_out"`
	HeldOutLead float64    `json:"held_out_lead"`
}

// GroupFit is one held-out group's lead rates.
type GroupFit struct {
	Group         string  `json:"group"`
	Questions     int     `json:"questions"`
	RelevanceLead float64 `json:"relevance_lead"`
	HeldOutLead   float64 `json:"held_out_lead"`
}

// readerSample is one question's sentences with their labels.
type readerSample struct {
	group  string
	x      [][]float64
	pos    []bool
	rel    []float64
	usable bool // has both a positive and a negative sentence
}

// fitSamples labels nothing itself: it fits a linear scorer to the
// labelled samples by listwise softmax regression (L2 weight l2) and
// reports lead rates in sample and leave-one-group-out.
func fitSamples(samples []readerSample, l2 float64) (ReaderFit, error) {
	if len(samples) == 0 {
		return ReaderFit{}, errors.New("no answerable questions with answer_keywords to fit on")
	}
	w := fitSoftmax(samples, nil, l2)
	fit := ReaderFit{
		Weights:   answer.ReaderWeights{Features: answer.FeatureNames, Weights: w},
		Questions: len(samples),
	}
	var relHits, fitHits, heldHits int
	for _, s := range samples {
		if anyTrue(s.pos) {
			fit.Reachable++
		}
		relHits += s.hit(s.rel)
		fitHits += s.hit(s.scores(w))
	}
	fit.RelevanceLead = share(relHits, len(samples))
	fit.FittedLead = share(fitHits, len(samples))
	for _, g := range groups(samples) {
		wg := fitSoftmax(samples, func(s readerSample) bool { return s.group != g }, l2)
		gf := GroupFit{Group: g}
		var rh, hh int
		for _, s := range samples {
			if s.group == g {
				gf.Questions++
				rh += s.hit(s.rel)
				hh += s.hit(s.scores(wg))
			}
		}
		gf.RelevanceLead, gf.HeldOutLead = share(rh, gf.Questions), share(hh, gf.Questions)
		heldHits += hh
		fit.HeldOut = append(fit.HeldOut, gf)
	}
	fit.HeldOutLead = share(heldHits, len(samples))
	return fit, nil
}

// readSamples reads the questions of every set, in order.
func readSamples(ctx context.Context, r SentenceReader, sets []ReaderSet) ([]readerSample, error) {
	var out []readerSample
	for _, set := range sets {
		var items []QAItem
		for _, it := range set.Items {
			if it.Answerable && len(it.AnswerKeywords) > 0 {
				items = append(items, it)
			}
		}
		got := make([]readerSample, len(items))
		err := forEach(ctx, len(items), func(ctx context.Context, i int) error {
			rd, err := r.Read(ctx, rag.Request{Collection: set.Collection, Question: items[i].Question})
			if err != nil {
				return fmt.Errorf("question %q: read: %w", items[i].ID, err)
			}
			got[i] = sampleOf(set.Collection, items[i], rd)
			return nil
		})
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// sampleOf labels a reading's sentences; a refused reading keeps no
// sentences (it cannot lead with any). Its group is the document of the
// first sentence holding the keywords, or of the first gold passage.
func sampleOf(collection string, it QAItem, rd *answer.Reading) readerSample {
	s := readerSample{group: collection + ": (answer not retrieved)"}
	if rd.Refused {
		s.group = collection + ": (refused)"
		return s
	}
	for _, ss := range rd.Sentences {
		pos := ContainsAll(ss.Text, it.AnswerKeywords)
		if pos && !anyTrue(s.pos) {
			s.group = collection + ": " + rd.Retrieved[ss.Passage].Title
		}
		s.x, s.pos, s.rel = append(s.x, ss.Features), append(s.pos, pos), append(s.rel, ss.Relevance)
	}
	s.usable = anyTrue(s.pos) && !allTrue(s.pos)
	return s
}

// hit reports 1 when the best of scores falls on a positive sentence.
func (s readerSample) hit(scores []float64) int {
	best := -1
	for i, v := range scores {
		if best < 0 || v > scores[best] {
			best = i
		}
	}
	if best >= 0 && s.pos[best] {
		return 1
	}
	return 0
}

func (s readerSample) scores(w []float64) []float64 {
	out := make([]float64, len(s.x))
	for i, x := range s.x {
		out[i] = dot(w, x)
	}
	return out
}

// fitSoftmax minimises the mean listwise loss −log Σpos softmax(w·x)
// over the usable samples that keep accepts (all when nil), plus
// l2/2·|w|², by gradient descent from zero: deterministic.
func fitSoftmax(samples []readerSample, keep func(readerSample) bool, l2 float64) []float64 {
	const (
		steps = 3000
		lr    = 0.5
	)
	w := make([]float64, len(answer.FeatureNames))
	for range steps {
		g := make([]float64, len(w))
		n := 0
		for _, s := range samples {
			if !s.usable || keep != nil && !keep(s) {
				continue
			}
			n++
			s.addGradient(w, g)
		}
		if n == 0 {
			return w
		}
		for j := range w {
			w[j] -= lr * (g[j]/float64(n) + l2*w[j])
		}
	}
	return w
}

// addGradient adds the gradient of the sample's loss at w to g: the
// softmax over all sentences minus the softmax over the positive ones.
func (s readerSample) addGradient(w, g []float64) {
	sc := s.scores(w)
	top := math.Inf(-1)
	for _, v := range sc {
		top = max(top, v)
	}
	var all, pos float64
	e := make([]float64, len(sc))
	for i, v := range sc {
		e[i] = math.Exp(v - top)
		all += e[i]
		if s.pos[i] {
			pos += e[i]
		}
	}
	for i, x := range s.x {
		c := e[i] / all
		if s.pos[i] {
			c -= e[i] / pos
		}
		for j, v := range x {
			g[j] += c * v
		}
	}
}

// groups lists the distinct groups of samples holding an answer, sorted.
func groups(samples []readerSample) []string {
	seen := make(map[string]bool)
	var out []string
	for _, s := range samples {
		if !seen[s.group] {
			seen[s.group] = true
			out = append(out, s.group)
		}
	}
	sort.Strings(out)
	return out
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func anyTrue(bs []bool) bool {
	for _, b := range bs {
		if b {
			return true
		}
	}
	return false
}

func allTrue(bs []bool) bool {
	for _, b := range bs {
		if !b {
			return false
		}
	}
	return true
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// Rows implements Report: the lead rates, then each held-out group.
func (f ReaderFit) Rows() []Row {
	rows := []Row{
		{"questions", fmt.Sprint(f.Questions)},
		{"reachable", fmt.Sprint(f.Reachable)},
		rate("relevance_lead", f.RelevanceLead),
		rate("fitted_lead", f.FittedLead),
		rate("held_out_lead", f.HeldOutLead),
	}
	for _, g := range f.HeldOut {
		rows = append(rows, Row{"held_out " + g.Group, fmt.Sprintf("%d q, relevance %.4f, held out %.4f", g.Questions, g.RelevanceLead, g.HeldOutLead)})
	}
	for i, n := range f.Weights.Features {
		rows = append(rows, Row{"weight " + n, fmt.Sprintf("%.4f", f.Weights.Weights[i])})
	}
	return rows
}
