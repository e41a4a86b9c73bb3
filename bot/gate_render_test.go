package bot

import (
	"strings"
	"testing"
)

func TestRenderGatedGolden(t *testing.T) {
	broken := []GateBreak{{ID: "answer 42", Question: "How fast must *on-call* answer a page?",
		Reasons: []string{`cited passage gone: /srv/docs/oncall.md ("The engineer answers within 15 minutes.")`}}}
	tests := []struct {
		name string
		sum  IngestSummary
	}{
		{"gated_held", IngestSummary{Removed: 1, Unchanged: 2, Gate: &GateReport{Set: "feedback", Questions: 3, Broken: broken}}},
		{"gated_live", IngestSummary{Added: 1, Unchanged: 2, Gate: &GateReport{Set: "qa", Questions: 3, Tolerance: 1, WentLive: true, Broken: broken}}},
		{"gated_many", IngestSummary{Removed: 9, Gate: &GateReport{Set: "feedback", Questions: 500, Broken: manyBreaks(400)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := renderGated(tt.sum)
			if n := len([]rune(r.Content)); n > MaxContent {
				t.Fatalf("%d characters, over Discord's %d", n, MaxContent)
			}
			checkGolden(t, tt.name, r)
		})
	}
}

func manyBreaks(n int) []GateBreak {
	out := make([]GateBreak, n)
	for i := range out {
		out[i] = GateBreak{ID: "answer", Question: strings.Repeat("why ", 20), Reasons: []string{"cited passage gone: doc.md"}}
	}
	return out
}
