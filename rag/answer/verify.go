package answer

import (
	"context"
	"strings"

	"github.com/citebot/citebot/rag"
)

// minClaimTerms: sentences with fewer content words are not claims. Those
// made of connective words only ("Yes.", "In short:") are kept, uncited;
// any other ("PWNED.") can be neither checked nor trusted, and is dropped.
const minClaimTerms = 2

// connectives are the words a short uncited sentence may consist of.
var connectives = map[string]bool{"yes": true, "no": true, "short": true, "summary": true, "sum": true,
	"however": true, "also": true, "additionally": true, "furthermore": true, "moreover": true,
	"first": true, "second": true, "third": true, "finally": true, "overall": true, "briefly": true,
	"indeed": true, "correct": true, "addition": true, "brief": true, "next": true, "then": true}

// connective reports whether every term is a connective word.
func connective(terms []string) bool {
	for _, t := range terms {
		if !connectives[t] {
			return false
		}
	}
	return true
}

// noAnswerMarker is what the prompt tells the model to reply when the
// sources do not answer.
const noAnswerMarker = "NOT_IN_SOURCES"

// verdict is the outcome of checking an answer's citations.
type verdict struct {
	text     string // renumbered in order of first use
	sources  []rag.Source
	claims   int
	backed   int
	refusal  bool   // the model refused or cited nothing valid
	reason   string // why the answer cannot stand, for logs
	moved    int
	dropped  int
	outRange int
}

// support is what the verifier knows of one given passage.
type support struct {
	terms map[string]bool
	vecs  [][]float32 // the whole body first, then each sentence
}

// verify checks every citation of raw against the given passages
// (numbered from 1): citations out of range are removed, unsupported ones
// moved to a passage that supports the sentence or dropped, unsupported
// sentences removed, and sources renumbered in order of first use.
func (p *Pipeline) verify(ctx context.Context, raw string, given []rag.Passage) (verdict, error) {
	var v verdict
	if strings.Contains(raw, noAnswerMarker) {
		v.refusal, v.reason = true, "model refused"
		return v, nil
	}
	cs := splitClaims(raw)
	valid, cited := validCites(cs, len(given))
	for _, c := range cs {
		v.outRange += len(c.cites)
	}
	v.outRange -= cited
	if cited == 0 {
		v.refusal, v.reason = true, "no valid citation"
		return v, nil
	}
	fold := newFolder(passageAcronyms(given)).fold
	bare := make([]string, len(cs))
	for i, c := range cs {
		bare[i] = c.bare
	}
	sup, claimVecs, err := p.supportData(ctx, bare, given, fold)
	if err != nil {
		return v, err
	}
	var keep []claim
	var keepCites [][]int
	for i, c := range cs {
		if terms := contentTerms(c.bare); len(terms) < minClaimTerms {
			v.dropped += len(valid[i])
			if connective(terms) { // kept, uncited
				keep, keepCites = append(keep, c), append(keepCites, nil)
			}
			continue
		}
		v.claims++
		cites := p.checkClaim(contentTerms(fold(c.bare)), claimVecs[i], valid[i], sup, &v)
		if len(cites) == 0 {
			continue
		}
		v.backed++
		keep, keepCites = append(keep, c), append(keepCites, cites)
	}
	if v.claims == 0 || float64(v.backed) < p.cfg.MinSupported*float64(v.claims) {
		v.refusal, v.reason = true, "too few claims supported"
		return v, nil
	}
	v.text, v.sources = renumber(keep, keepCites, given)
	return v, nil
}

// validCites keeps each claim's citations that name one of n given
// sources and counts them.
func validCites(cs []claim, n int) ([][]int, int) {
	valid := make([][]int, len(cs))
	count := 0
	for i, c := range cs {
		for _, k := range c.cites {
			if k >= 1 && k <= n {
				valid[i] = append(valid[i], k)
				count++
			}
		}
	}
	return valid, count
}

// checkClaim keeps the citations whose passage supports the sentence; if
// none does, it moves the citation to the given passage that supports it
// best, and returns nothing when no passage does.
func (p *Pipeline) checkClaim(terms []string, vec []float32, cites []int, sup []support, v *verdict) []int {
	var ok []int
	for _, n := range cites {
		if _, yes := p.supports(terms, vec, sup[n-1]); yes {
			ok = append(ok, n)
		}
	}
	if len(ok) > 0 {
		v.dropped += len(cites) - len(ok)
		return ok
	}
	if p.jointlySupports(terms, vec, cites, sup) {
		return cites
	}
	best, bestScore := 0, -1.0
	for i := range sup {
		if s, yes := p.supports(terms, vec, sup[i]); yes && s > bestScore {
			best, bestScore = i+1, s
		}
	}
	if best == 0 {
		v.dropped += len(cites)
		return nil
	}
	if len(cites) > 0 {
		v.moved++
	}
	return []int{best}
}

// supports scores a sentence against a passage and reports whether both
// the lexical and the embedding thresholds are met.
func (p *Pipeline) supports(terms []string, vec []float32, s support) (float64, bool) {
	lex := coverage(terms, s.terms)
	emb := 0.0
	for _, pv := range s.vecs {
		emb = max(emb, cosine(vec, pv))
	}
	return lex + emb, lex >= p.cfg.MinLexicalSupport && emb >= p.cfg.MinEmbeddingSupport
}

// minShare is the least share of a sentence's words each of several
// jointly cited passages must hold.
const minShare = 0.25

// jointlySupports reports whether several cited passages together support
// a sentence that none supports alone ("X runs on Linux and listens on
// 8080 [1, 2]"): their pooled words meet the lexical threshold, one meets
// the embedding threshold, and each holds a fair share of the words.
func (p *Pipeline) jointlySupports(terms []string, vec []float32, cites []int, sup []support) bool {
	if len(cites) < 2 {
		return false
	}
	pooled := make(map[string]bool)
	emb := 0.0
	for _, n := range cites {
		if coverage(terms, sup[n-1].terms) < minShare {
			return false
		}
		for t := range sup[n-1].terms {
			pooled[t] = true
		}
		for _, pv := range sup[n-1].vecs {
			emb = max(emb, cosine(vec, pv))
		}
	}
	return coverage(terms, pooled) >= p.cfg.MinLexicalSupport && emb >= p.cfg.MinEmbeddingSupport
}

// supportData embeds the claims, the passages and their sentences in one
// batch; the passages' word sets have acronyms folded by fold.
func (p *Pipeline) supportData(ctx context.Context, claims []string, given []rag.Passage, fold func(string) string) ([]support, [][]float32, error) {
	texts := make([]string, 0, len(claims)+4*len(given))
	texts = append(texts, claims...)
	spans := make([][2]int, len(given))
	for i, g := range given {
		start := len(texts)
		texts = append(texts, body(g))
		texts = append(texts, sentences(body(g))...)
		spans[i] = [2]int{start, len(texts)}
	}
	vecs, err := p.embed(ctx, texts)
	if err != nil {
		return nil, nil, err
	}
	sup := make([]support, len(given))
	for i, g := range given {
		sup[i] = support{terms: termSet(fold(body(g))), vecs: vecs[spans[i][0]:spans[i][1]]}
	}
	return sup, vecs[:len(claims)], nil
}

// body is what a model reads of a passage: its context when the
// retriever filled one, else its text.
func body(p rag.Passage) string {
	if strings.TrimSpace(p.Context) != "" {
		return p.Context
	}
	return p.Text
}

// renumber rewrites the citations in order of first use and lists the
// cited passages.
func renumber(cs []claim, cites [][]int, given []rag.Passage) (string, []rag.Source) {
	num := newNumbering(given)
	out := make([][]int, len(cites))
	for i, ns := range cites {
		for _, n := range ns {
			out[i] = appendNew(out[i], num.cite(n-1))
		}
	}
	return joinClaims(cs, out), num.sources()
}
