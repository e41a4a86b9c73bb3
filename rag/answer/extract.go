package answer

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/citebot/citebot/rag"
)

// candidate is one sentence of a retrieved passage scored against the
// query.
type candidate struct {
	text    string
	passage int // index into the retrieved passages
	rel     float64
	vec     []float32
	// prev and next are the sentences around it in its passage, "" at
	// the ends.
	prev, next string
	// features are the reader's (FeatureNames) and score their weighted
	// sum under the pipeline's ReaderWeights.
	features []float64
	score    float64
	// code, when set, makes the candidate a code block (text is then its
	// lead-in, possibly ""): considered only for how-to questions.
	code *codeSegment
}

// matchText is the text a candidate is matched against the query by.
func (c candidate) matchText() string {
	if c.code != nil {
		return c.text + "\n" + c.code.code
	}
	return c.text
}

// minSentenceTerms keeps fragments such as headings or captions out of
// extracted answers.
const minSentenceTerms = 3

// rank splits the passages into sentences and scores each against the
// query, best first. Acronyms the passages define are folded into one
// spelling, and a sentence's term coverage may borrow from the sentence
// before it ("In return, they get …"), discounted by windowDiscount.
func (p *Pipeline) rank(ctx context.Context, query string, passages []rag.Passage) ([]candidate, error) {
	fold := newFolder(passageAcronyms(passages)).fold
	var cands []candidate
	var windows []map[string]bool
	for i, ps := range passages {
		ss := sentences(prose(ps.Text))
		for j, s := range ss {
			if len(contentTerms(s)) < minSentenceTerms {
				continue
			}
			c := candidate{text: s, passage: i}
			if j > 0 {
				c.prev = ss[j-1]
			}
			if j+1 < len(ss) {
				c.next = ss[j+1]
			}
			cands = append(cands, c)
			windows = append(windows, termSet(fold(c.prev+" "+s)))
		}
		if howTo(query) {
			for _, seg := range passageCode(ps) {
				c := candidate{text: seg.leadIn, passage: i, code: &seg}
				cands = append(cands, c)
				windows = append(windows, termSet(fold(ps.Title+" "+strings.Join(ps.HeadingPath, " ")+" "+c.matchText())))
			}
		}
	}
	if len(cands) == 0 {
		return nil, nil
	}
	query = fold(query)
	texts := make([]string, 0, len(cands)+1)
	texts = append(texts, query)
	for _, c := range cands {
		if c.code != nil {
			texts = append(texts, fold(c.code.prose()))
			continue
		}
		texts = append(texts, fold(c.text))
	}
	vecs, err := p.embed(ctx, texts)
	if err != nil {
		return nil, err
	}
	qTerms := contentTerms(query)
	w := p.cfg.RelevanceEmbeddingWeight
	cos := make([]float64, len(cands))
	win := make([]float64, len(cands))
	for i := range cands {
		cands[i].vec = vecs[i+1]
		cos[i], win[i] = cosine(vecs[0], vecs[i+1]), coverage(qTerms, windows[i])
		lex := max(coverage(qTerms, termSet(fold(cands[i].matchText()))), windowDiscount*win[i])
		cands[i].rel = w*cos[i] + (1-w)*lex
	}
	in := newRankInputs(query, qTerms, cands, passages)
	for i := range cands {
		cands[i].features = sentenceFeatures(in, cands[i], cos[i], win[i])
		cands[i].score = p.weights.score(cands[i].features)
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].rel > cands[b].rel })
	return cands, nil
}

// windowDiscount weighs coverage that needs the previous sentence.
const windowDiscount = 0.85

// embed wraps the embedder with a length check.
func (p *Pipeline) embed(ctx context.Context, texts []string) ([][]float32, error) {
	vecs, err := p.cfg.Embedder.Embed(ctx, texts)
	if err != nil {
		return nil, fmt.Errorf("embed: %w", err)
	}
	if len(vecs) != len(texts) {
		return nil, fmt.Errorf("embed: %d vectors for %d texts", len(vecs), len(texts))
	}
	return vecs, nil
}

func bestRelevance(cands []candidate) float64 {
	if len(cands) == 0 {
		return 0
	}
	return cands[0].rel
}

// redundant is the cosine above which a second sentence adds nothing.
const redundant = 0.9

// extractive fills ans with the sentence that best answers the question,
// quoted with its citation and led by what answers it (reader.go), and at
// most MaxExtract-1 more sentences that add support; sources are numbered
// in order of first use.
func (p *Pipeline) extractive(ans *rag.Answer, cands []candidate) {
	lead, code := leadCode(cands)
	if !code {
		lead = byScore(prosaic(cands))[0]
	}
	picked := []candidate{lead}
	for _, c := range byScore(prosaic(cands)) {
		if len(picked) == p.cfg.MaxExtract || code {
			break
		}
		if c.rel >= p.cfg.ExtractRatio*cands[0].rel && !isRedundant(c, picked) && addsSupport(ans.Question, c, picked) {
			picked = append(picked, c)
		}
	}
	num := newNumbering(ans.Retrieved)
	var b strings.Builder
	if !code {
		b.WriteString(leadIn(ans.Question, lead, ans.Retrieved[lead.passage]))
	}
	for i, c := range picked {
		if i > 0 {
			b.WriteByte(' ')
		}
		if c.code != nil {
			renderCode(&b, c, num.cite(c.passage))
			continue
		}
		fmt.Fprintf(&b, "“%s” [%d]", inert(quoted(c)), num.cite(c.passage))
	}
	ans.Text = b.String()
	ans.Sources = num.sources()
}

// leadCode returns the code candidate an answer to a how-to question
// leads with: the most relevant one, when it scores at least leadRatio of
// the best candidate (only how-to questions have code candidates).
func leadCode(cands []candidate) (candidate, bool) {
	for _, c := range cands {
		if c.rel < leadRatio*cands[0].rel {
			break
		}
		if c.code != nil {
			return c, true
		}
	}
	return candidate{}, false
}

// prosaic is cands without the code candidates.
func prosaic(cands []candidate) []candidate {
	var out []candidate
	for _, c := range cands {
		if c.code == nil {
			out = append(out, c)
		}
	}
	return out
}

func isRedundant(c candidate, picked []candidate) bool {
	for _, q := range picked {
		if c.text == q.text || cosine(c.vec, q.vec) > redundant || strings.Contains(quoted(q), c.text) || strings.Contains(quoted(c), q.text) {
			return true
		}
	}
	return false
}

// numbering assigns source numbers to passages in order of first use.
type numbering struct {
	passages []rag.Passage
	num      map[int]int // passage index → number
	order    []int
}

func newNumbering(passages []rag.Passage) *numbering {
	return &numbering{passages: passages, num: make(map[int]int)}
}

// cite returns the number of passage i, assigning the next one on first
// use.
func (n *numbering) cite(i int) int {
	if k, ok := n.num[i]; ok {
		return k
	}
	n.order = append(n.order, i)
	n.num[i] = len(n.order)
	return len(n.order)
}

// sources lists the cited passages by number.
func (n *numbering) sources() []rag.Source {
	out := make([]rag.Source, len(n.order))
	for k, i := range n.order {
		out[k] = rag.Source{N: k + 1, Passage: n.passages[i]}
	}
	return out
}
