package eval

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/citebot/citebot/rag"
)

// Answerer runs the full answer pipeline for one request. partial receives
// streamed text as it is produced; the runners discard it.
type Answerer interface {
	Answer(ctx context.Context, req rag.Request, partial func(string)) (*rag.Answer, error)
}

// AnswerReport is the outcome of RunAnswers. Each rate is nil (null in
// JSON, "n/a" in a table) when its denominator is empty.
type AnswerReport struct {
	// KeywordHit: of the answerable questions that have answer_keywords,
	// the fraction whose answer text contains every keyword
	// (case-insensitive, white space normalised). A refusal counts as a
	// miss.
	KeywordHit *float64 `json:"keyword_hit"`
	// KeywordHitFirst is KeywordHit on the lead answer only (LeadAnswer):
	// the answer must put what answers the question first, not in a later
	// quote.
	KeywordHitFirst *float64 `json:"keyword_hit_first"`
	// RefusalCorrect: of the unanswerable questions, the fraction refused.
	RefusalCorrect *float64 `json:"refusal_correct"`
	// FalseRefusal: of the answerable questions, the fraction refused.
	FalseRefusal *float64 `json:"false_refusal"`
	// CitationValid: of the answers not refused (answerable or not), the
	// fraction that cite at least once and whose every [n] citation names
	// one of the answer's Sources whose passage is among the passages
	// retrieval returned (Answer.Retrieved). An answer without citations is
	// not valid: citebot's answers must be grounded.
	CitationValid *float64 `json:"citation_valid"`
	// CitationGold: of the answerable questions whose answer was not
	// refused, the fraction where some passage cited in the text contains a
	// gold string (matched against the passage's Text, as retrieval is).
	CitationGold *float64 `json:"citation_gold"`
	// Questions counts every question run, answerable or not.
	Questions int `json:"questions"`
	// Failures lists the questions that failed some metric, in file
	// order. RunAnswers always fills it; callers that do not want it
	// clear it, and JSON leaves it out when empty.
	Failures []AnswerFailure `json:"failures,omitempty"`
}

// AnswerFailure is one question that failed a metric, with what the
// answerer saw and said.
type AnswerFailure struct {
	ID       string `json:"id"`
	Question string `json:"question"`
	// Failed names the metrics it failed: keyword_hit, keyword_hit_first,
	// false_refusal, refusal_correct, citation_valid, citation_gold.
	Failed    []string      `json:"failed"`
	Keywords  []string      `json:"answer_keywords,omitempty"`
	Answer    string        `json:"answer"`
	Refused   bool          `json:"refused"`
	Retrieved []rag.Passage `json:"retrieved"`
}

// answerOutcome is what one answer contributes to the report.
type answerOutcome struct {
	refused       bool
	keywords      bool
	keywordsFirst bool
	citationValid bool
	citationGold  bool
	ans           *rag.Answer
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
		keywordsFirst: !ans.Refused && ContainsAll(LeadAnswer(ans.Text), it.AnswerKeywords),
		citationValid: citationsValid(ans, cited),
		ans:           ans,
	}
	for _, p := range cited {
		if p != nil && MatchGold(p.Text, it.Gold) {
			out.citationGold = true
		}
	}
	return out
}

// LeadAnswer is the part of an answer that leads: its text up to the end
// of the first citation (a short answer phrase and the sentence quoted
// for it, or the first cited sentence), or its first paragraph when it
// cites nothing.
func LeadAnswer(text string) string {
	if end := firstCitationEnd(text); end > 0 {
		return text[:end]
	}
	para, _, _ := strings.Cut(strings.TrimSpace(text), "\n\n")
	return para
}

// firstCitationEnd is the offset just past the first citation bracket of
// text, as Citations reads them, or 0 when there is none.
func firstCitationEnd(text string) int {
	code := codeMask(text)
	for off := 0; ; {
		open := strings.IndexByte(text[off:], '[')
		if open < 0 {
			return 0
		}
		open += off
		end := strings.IndexByte(text[open+1:], ']')
		if end < 0 {
			return 0
		}
		end += open + 1
		if _, ok := parseCitation(text[open+1 : end]); ok && !code[open] {
			return end + 1
		}
		off = open + 1
	}
}

// codeMask marks the bytes of text inside backtick code spans, which
// Citations ignores.
func codeMask(text string) []bool {
	mask := make([]bool, len(text))
	in := false
	for i := range len(text) {
		if text[i] == '`' {
			in = !in
		}
		mask[i] = in
	}
	return mask
}

func answerReport(items []QAItem, outs []answerOutcome) AnswerReport {
	var kw, kwFirst, refusal, falseRefusal, valid, gold ratio
	var failures []AnswerFailure
	for i, it := range items {
		o := outs[i]
		var failed []string
		check := func(r *ratio, name string, ok bool) {
			r.add(ok)
			if !ok {
				failed = append(failed, name)
			}
		}
		if !it.Answerable {
			check(&refusal, "refusal_correct", o.refused)
		} else {
			check(&falseRefusal, "false_refusal", !o.refused)
			if len(it.AnswerKeywords) > 0 {
				check(&kw, "keyword_hit", o.keywords)
				check(&kwFirst, "keyword_hit_first", o.keywordsFirst)
			}
		}
		if !o.refused {
			check(&valid, "citation_valid", o.citationValid)
			if it.Answerable {
				check(&gold, "citation_gold", o.citationGold)
			}
		}
		if len(failed) > 0 {
			failures = append(failures, failure(it, o, failed))
		}
	}
	// false_refusal counts refusals: its ratio above counted answers.
	falseRefusal.hit = falseRefusal.of - falseRefusal.hit
	return AnswerReport{
		KeywordHit:      kw.orNil(),
		KeywordHitFirst: kwFirst.orNil(),
		RefusalCorrect:  refusal.orNil(),
		FalseRefusal:    falseRefusal.orNil(),
		CitationValid:   valid.orNil(),
		CitationGold:    gold.orNil(),
		Questions:       len(items),
		Failures:        failures,
	}
}

func failure(it QAItem, o answerOutcome, failed []string) AnswerFailure {
	f := AnswerFailure{ID: it.ID, Question: it.Question, Failed: failed, Keywords: it.AnswerKeywords}
	if o.ans != nil {
		f.Answer, f.Refused, f.Retrieved = o.ans.Text, o.ans.Refused, o.ans.Retrieved
	}
	return f
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
