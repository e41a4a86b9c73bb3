//go:build fit

package retrieve

// The re-rank weight fit: a grid search over Weights on several QA sets at
// once, each set counting equally, with the fused ranking of the default
// settings as its input. It needs collections built as docs/retrieval.md
// says; run it with scripts/fit-rerank.sh, which writes rerank.json with
// FIT_WRITE=1.

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citebot/citebot/embeddings/uselite"
	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/eval"
	"github.com/citebot/citebot/rag/store"
)

// fitDepth is how many fused candidates the fit re-ranks.
const fitDepth = 30

// fitCase is one question's candidates: their features and gold hits.
type fitCase struct {
	group string // the source of the first gold hit: the article
	fs    []features
	hits  []bool
	// question is whether the stage re-ranks it (isQuestion).
	question bool
}

// cachedCase is what the fit reads from the store for one question, kept
// in FIT_CACHE so that a change to the features alone refits in seconds.
type cachedCase struct {
	Question string
	Group    string
	Hits     []bool
	Passages []rag.Passage
	First    []int
	Texts    []string
	Terms    []store.QueryTerm
	Cos      []float64
}

func (c cachedCase) fitCase() fitCase {
	cs := candidates{ps: c.Passages, first: c.First, texts: c.Texts, terms: c.Terms, cos: c.Cos}
	return fitCase{group: c.Group, hits: c.Hits, fs: cs.features(c.Question), question: isQuestion(c.Question)}
}

type fitSet struct {
	name  string
	cases []fitCase
}

func TestFitRerank(t *testing.T) {
	spec := os.Getenv("FIT_SETS") // collection=qa.jsonl,...
	url := os.Getenv("DATABASE_URL")
	if spec == "" || url == "" {
		t.Skip("FIT_SETS and DATABASE_URL name the collections and QA files to fit on")
	}
	ctx := t.Context()
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	enc, err := uselite.Load(uselite.DefaultDir(os.Getenv))
	if err != nil {
		t.Fatal(err)
	}
	sm, err := s.EnsureModel(ctx, enc.Name(), enc.Dim())
	if err != nil {
		t.Fatal(err)
	}
	r := New(s, enc, sm, DefaultConfig())
	var sets []fitSet
	for _, kv := range strings.Split(spec, ",") {
		coll, qa, _ := strings.Cut(kv, "=")
		sets = append(sets, loadFitSet(t, r, coll, qa))
	}
	best := fitWeights(sets, "")
	t.Logf("fitted on all sets: %+v", best)
	checks := os.Getenv("FIT_CHECK") // sets scored, never fitted on
	for _, kv := range strings.Split(checks, ",") {
		if coll, qa, ok := strings.Cut(kv, "="); ok {
			set := loadFitSet(t, r, coll, qa)
			t.Logf("%-10s fused   %s (not fitted on)", set.name, metrics(set.cases, Weights{Chunk: 1}, ""))
			t.Logf("%-10s rerank  %s (not fitted on)", set.name, metrics(set.cases, best, ""))
		}
	}
	for _, set := range sets {
		t.Logf("%-10s fused   %s", set.name, metrics(set.cases, Weights{Chunk: 1}, ""))
		t.Logf("%-10s rerank  %s", set.name, metrics(set.cases, best, ""))
	}
	leaveOneGroupOut(t, sets)
	if os.Getenv("FIT_WRITE") == "1" {
		b, err := json.MarshalIndent(fitted{Depth: fitDepth, Weights: best}, "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("rerank.json", append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func loadFitSet(t *testing.T, r *Retriever, coll, qaPath string) fitSet {
	var cached []cachedCase
	path := filepath.Join(os.Getenv("FIT_CACHE"), "fit-"+coll+".gob")
	if f, err := os.Open(path); err == nil {
		err = gob.NewDecoder(f).Decode(&cached)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	} else {
		cached = readFitSet(t, r, coll, qaPath)
		if os.Getenv("FIT_CACHE") != "" {
			var b bytes.Buffer
			if err := gob.NewEncoder(&b).Encode(cached); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	set := fitSet{name: coll}
	for _, c := range cached {
		set.cases = append(set.cases, c.fitCase())
	}
	return set
}

func readFitSet(t *testing.T, r *Retriever, coll, qaPath string) []cachedCase {
	f, err := os.Open(qaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	items, err := eval.ReadQA(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []cachedCase
	st := sentenceStage{r.searcher, r.embedder}
	for _, it := range items {
		if !it.Answerable {
			continue
		}
		ps, err := r.search(t.Context(), coll, it.Question, fitDepth, rag.ModeHybrid)
		if err != nil {
			t.Fatal(err)
		}
		c := cachedCase{Question: it.Question, Group: "none", Hits: make([]bool, len(ps))}
		for i, p := range ps {
			if c.Hits[i] = hit(p, it.Gold); c.Hits[i] && c.Group == "none" {
				c.Group = filepath.Base(p.Source)
			}
		}
		cs, err := st.gather(t.Context(), coll, it.Question, ps, os.Getenv("FIT_NO_COSINE") != "1")
		if err != nil {
			t.Fatal(err)
		}
		c.Passages, c.First, c.Texts, c.Terms, c.Cos = ps, cs.first, cs.texts, cs.terms, cs.cos
		out = append(out, c)
	}
	return out
}

// fitSteps are the values coordinate ascent tries for each weight.
var fitSteps = []float64{0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3}

// weightFields are the weights the fit sets; Chunk stays 1, the scale.
// hit reports whether p holds a gold string; gold strings prefixed with
// "TITLE:" match the document's title exactly instead (BEIR judgments,
// which name documents, written as QA files for the fit).
func hit(p rag.Passage, gold []string) bool {
	var text []string
	for _, g := range gold {
		if title, ok := strings.CutPrefix(g, "TITLE:"); ok {
			if p.Title == title {
				return true
			}
			continue
		}
		text = append(text, g)
	}
	return eval.MatchGold(p.Text, text)
}

func weightFields(w *Weights) []*float64 {
	fs := []*float64{&w.Text, &w.Vector, &w.Sentence, &w.Pair, &w.Typed, &w.Doc}
	if os.Getenv("FIT_NO_COSINE") != "1" {
		fs = append(fs, &w.Cosine)
	}
	return fs
}

// fitWeights returns the weights with the best mean objective over the
// sets, leaving out the cases of group skip: coordinate ascent from the
// fused ranking alone, each weight in turn over fitSteps, until no change
// helps.
func fitWeights(sets []fitSet, skip string) Weights {
	best := Weights{Chunk: 1}
	bestObj := objective(sets, best, skip)
	for round := 0; round < 10; round++ {
		improved := false
		for f := range weightFields(&best) {
			for _, v := range fitSteps {
				w := best
				*weightFields(&w)[f] = v
				if obj := objective(sets, w, skip); obj > bestObj+1e-9 {
					best, bestObj, improved = w, obj, true
				}
			}
		}
		if !improved {
			break
		}
	}
	return best
}

// objective is (recall@1 + recall@5 + MRR@10)/3 over the sets' questions,
// each set weighing as the square root of its size: a small set counts
// more than its share of questions, not as much as a large one.
func objective(sets []fitSet, w Weights, skip string) float64 {
	var obj, total float64
	for _, set := range sets {
		m := evalCases(set.cases, w, skip)
		obj += math.Sqrt(m.n) * (m.r1 + m.r5 + m.mrr) / 3
		total += math.Sqrt(m.n)
	}
	return obj / total
}

type fitMetrics struct{ r1, r3, r5, r10, mrr, n float64 }

func (m fitMetrics) String() string {
	return fmt.Sprintf("R@1 %.3f R@3 %.3f R@5 %.3f R@10 %.3f MRR@10 %.3f (%d q)", m.r1, m.r3, m.r5, m.r10, m.mrr, int(m.n))
}

func metrics(cases []fitCase, w Weights, skip string) fitMetrics { return evalCases(cases, w, skip) }

// evalCases scores the cases of every group but skip (all when skip is
// ""); with skip prefixed by "=", only that group's.
func evalCases(cases []fitCase, w Weights, skip string) fitMetrics {
	var m fitMetrics
	only, isOnly := strings.CutPrefix(skip, "=")
	for _, c := range cases {
		if (isOnly && c.group != only) || (!isOnly && skip != "" && c.group == skip) {
			continue
		}
		m.n++
		rank := firstHit(c, w)
		for _, cut := range []struct {
			k int
			v *float64
		}{{1, &m.r1}, {3, &m.r3}, {5, &m.r5}, {10, &m.r10}} {
			if rank > 0 && rank <= cut.k {
				*cut.v++
			}
		}
		if rank > 0 && rank <= 10 {
			m.mrr += 1 / float64(rank)
		}
	}
	if m.n > 0 {
		m.r1, m.r3, m.r5, m.r10, m.mrr = m.r1/m.n, m.r3/m.n, m.r5/m.n, m.r10/m.n, m.mrr/m.n
	}
	return m
}

// firstHit is the 1-based rank of the first gold hit after re-ranking by
// w, 0 when none.
func firstHit(c fitCase, w Weights) int {
	if !c.question {
		w = Weights{Chunk: 1}
	}
	ps := make([]rag.Passage, len(c.fs))
	for i := range ps {
		ps[i].Position = i
	}
	for rank, p := range rerank(ps, c.fs, w) {
		if c.hits[p.Position] {
			return rank + 1
		}
	}
	return 0
}

// leaveOneGroupOut fits without each article of every set in turn and
// scores the weights on that article alone: held-out numbers.
func leaveOneGroupOut(t *testing.T, sets []fitSet) {
	for _, set := range sets {
		groups := map[string]bool{}
		for _, c := range set.cases {
			groups[c.group] = true
		}
		if len(groups) < 3 || len(groups) > 20 {
			continue
		}
		var held []fitCase
		for g := range groups {
			w := fitWeights(sets, g)
			for _, c := range set.cases {
				if c.group == g {
					c.fs = append([]features(nil), c.fs...)
					held = append(held, heldOut(c, w))
				}
			}
			t.Logf("%-10s without %s: %+v", set.name, g, w)
		}
		t.Logf("%-10s held out %s", set.name, evalCases(held, Weights{Chunk: 1}, ""))
	}
}

// heldOut returns c with its candidates in the order w ranks them, so that
// scoring it by the chunk feature alone gives w's ranks.
func heldOut(c fitCase, w Weights) fitCase {
	ps := make([]rag.Passage, len(c.fs))
	for i := range ps {
		ps[i].Position = i
	}
	out := fitCase{group: c.group, question: true}
	n := float64(len(c.fs))
	for rank, p := range rerank(ps, c.fs, w) {
		out.fs = append(out.fs, features{chunk: (n - float64(rank)) / n})
		out.hits = append(out.hits, c.hits[p.Position])
	}
	return out
}
