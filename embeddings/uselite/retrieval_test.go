package uselite

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"sort"
	"strings"
	"testing"
	"unicode"
)

type retrievalSet struct {
	Passages []struct {
		ID   string `json:"id"`
		Text string `json:"text"`
	} `json:"passages"`
	Questions []struct {
		Passage string `json:"passage"`
		Text    string `json:"text"`
	} `json:"questions"`
}

// topK returns the indices of the k highest scores, best first.
func topK(scores []float64, k int) []int {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	return idx[:min(k, len(idx))]
}

func bm25Terms(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// bm25 scores every document for query with Okapi BM25 (k1 1.2, b 0.75).
func bm25(docs [][]string, query []string) []float64 {
	const k1, b = 1.2, 0.75
	df := map[string]int{}
	var total float64
	for _, d := range docs {
		total += float64(len(d))
		seen := map[string]bool{}
		for _, w := range d {
			if !seen[w] {
				seen[w], df[w] = true, df[w]+1
			}
		}
	}
	avg := total / float64(len(docs))
	scores := make([]float64, len(docs))
	for i, d := range docs {
		tf := map[string]int{}
		for _, w := range d {
			tf[w]++
		}
		for _, q := range query {
			n := float64(df[q])
			idf := math.Log(1 + (float64(len(docs))-n+0.5)/(n+0.5))
			f := float64(tf[q])
			scores[i] += idf * f * (k1 + 1) / (f + k1*(1-b+b*float64(len(d))/avg))
		}
	}
	return scores
}

func loadRetrievalSet(t *testing.T) retrievalSet {
	t.Helper()
	data, err := os.ReadFile("testdata/retrieval.json")
	if err != nil {
		t.Fatal(err)
	}
	var set retrievalSet
	if err := json.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Questions) < 20 {
		t.Fatalf("%d questions, want at least 20", len(set.Questions))
	}
	return set
}

// cosines returns the dot product of q with every (normalised) vector.
func cosines(vs [][]float32, q []float32) []float64 {
	out := make([]float64, len(vs))
	for i, v := range vs {
		for j := range v {
			out[i] += float64(v[j]) * float64(q[j])
		}
	}
	return out
}

func TestRetrievalBeatsBM25(t *testing.T) {
	e := loadTestEncoder(t)
	set := loadRetrievalSet(t)
	texts := make([]string, len(set.Passages))
	docs := make([][]string, len(set.Passages))
	pos := map[string]int{}
	for i, p := range set.Passages {
		texts[i], docs[i], pos[p.ID] = p.Text, bm25Terms(p.Text), i
	}
	pv, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	var denseHits, bm25Hits int
	for _, q := range set.Questions {
		t.Run(q.Passage, func(t *testing.T) {
			qv, err := e.Embed(context.Background(), []string{q.Text})
			if err != nil {
				t.Fatal(err)
			}
			if inTop(topK(cosines(pv, qv[0]), 3), pos[q.Passage]) {
				denseHits++
			} else {
				t.Logf("dense top 3 for %q misses %s", q.Text, q.Passage)
			}
			if inTop(topK(bm25(docs, bm25Terms(q.Text)), 3), pos[q.Passage]) {
				bm25Hits++
			}
		})
	}
	n := float64(len(set.Questions))
	t.Logf("top-3 hit rate: embeddings %d/%v (%.0f%%), BM25 %d/%v (%.0f%%)",
		denseHits, n, 100*float64(denseHits)/n, bm25Hits, n, 100*float64(bm25Hits)/n)
	if float64(denseHits)/n < 0.8 {
		t.Errorf("embedding top-3 hit rate %.2f < 0.80", float64(denseHits)/n)
	}
	if denseHits <= bm25Hits {
		t.Errorf("embeddings (%d hits) do not beat BM25 (%d hits)", denseHits, bm25Hits)
	}
}

func inTop(idx []int, want int) bool {
	for _, i := range idx {
		if i == want {
			return true
		}
	}
	return false
}
