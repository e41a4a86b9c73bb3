package answer

import (
	"context"
	"hash/fnv"
	"math"
	"sort"
	"strings"

	"github.com/citebot/citebot/rag"
)

// hashEmbedder is a deterministic stand-in for the local model: a hashed
// bag of stemmed content words, L2-normalised.
type hashEmbedder struct{ dim int }

func (h hashEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, h.dim)
		for _, term := range contentTerms(t) {
			f := fnv.New32a()
			f.Write([]byte(term))
			x := f.Sum32()
			sign := float32(1)
			if x&1 == 1 {
				sign = -1
			}
			v[(x>>1)%uint32(h.dim)] += sign
		}
		var n float64
		for _, x := range v {
			n += float64(x * x)
		}
		if n > 0 {
			for k := range v {
				v[k] /= float32(math.Sqrt(n))
			}
		}
		out[i] = v
	}
	return out, nil
}

// hashTuned sets the thresholds calibrated for hashEmbedder on the QA and
// claim sets (TestCalibrationHash); DefaultConfig's are for the local model.
func hashTuned(cfg Config) Config {
	cfg.RelevanceEmbeddingWeight = 0.5
	cfg.MinRelevance = cmpOr(cfg.MinRelevance, 0.5)
	cfg.MinEmbeddingSupport = 0.45
	return cfg
}

func cmpOr(v, def float64) float64 {
	if v != 0 {
		return v
	}
	return def
}

// memRetriever is an in-memory BM25 retriever for tests.
type memRetriever struct {
	passages []rag.Passage
	terms    [][]string
	df       map[string]int
	avgdl    float64
}

func newMemRetriever(ps []rag.Passage) *memRetriever {
	r := &memRetriever{passages: ps, df: map[string]int{}}
	total := 0
	for _, p := range ps {
		ts := contentTerms(p.Text)
		r.terms = append(r.terms, ts)
		total += len(ts)
		seen := map[string]bool{}
		for _, t := range ts {
			if !seen[t] {
				seen[t] = true
				r.df[t]++
			}
		}
	}
	r.avgdl = float64(total) / float64(max(1, len(ps)))
	return r
}

func (r *memRetriever) Retrieve(_ context.Context, _, query string, k int) ([]rag.Passage, error) {
	q := termSet(query)
	n := float64(len(r.passages))
	var out []rag.Passage
	for i, ts := range r.terms {
		tf := map[string]int{}
		for _, t := range ts {
			tf[t]++
		}
		score := 0.0
		for t := range q {
			if tf[t] == 0 {
				continue
			}
			idf := math.Log(1 + (n-float64(r.df[t])+0.5)/(float64(r.df[t])+0.5))
			f := float64(tf[t])
			score += idf * f * 2.2 / (f + 1.2*(0.25+0.75*float64(len(ts))/r.avgdl))
		}
		if score > 0 {
			p := r.passages[i]
			p.TextScore, p.Score = score, score
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Score > out[b].Score })
	return out[:min(k, len(out))], nil
}

// chunkText cuts text into passages of about n sentences within each
// paragraph.
func chunkText(title, source, text string, n int) []rag.Passage {
	var out []rag.Passage
	for _, para := range strings.Split(text, "\n\n") {
		ss := sentences(para)
		for i := 0; i < len(ss); i += n {
			body := strings.Join(ss[i:min(i+n, len(ss))], " ")
			out = append(out, rag.Passage{ChunkID: int64(len(out) + 1), DocumentID: 1, Title: title,
				Source: source, Position: len(out), Text: body})
		}
	}
	return out
}
