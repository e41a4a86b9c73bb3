package answer

import (
	"testing"

	"github.com/citebot/citebot/rag"
)

func TestDefaultReaderWeights(t *testing.T) {
	w, err := DefaultReaderWeights()
	if err != nil {
		t.Fatal(err)
	}
	if w.Command == "" {
		t.Error("the embedded weights do not name the command that fitted them")
	}
	bad := ReaderWeights{Features: FeatureNames[1:], Weights: w.Weights[1:]}
	if bad.check() == nil {
		t.Error("weights missing a feature pass the check")
	}
}

func TestSentenceFeatures(t *testing.T) {
	ps := []rag.Passage{{Title: "Kestrel Bridge", Score: 2}, {Title: "Council", Score: 1}}
	q := "When did the Kestrel Bridge open?"
	qTerms := contentTerms(q)
	cands := []candidate{
		{text: "The Kestrel Bridge opened in 1932.", passage: 0, rel: 0.8, next: "It was designed by Ilse Varga."},
		{text: "The council meets on the first Monday of each month.", passage: 1, prev: "The council has nine members.", rel: 0.3},
	}
	in := newRankInputs(q, qTerms, cands, ps)
	feature := func(x []float64, name string) float64 {
		for i, n := range FeatureNames {
			if n == name {
				return x[i]
			}
		}
		t.Fatalf("no feature %q", name)
		return 0
	}
	tests := []struct {
		name    string
		c       candidate
		feature string
		want    float64
	}{
		{"holds the date asked for", cands[0], "typed_phrase", 1},
		{"holds no date", cands[1], "typed_missing", 1},
		{"every question word", cands[0], "coverage", 1},
		{"first passage", cands[0], "passage_rank", 1},
		{"second passage's score", cands[1], "passage_score", 0.5},
		{"first sentence", cands[0], "first_sentence", 1},
		{"not the first sentence", cands[1], "first_sentence", 0},
		{"names the bridge", cands[0], "entity_missing", 0},
		{"does not name the bridge", cands[1], "entity_missing", 1},
		{"the best", cands[0], "relevance_gap", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := feature(sentenceFeatures(in, tt.c, 0, 0), tt.feature); got != tt.want {
				t.Errorf("%s = %g, want %g", tt.feature, got, tt.want)
			}
		})
	}
}
