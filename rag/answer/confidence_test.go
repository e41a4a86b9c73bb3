package answer

import (
	"testing"

	"github.com/citebot/citebot/rag"
)

// TestLowConfidence checks the band above the refusal threshold: an
// answer whose relevance lies within lowConfidenceMargin of it is marked
// low-confidence, one above the band is not, and a refusal never is.
func TestLowConfidence(t *testing.T) {
	ps := loadPassages(t)
	ask := func(minRel float64) *rag.Answer {
		t.Helper()
		p, err := New(hashTuned(Config{Retriever: &fakeRetriever{passages: ps}, Embedder: hashEmbedder{dim: 512}, MinRelevance: minRel}))
		if err != nil {
			t.Fatal(err)
		}
		a, err := p.Answer(t.Context(), rag.Request{Collection: "c", Question: "Which port does Ferrule use by default?"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	rel := ask(0).Relevance
	if rel <= 0 {
		t.Fatalf("relevance = %v, want the best sentence's score", rel)
	}
	tests := []struct {
		name    string
		minRel  float64
		refused bool
		lowConf bool
	}{
		{"well above the threshold", rel - 2*lowConfidenceMargin, false, false},
		{"just above the threshold", rel - lowConfidenceMargin/2, false, true},
		{"below the threshold is a refusal", rel + 0.01, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ask(tt.minRel)
			if a.Refused != tt.refused || a.LowConfidence != tt.lowConf || a.Relevance != rel {
				t.Errorf("refused %v low %v relevance %v; want %v %v %v", a.Refused, a.LowConfidence, a.Relevance, tt.refused, tt.lowConf, rel)
			}
		})
	}
}
