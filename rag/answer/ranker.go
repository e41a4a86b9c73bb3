package answer

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/citebot/citebot/rag"
)

// FeatureNames name the features the reader scores a sentence by, in the
// order of ReaderWeights.Weights. Each is computed by sentenceFeatures;
// a weights file must list exactly these.
var FeatureNames = []string{
	"cosine",          // cosine(query, sentence)
	"coverage",        // share of the query's content words in the sentence
	"idf_coverage",    // the same, each word weighed by its idf over the retrieved sentences
	"window_coverage", // coverage of the sentence with the one before it
	"next_coverage",   // coverage of the sentence with the one after it
	"typed_phrase",    // the question asks for a kind of phrase and the sentence holds one
	"typed_missing",   // the question asks for a kind of phrase and the sentence holds none
	"passage_rank",    // 1/(1+rank) of the sentence's passage in retrieval
	"passage_score",   // the passage's fused retrieval score over the best one's
	"first_sentence",  // 1 for the first sentence of its passage
	"log_length",      // log of the sentence's word count
	"novelty",         // share of the sentence's content words not in the query
	"entity_missing",  // share of the question's names the sentence and its neighbours lack
	"relevance_gap",   // the sentence's relevance minus the best sentence's
	"bigram_coverage", // share of the query's adjacent content-word pairs found adjacent in the sentence
	"anaphor_prev",    // for a sentence opening with a referring word ("They …"), the coverage of the one before
}

// ReaderWeights is a fitted linear scorer over FeatureNames: a sentence's
// score is the dot product of Weights with its features, and the answer
// leads with the best-scoring sentence. `citebot eval reader` fits it.
type ReaderWeights struct {
	Features []string  `json:"features"`
	Weights  []float64 `json:"weights"`
	// Command is the command that produced the weights, for the record.
	Command string `json:"command,omitempty"`
}

//go:embed reader_weights.json
var defaultWeightsJSON []byte

// DefaultReaderWeights returns the weights embedded in the package,
// fitted by the command they name.
func DefaultReaderWeights() (ReaderWeights, error) {
	var w ReaderWeights
	if err := json.Unmarshal(defaultWeightsJSON, &w); err != nil {
		return w, fmt.Errorf("read embedded reader weights: %w", err)
	}
	return w, w.check()
}

// check reports whether w names exactly FeatureNames, in order.
func (w ReaderWeights) check() error {
	if !slices.Equal(w.Features, FeatureNames) || len(w.Weights) != len(FeatureNames) {
		return fmt.Errorf("reader weights: features %v with %d weights, want %v", w.Features, len(w.Weights), FeatureNames)
	}
	return nil
}

// score is the weighted sum of a sentence's features.
func (w ReaderWeights) score(x []float64) float64 {
	s := 0.0
	for i, v := range x {
		s += w.Weights[i] * v
	}
	return s
}

// rankInputs is what sentenceFeatures needs beyond the candidate itself.
type rankInputs struct {
	question string
	qTerms   []string
	idf      map[string]float64
	passages []rag.Passage
	maxScore float64
	bestRel  float64
	kind     kind
	entities []string
}

func newRankInputs(question string, qTerms []string, cands []candidate, passages []rag.Passage) rankInputs {
	in := rankInputs{question: question, qTerms: qTerms, passages: passages, kind: questionKind(question),
		entities: questionEntities(question), idf: make(map[string]float64)}
	for _, p := range passages {
		in.maxScore = max(in.maxScore, p.Score)
	}
	for _, c := range cands {
		in.bestRel = max(in.bestRel, c.rel)
	}
	df := make(map[string]int)
	for _, c := range cands {
		for t := range termSet(c.text) {
			df[t]++
		}
	}
	n := float64(len(cands))
	for _, t := range qTerms {
		in.idf[t] = math.Log(1 + n/float64(1+df[t]))
	}
	return in
}

// sentenceFeatures computes FeatureNames for candidate c.
func sentenceFeatures(in rankInputs, c candidate, cos, window float64) []float64 {
	have := termSet(c.text)
	x := make([]float64, len(FeatureNames))
	x[0] = cos
	x[1] = coverage(in.qTerms, have)
	x[2] = idfCoverage(in.qTerms, have, in.idf)
	x[3] = window
	x[4] = coverage(in.qTerms, termSet(c.text+" "+c.next))
	if in.kind != kindNone && !yesNoQuestion(in.question) {
		if answerPhrase(in.question, c.text) != "" {
			x[5] = 1
		} else {
			x[6] = 1
		}
	}
	x[7] = 1 / float64(1+c.passage)
	if in.maxScore > 0 {
		x[8] = in.passages[c.passage].Score / in.maxScore
	}
	if c.prev == "" {
		x[9] = 1
	}
	x[10] = math.Log(float64(1 + len(words(c.text))))
	x[11] = novelty(in.qTerms, c.text)
	x[12] = missingShare(in.entities, c.prev+" "+c.text+" "+c.next+" "+in.passages[c.passage].Title)
	x[13] = c.rel - in.bestRel
	x[14] = bigramCoverage(in.qTerms, contentTerms(c.text))
	if leansBack(c) {
		x[15] = coverage(in.qTerms, termSet(c.prev))
	}
	return x
}

// bigramCoverage is the share of the adjacent pairs of q's terms found
// adjacent in s's terms.
func bigramCoverage(q, s []string) float64 {
	if len(q) < 2 {
		return 0
	}
	have := make(map[[2]string]bool, len(s))
	for i := 1; i < len(s); i++ {
		have[[2]string{s[i-1], s[i]}] = true
	}
	hit := 0
	for i := 1; i < len(q); i++ {
		if have[[2]string{q[i-1], q[i]}] {
			hit++
		}
	}
	return float64(hit) / float64(len(q)-1)
}

// anaphors open a sentence that leans on the one before it.
var anaphors = map[string]bool{"this": true, "these": true, "they": true, "it": true, "its": true, "their": true,
	"such": true, "he": true, "she": true, "his": true, "her": true, "those": true, "there": true, "both": true}

// leansBack reports whether c opens with a referring word and has a
// sentence before it: it is quoted with that sentence.
func leansBack(c candidate) bool {
	ws := words(c.text)
	return c.prev != "" && c.code == nil && len(ws) > 0 && anaphors[ws[0]]
}

// idfCoverage is coverage with each distinct query term weighed by idf.
func idfCoverage(qTerms []string, have map[string]bool, idf map[string]float64) float64 {
	seen := make(map[string]bool)
	var hit, all float64
	for _, t := range qTerms {
		if seen[t] {
			continue
		}
		seen[t] = true
		all += idf[t]
		if have[t] || prefixMatch(t, have) {
			hit += idf[t]
		}
	}
	if all == 0 {
		return 0
	}
	return hit / all
}

// novelty is the share of the sentence's distinct content words that the
// query lacks: a sentence that only restates the question answers nothing.
func novelty(qTerms []string, s string) float64 {
	q := make(map[string]bool, len(qTerms))
	for _, t := range qTerms {
		q[t] = true
	}
	have := termSet(s)
	if len(have) == 0 {
		return 0
	}
	n := 0
	for t := range have {
		if !q[t] {
			n++
		}
	}
	return float64(n) / float64(len(have))
}

// missingShare is the share of entities (acronyms aside) that text does
// not mention.
func missingShare(entities []string, text string) float64 {
	n, miss := 0, 0
	for _, e := range entities {
		if isAcronym(e) {
			continue
		}
		n++
		if !mentions(text, e) {
			miss++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(miss) / float64(n)
}

// byScore returns the candidates ordered by the reader's score, best
// first; ties keep their relevance order.
func byScore(cands []candidate) []candidate {
	out := slices.Clone(cands)
	slices.SortStableFunc(out, func(a, b candidate) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
	return out
}

// ScoredSentence is one sentence of the retrieved passages as the reader
// saw it, for fitting and inspecting the reader.
type ScoredSentence struct {
	// Text is what an answer would quote for the sentence.
	Text string `json:"text"`
	// Passage indexes Reading.Retrieved.
	Passage   int       `json:"passage"`
	Relevance float64   `json:"relevance"`
	Score     float64   `json:"score"`
	Features  []float64 `json:"features"`
}

// Reading is what the reader saw for one question: the retrieved
// passages and their scored sentences, most relevant first.
type Reading struct {
	Retrieved []rag.Passage    `json:"retrieved"`
	Sentences []ScoredSentence `json:"sentences"`
	Refused   bool             `json:"refused"`
}

// Read retrieves passages for req and scores their sentences as Answer
// would, without composing an answer; history is not used.
func (p *Pipeline) Read(ctx context.Context, req rag.Request) (*Reading, error) {
	q, err := p.validate(req.Question)
	if err != nil {
		return nil, err
	}
	passages, err := p.cfg.Retriever.Retrieve(ctx, req.Collection, q, p.cfg.TopK)
	if err != nil {
		return nil, err
	}
	cands, err := p.rank(ctx, q, passages)
	if err != nil {
		return nil, err
	}
	r := &Reading{Retrieved: passages, Refused: bestRelevance(cands) < p.minRelevance(q, cands)}
	for _, c := range cands {
		r.Sentences = append(r.Sentences, ScoredSentence{Text: strings.TrimSpace(quoted(c)), Passage: c.passage,
			Relevance: c.rel, Score: c.score, Features: c.features})
	}
	return r, nil
}
