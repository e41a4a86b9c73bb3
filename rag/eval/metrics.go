package eval

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// The metrics count a repeated document in a ranking only where it first
// appears, and k <= 0 means no cutoff. Ties in score are broken before they
// run, by RankDocuments.

// NDCG is the normalised discounted cumulative gain of ranked at cutoff k:
// gain is the graded relevance (negative grades count as zero), discounted
// by log2(rank+1); the ideal DCG ranks the judged grades from highest to
// lowest. It is 0 when no judged document is relevant.
func NDCG(ranked []string, rel map[string]int, k int) float64 {
	var dcg float64
	for i, id := range cut(dedupe(ranked), k) {
		dcg += gain(rel[id]) / math.Log2(float64(i+2))
	}
	grades := make([]int, 0, len(rel))
	for _, g := range rel {
		if g > 0 {
			grades = append(grades, g)
		}
	}
	slices.SortFunc(grades, func(a, b int) int { return cmp.Compare(b, a) })
	var ideal float64
	for i, g := range cut(grades, k) {
		ideal += gain(g) / math.Log2(float64(i+2))
	}
	if ideal == 0 {
		return 0
	}
	return dcg / ideal
}

func gain(grade int) float64 { return float64(max(grade, 0)) }

// Recall is the fraction of the relevant documents that appear in the top
// k of ranked; 0 when no document is relevant.
func Recall(ranked []string, rel map[string]int, k int) float64 {
	total := 0
	for _, g := range rel {
		if g > 0 {
			total++
		}
	}
	if total == 0 {
		return 0
	}
	found := 0
	for _, id := range cut(dedupe(ranked), k) {
		if rel[id] > 0 {
			found++
		}
	}
	return float64(found) / float64(total)
}

// MRR is the reciprocal rank of the first relevant document within the top
// k of ranked, or 0 when there is none.
func MRR(ranked []string, rel map[string]int, k int) float64 {
	for i, id := range cut(dedupe(ranked), k) {
		if rel[id] > 0 {
			return 1 / float64(i+1)
		}
	}
	return 0
}

// FirstHit is the 1-based rank of the first true entry of hits, or 0 when
// there is none. For QA questions, where a hit is a passage containing a
// gold string, recall@k is FirstHit in 1..k and MRR is 1/FirstHit.
func FirstHit(hits []bool) int {
	if i := slices.Index(hits, true); i >= 0 {
		return i + 1
	}
	return 0
}

// Normalize lower-cases s and collapses every run of white space to one
// space, trimming the ends, so that gold strings match across line breaks
// and indentation.
func Normalize(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// MatchGold reports whether text contains any of the gold strings, compared
// after Normalize. Gold strings that normalise to nothing never match.
func MatchGold(text string, gold []string) bool {
	t := Normalize(text)
	for _, g := range gold {
		if n := Normalize(g); n != "" && strings.Contains(t, n) {
			return true
		}
	}
	return false
}

// ContainsAll reports whether text contains every keyword, compared after
// Normalize.
func ContainsAll(text string, keywords []string) bool {
	t := Normalize(text)
	for _, kw := range keywords {
		if !strings.Contains(t, Normalize(kw)) {
			return false
		}
	}
	return true
}

func cut[T any](s []T, k int) []T {
	if k > 0 && len(s) > k {
		return s[:k]
	}
	return s
}

// dedupe keeps the first occurrence of each id, in order.
func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
