package eval

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// ReaderCase is one question read for FitCases, labelled: enough to fit
// again without asking the collection (WriteCases stores it).
type ReaderCase struct {
	Group    string      `json:"group"`
	Features [][]float64 `json:"features"`
	Positive []bool      `json:"positive"`
	// Relevance is each sentence's relevance, for the relevance_lead rate.
	Relevance []float64 `json:"relevance"`
}

// ReadCases reads every answerable question with keywords of sets and
// labels each retrieved sentence by whether it holds every keyword; a
// question's group is the document of its first such sentence.
func ReadCases(ctx context.Context, r SentenceReader, sets []ReaderSet) ([]ReaderCase, error) {
	samples, err := readSamples(ctx, r, sets)
	if err != nil {
		return nil, err
	}
	out := make([]ReaderCase, len(samples))
	for i, s := range samples {
		out[i] = ReaderCase{Group: s.group, Features: s.x, Positive: s.pos, Relevance: s.rel}
	}
	return out, nil
}

// FitCases fits a linear scorer over the reader's features to cases by
// listwise softmax regression (L2 weight l2): it maximises the share of
// softmax weight on the sentences holding every keyword. It reports the
// lead rates in sample and leave-one-group-out (each group scored with
// weights fitted on the others).
func FitCases(cases []ReaderCase, l2 float64) (ReaderFit, error) {
	samples := make([]readerSample, len(cases))
	for i, c := range cases {
		if len(c.Features) != len(c.Positive) || len(c.Features) != len(c.Relevance) {
			return ReaderFit{}, fmt.Errorf("case %d: %d feature rows, %d labels, %d relevances", i+1, len(c.Features), len(c.Positive), len(c.Relevance))
		}
		samples[i] = readerSample{group: c.Group, x: c.Features, pos: c.Positive, rel: c.Relevance,
			usable: anyTrue(c.Positive) && !allTrue(c.Positive)}
	}
	return fitSamples(samples, l2)
}

// WriteCases writes cases as JSON Lines.
func WriteCases(w io.Writer, cases []ReaderCase) error {
	enc := json.NewEncoder(w)
	for _, c := range cases {
		if err := enc.Encode(c); err != nil {
			return fmt.Errorf("write reader cases: %w", err)
		}
	}
	return nil
}

// ReadCasesFrom reads cases written by WriteCases.
func ReadCasesFrom(r io.Reader) ([]ReaderCase, error) {
	var out []ReaderCase
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		var c ReaderCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("reader cases line %d: %w", n, err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read reader cases: %w", err)
	}
	return out, nil
}
