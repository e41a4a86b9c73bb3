package chunk

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSentences(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"two sentences", "  The bridge is old. The river flooded!  ", []string{"The bridge is old.", "The river flooded!"}},
		{"lower case after a stop", "It cost 3.5 m. in total. Then it closed.", []string{"It cost 3.5 m. in total.", "Then it closed."}},
		{"closing quote stays", `He said "go." They went.`, []string{`He said "go."`, "They went."}},
		{"blank line", "A heading\n\nBody text", []string{"A heading", "Body text"}},
		{"empty", "   ", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Sentences(tc.text)); diff != "" {
				t.Errorf("Sentences (-want +got):\n%s", diff)
			}
		})
	}
}
