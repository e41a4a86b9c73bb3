package eval

import (
	"context"
	"errors"
	"fmt"

	"github.com/citebot/citebot/rag"
)

// Answerer runs the full answer pipeline for one request. partial receives
// streamed text as it is produced; the runners discard it.
type Answerer interface {
	Answer(ctx context.Context, req rag.Request, partial func(string)) (*rag.Answer, error)
}

// AnswerReport is the outcome of RunAnswers. Each rate is 0 when its
// denominator is empty.
type AnswerReport struct {
	// KeywordHit: of the answerable questions that have answer_keywords,
	// the fraction whose answer text contains every keyword
	// (case-insensitive, white space normalised). A refusal counts as a
	// miss.
	KeywordHit float64 `json:"keyword_hit"`
	// RefusalCorrect: of the unanswerable questions, the fraction refused.
	RefusalCorrect float64 `json:"refusal_correct"`
	// FalseRefusal: of the answerable questions, the fraction refused.
	FalseRefusal float64 `json:"false_refusal"`
	// CitationValid: of the answers not refused (answerable or not), the
	// fraction that cite at least once and whose every [n] citation names
	// one of the answer's Sources whose passage is among the passages
	// retrieval returned (Answer.Retrieved). An answer without citations is
	// not valid: citebot's answers must be grounded.
	CitationValid float64 `json:"citation_valid"`
	// CitationGold: of the answerable questions whose answer was not
	// refused, the fraction where some passage cited in the text contains a
	// gold string (matched against the passage's Text, as retrieval is).
	CitationGold float64 `json:"citation_gold"`
	// Questions counts every question run, answerable or not.
	Questions int `json:"questions"`
}

// answerOutcome is what one answer contributes to the report.
type answerOutcome struct {
	refused       bool
	keywords      bool
	citationValid bool
	citationGold  bool
}

// RunAnswers asks every question of items in collection, each without
// history, and scores the answers.
func RunAnswers(ctx context.Context, a Answerer, collection string, items []QAItem) (AnswerReport, error) {
	if len(items) == 0 {
		return AnswerReport{}, errors.New("no questions to ask")
	}
	outs := make([]answerOutcome, len(items))
	err := forEach(ctx, len(items), func(ctx context.Context, i int) error {
		req := rag.Request{Collection: collection, Question: items[i].Question}
		ans, err := a.Answer(ctx, req, func(string) {})
		if err != nil {
			return fmt.Errorf("question %q: answer: %w", items[i].ID, err)
		}
		if ans == nil {
			return fmt.Errorf("question %q: answerer returned no answer", items[i].ID)
		}
		outs[i] = scoreAnswer(items[i], ans)
		return nil
	})
	if err != nil {
		return AnswerReport{}, err
	}
	return answerReport(items, outs), nil
}

func scoreAnswer(it QAItem, ans *rag.Answer) answerOutcome {
	cited := citedPassages(ans)
	out := answerOutcome{
		refused:       ans.Refused,
		keywords:      !ans.Refused && ContainsAll(ans.Text, it.AnswerKeywords),
		citationValid: citationsValid(ans, cited),
	}
	for _, p := range cited {
		if p != nil && MatchGold(p.Text, it.Gold) {
			out.citationGold = true
		}
	}
	return out
}

func answerReport(items []QAItem, outs []answerOutcome) AnswerReport {
	var kw, refusal, falseRefusal, valid, gold ratio
	for i, it := range items {
		o := outs[i]
		if !it.Answerable {
			refusal.add(o.refused)
		} else {
			falseRefusal.add(o.refused)
			if len(it.AnswerKeywords) > 0 {
				kw.add(o.keywords)
			}
		}
		if o.refused {
			continue
		}
		valid.add(o.citationValid)
		if it.Answerable {
			gold.add(o.citationGold)
		}
	}
	return AnswerReport{
		KeywordHit:     kw.value(),
		RefusalCorrect: refusal.value(),
		FalseRefusal:   falseRefusal.value(),
		CitationValid:  valid.value(),
		CitationGold:   gold.value(),
		Questions:      len(items),
	}
}

// citedPassages resolves each distinct [n] citation in the answer text to
// its source's passage, nil when no source has that number.
func citedPassages(ans *rag.Answer) []*rag.Passage {
	byN := make(map[int]*rag.Passage, len(ans.Sources))
	for i := range ans.Sources {
		byN[ans.Sources[i].N] = &ans.Sources[i].Passage
	}
	var out []*rag.Passage
	for _, n := range Citations(ans.Text) {
		out = append(out, byN[n])
	}
	return out
}

// citationsValid reports whether there is at least one citation and every
// one resolves to a retrieved passage.
func citationsValid(ans *rag.Answer, cited []*rag.Passage) bool {
	if len(cited) == 0 {
		return false
	}
	retrieved := make(map[passageKey]bool, len(ans.Retrieved))
	for _, p := range ans.Retrieved {
		retrieved[keyOf(p)] = true
	}
	for _, p := range cited {
		if p == nil || !retrieved[keyOf(*p)] {
			return false
		}
	}
	return true
}

// passageKey identifies a passage: its chunk, and where it sits, so that
// passages without database ids (in tests, say) still compare sensibly.
type passageKey struct {
	chunk      int64
	source     string
	position   int
	start, end int
}

func keyOf(p rag.Passage) passageKey {
	return passageKey{p.ChunkID, p.Source, p.Position, p.Start, p.End}
}
