package answer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/citebot/citebot/rag"
)

// Summarize summarises one document (document set), a topic (topic set:
// the passages retrieved for it) or else the whole collection. With an
// LLM it runs map-reduce over the passages, keeping citations, cached by
// content hash and model; without one it quotes central, non-redundant
// sentences chosen by MMR. Either way every citation is verified.
func (p *Pipeline) Summarize(ctx context.Context, collection, document, topic string) (*rag.Answer, error) {
	start := time.Now()
	passages, title, err := p.summaryPassages(ctx, collection, document, topic)
	if err != nil {
		return nil, err
	}
	ans := &rag.Answer{Question: title, Query: topic, Retrieved: passages, Mode: ModeExtractive}
	if p.cfg.LLM != nil {
		ans.Mode, ans.Model = ModeLLM, p.cfg.LLM.Model()
	}
	switch {
	case len(passages) == 0:
		ans.Refused, ans.Text = true, "There is nothing to summarise."
	case p.cfg.LLM != nil:
		err = p.llmSummary(ctx, ans, passages, topic)
	default:
		err = p.extractiveSummary(ctx, ans, passages, topic)
	}
	if err != nil {
		return nil, err
	}
	ans.Elapsed = time.Since(start)
	p.log.LogAttrs(ctx, slog.LevelInfo, "summary written", slog.String("mode", ans.Mode),
		slog.Int("passages", len(passages)), slog.Int("sources", len(ans.Sources)), slog.Duration("elapsed", ans.Elapsed))
	return ans, nil
}

// summaryPassages fetches what to summarise and names the summary.
func (p *Pipeline) summaryPassages(ctx context.Context, collection, document, topic string) ([]rag.Passage, string, error) {
	topic = strings.TrimSpace(topic)
	switch {
	case document != "":
		if p.cfg.Chunks == nil {
			return nil, "", ErrNoChunks
		}
		ps, err := p.cfg.Chunks.DocumentPassages(ctx, collection, document)
		if err != nil {
			return nil, "", fmt.Errorf("list document passages: %w", err)
		}
		return ps, "Summary of " + document, nil
	case topic != "":
		if _, err := p.validate(topic); err != nil {
			return nil, "", err
		}
		ps, err := p.cfg.Retriever.Retrieve(ctx, collection, topic, p.cfg.TopicPassages)
		if err != nil {
			return nil, "", fmt.Errorf("retrieve: %w", err)
		}
		return ps, "Summary of " + topic, nil
	default:
		if p.cfg.Chunks == nil {
			return nil, "", ErrNoChunks
		}
		ps, err := p.cfg.Chunks.CollectionPassages(ctx, collection, p.cfg.SummaryPassages)
		if err != nil {
			return nil, "", fmt.Errorf("list collection passages: %w", err)
		}
		return ps, "Summary of the collection", nil
	}
}

// sentenceRef is one sentence of the material being summarised.
type sentenceRef struct {
	text    string
	passage int
	order   int
	vec     []float32
}

// extractiveSummary picks central, non-redundant sentences by MMR and
// lists them in document order with their citations.
func (p *Pipeline) extractiveSummary(ctx context.Context, ans *rag.Answer, passages []rag.Passage, topic string) error {
	var refs []sentenceRef
	for i, ps := range passages {
		for _, s := range sentences(prose(ps.Text)) {
			if len(contentTerms(s)) >= minSentenceTerms+2 {
				refs = append(refs, sentenceRef{text: s, passage: i, order: len(refs)})
			}
		}
	}
	if len(refs) == 0 {
		ans.Refused, ans.Text = true, "There is nothing to summarise."
		return nil
	}
	texts := make([]string, len(refs), len(refs)+1)
	for i, r := range refs {
		texts[i] = r.text
	}
	if topic != "" {
		texts = append(texts, topic)
	}
	vecs, err := p.embed(ctx, texts)
	if err != nil {
		return err
	}
	for i := range refs {
		refs[i].vec = vecs[i]
	}
	target := centroid(vecs[:len(refs)])
	if topic != "" {
		target = centroid([][]float32{target, vecs[len(refs)]})
	}
	picked := mmr(refs, target, p.cfg.SummarySentences, p.cfg.SummaryLambda)
	sort.Slice(picked, func(a, b int) bool { return picked[a].order < picked[b].order })
	num := newNumbering(passages)
	lines := make([]string, len(picked))
	for i, r := range picked {
		lines[i] = "- " + withCites(r.text, []int{num.cite(r.passage)})
	}
	ans.Text = strings.Join(lines, "\n")
	ans.Sources = num.sources()
	return nil
}

// mmr picks n sentences maximising λ·sim(target) − (1−λ)·max sim(picked).
func mmr(refs []sentenceRef, target []float32, n int, lambda float64) []sentenceRef {
	central := make([]float64, len(refs))
	for i, r := range refs {
		central[i] = cosine(r.vec, target)
	}
	used := make([]bool, len(refs))
	var picked []sentenceRef
	for len(picked) < min(n, len(refs)) {
		best, bestScore := -1, 0.0
		for i, r := range refs {
			if used[i] {
				continue
			}
			red := 0.0
			for _, q := range picked {
				red = max(red, cosine(r.vec, q.vec))
			}
			if s := lambda*central[i] - (1-lambda)*red; best < 0 || s > bestScore {
				best, bestScore = i, s
			}
		}
		used[best] = true
		picked = append(picked, refs[best])
	}
	return picked
}

// centroid is the mean of vectors.
func centroid(vecs [][]float32) []float32 {
	if len(vecs) == 0 {
		return nil
	}
	out := make([]float32, len(vecs[0]))
	for _, v := range vecs {
		for i := range min(len(v), len(out)) {
			out[i] += v[i] / float32(len(vecs))
		}
	}
	return out
}

// summaryKey identifies a summary by what it read and who wrote it.
func summaryKey(model, topic string, passages []rag.Passage) string {
	h := sha256.New()
	fmt.Fprintf(h, "summary-v1\x00%s\x00%s\x00", model, topic)
	for _, ps := range passages {
		fmt.Fprintf(h, "%s\x00%s\x00", ps.Source, ps.Text)
	}
	return "summary:" + hex.EncodeToString(h.Sum(nil))
}
