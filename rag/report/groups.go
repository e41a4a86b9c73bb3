package report

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/citebot/citebot/rag/store"
)

// MaxGroups is how many groups a gap report lists, the largest first.
const MaxGroups = 25

// groups clusters the gap answers (newest first) of each collection by
// their questions' similarity and returns the largest MaxGroups groups,
// each with the passage nearest its first example, and how many were
// left out.
func (r *Reporter) groups(ctx context.Context, as []store.Answer) ([]Group, int, error) {
	if len(as) == 0 {
		return []Group{}, 0, nil
	}
	qs := make([]string, len(as))
	for i, a := range as {
		qs[i] = a.Question
	}
	vecs, err := r.cfg.Embedder.Embed(ctx, qs)
	if err != nil {
		return nil, 0, fmt.Errorf("embed questions: %w", err)
	}
	byColl := map[string][]int{}
	for i, a := range as {
		byColl[a.Collection] = append(byColl[a.Collection], i)
	}
	var out []Group
	for _, idx := range byColl {
		sub := make([][]float32, len(idx))
		for j, i := range idx {
			sub[j] = vecs[i]
		}
		for _, members := range cluster(sub, r.cfg.Threshold) {
			out = append(out, group(as, idx, members))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		if !out[i].LastAsked.Equal(out[j].LastAsked) {
			return out[i].LastAsked.After(out[j].LastAsked)
		}
		return out[i].Examples[0] < out[j].Examples[0]
	})
	more := max(0, len(out)-MaxGroups)
	out = out[:len(out)-more]
	for i := range out {
		if out[i].Nearest, err = r.nearest(ctx, out[i].Collection, out[i].Examples[0]); err != nil {
			return nil, 0, err
		}
	}
	return out, more, nil
}

// group summarises the answers as[idx[m]] for m in members (newest
// first).
func group(as []store.Answer, idx, members []int) Group {
	first := as[idx[members[0]]]
	g := Group{Collection: first.Collection, Count: len(members), LastAsked: first.CreatedAt.UTC()}
	seen := map[string]bool{}
	for _, m := range members {
		a := as[idx[m]]
		if a.Refused {
			g.Refused++
		} else {
			g.LowConfidence++
		}
		key := strings.ToLower(strings.TrimSpace(a.Question))
		if !seen[key] && len(g.Examples) < 2 {
			seen[key] = true
			g.Examples = append(g.Examples, a.Question)
		}
	}
	return g
}

// nearest is the passage retrieval finds for a question now.
func (r *Reporter) nearest(ctx context.Context, collection, question string) (*Passage, error) {
	ps, err := r.cfg.Retriever.Retrieve(ctx, collection, question, 1)
	if err != nil {
		return nil, fmt.Errorf("nearest passage: %w", err)
	}
	if len(ps) == 0 {
		return nil, nil
	}
	p := ps[0]
	return &Passage{Title: p.Title, Source: p.Source, HeadingPath: p.HeadingPath, Page: p.Page, Text: p.Text}, nil
}
