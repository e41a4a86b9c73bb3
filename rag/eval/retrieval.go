package eval

import (
	"context"
	"errors"
	"fmt"

	"github.com/citebot/citebot/rag"
)

// DefaultK is the retrieval depth when none is given, the largest cutoff
// the QA retrieval report uses.
const DefaultK = 10

// Retriever returns the k best passages for a query in a collection, best
// first. The runners call it concurrently.
type Retriever interface {
	Retrieve(ctx context.Context, collection, query string, k int) ([]rag.Passage, error)
}

// RetrievalReport is the outcome of RunRetrieval over the answerable
// questions of a QA file. Recall@k is the fraction of questions with a hit
// (a passage containing a gold string) in the top k; MRR@10 averages the
// reciprocal rank of the first hit in the top 10, 0 when there is none.
type RetrievalReport struct {
	Recall1  float64 `json:"recall@1"`
	Recall3  float64 `json:"recall@3"`
	Recall5  float64 `json:"recall@5"`
	Recall10 float64 `json:"recall@10"`
	MRR10    float64 `json:"mrr@10"`
	// Questions counts the answerable questions scored; unanswerable ones
	// have no gold and are skipped.
	Questions int `json:"questions"`
}

// RunRetrieval retrieves k passages (DefaultK when k <= 0) for every
// answerable question and scores them by their gold strings, matched
// against each passage's Text. With k below 10 the larger cutoffs see only
// k passages.
func RunRetrieval(ctx context.Context, r Retriever, collection string, items []QAItem, k int) (RetrievalReport, error) {
	if k <= 0 {
		k = DefaultK
	}
	var scored []QAItem
	for _, it := range items {
		if it.Answerable {
			scored = append(scored, it)
		}
	}
	if len(scored) == 0 {
		return RetrievalReport{}, errors.New("no answerable questions to score")
	}
	ranks := make([]int, len(scored))
	err := forEach(ctx, len(scored), func(ctx context.Context, i int) error {
		ps, err := r.Retrieve(ctx, collection, scored[i].Question, k)
		if err != nil {
			return fmt.Errorf("question %q: retrieve: %w", scored[i].ID, err)
		}
		hits := make([]bool, len(ps))
		for j, p := range ps {
			hits[j] = MatchGold(p.Text, scored[i].Gold)
		}
		ranks[i] = FirstHit(hits)
		return nil
	})
	if err != nil {
		return RetrievalReport{}, err
	}
	return retrievalReport(ranks), nil
}

// retrievalReport averages first-hit ranks (0 for none) into a report.
func retrievalReport(ranks []int) RetrievalReport {
	var at [4]ratio
	cutoffs := [4]int{1, 3, 5, 10}
	var rr float64
	for _, rank := range ranks {
		for c, k := range cutoffs {
			at[c].add(rank > 0 && rank <= k)
		}
		if rank > 0 && rank <= 10 {
			rr += 1 / float64(rank)
		}
	}
	return RetrievalReport{
		Recall1:   at[0].value(),
		Recall3:   at[1].value(),
		Recall5:   at[2].value(),
		Recall10:  at[3].value(),
		MRR10:     rr / float64(len(ranks)),
		Questions: len(ranks),
	}
}
