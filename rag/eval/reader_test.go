package eval

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/answer"
)

// fakeReader returns, for each question, two sentences: a distractor
// with the higher relevance and the answer. Feature 0 marks the answer,
// so a fitted scorer learns to prefer it; relevance alone never does.
type fakeReader struct{ refuse map[string]bool }

func (f fakeReader) Read(_ context.Context, req rag.Request) (*answer.Reading, error) {
	x := func(mark float64) []float64 {
		v := make([]float64, len(answer.FeatureNames))
		v[0] = mark
		return v
	}
	doc := map[string]string{"a1": "alpha", "a2": "alpha", "b1": "beta", "b2": "beta"}[req.Question]
	return &answer.Reading{
		Retrieved: []rag.Passage{{Title: doc}},
		Refused:   f.refuse[req.Question],
		Sentences: []answer.ScoredSentence{
			{Text: "a distractor", Relevance: 0.9, Features: x(0)},
			{Text: "the answer is " + req.Question, Relevance: 0.5, Features: x(1)},
		},
	}, nil
}

// fitReader reads cases with r, round-trips them through WriteCases and
// ReadCasesFrom, and fits them.
func fitReader(t *testing.T, r SentenceReader, sets []ReaderSet) (ReaderFit, error) {
	t.Helper()
	cases, err := ReadCases(t.Context(), r, sets)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCases(&buf, cases); err != nil {
		t.Fatal(err)
	}
	back, err := ReadCasesFrom(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return FitCases(back, 0.001)
}

func TestFitReader(t *testing.T) {
	items := func(ids ...string) []QAItem {
		var out []QAItem
		for _, id := range ids {
			out = append(out, QAItem{ID: id, Question: id, Gold: []string{id}, AnswerKeywords: []string{id}, Answerable: true})
		}
		return append(out, QAItem{ID: "u", Question: "u", Answerable: false})
	}
	tests := []struct {
		name                          string
		refuse                        map[string]bool
		wantQ, wantReach              int
		wantRel, wantFit, wantHeldOut float64
		wantGroups                    int
	}{
		{"the fit finds the answer, held out too", nil, 4, 4, 0, 1, 1, 2},
		{"a refused question is a miss", map[string]bool{"b2": true}, 4, 3, 0, 0.75, 0.75, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fit, err := fitReader(t, fakeReader{tt.refuse}, []ReaderSet{{Collection: "c", Items: items("a1", "a2", "b1", "b2")}})
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprint(fit.Questions, fit.Reachable, fit.RelevanceLead, fit.FittedLead, fit.HeldOutLead, len(fit.HeldOut))
			want := fmt.Sprint(tt.wantQ, tt.wantReach, tt.wantRel, tt.wantFit, tt.wantHeldOut, tt.wantGroups)
			if got != want {
				t.Errorf("questions, reachable, relevance, fitted, held out, groups = %s, want %s", got, want)
			}
			if fit.Weights.Weights[0] <= 0 {
				t.Errorf("weight of the answer's mark = %g, want > 0", fit.Weights.Weights[0])
			}
		})
	}
}

func TestFitReaderNoQuestions(t *testing.T) {
	_, err := fitReader(t, fakeReader{}, []ReaderSet{{Collection: "c", Items: []QAItem{{ID: "u", Question: "u"}}}})
	if err == nil {
		t.Fatal("FitReader with no answerable questions: no error")
	}
}

func TestFitCasesRejectsRaggedCase(t *testing.T) {
	_, err := FitCases([]ReaderCase{{Group: "g", Features: [][]float64{{1}}, Positive: []bool{true, false}, Relevance: []float64{1}}}, 0.001)
	if err == nil {
		t.Fatal("a case with more labels than sentences: no error")
	}
}
