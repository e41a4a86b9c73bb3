//go:build calibrate

package report

import (
	"fmt"
	"strings"
	"testing"
)

// TestThresholdSweep prints precision and recall over thresholds:
// go test -tags calibrate -run ThresholdSweep -v ./rag/report
func TestThresholdSweep(t *testing.T) {
	qs, block := paraphrases(t)
	vecs, err := localModel(t).Embed(t.Context(), qs)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for th := 0.50; th < 0.76; th += 0.02 {
		p, r := pairScores(vecs, block, th)
		fmt.Fprintf(&b, "threshold %.2f: pair precision %.2f recall %.2f\n", th, p, r)
	}
	t.Log("\n" + b.String())
}
