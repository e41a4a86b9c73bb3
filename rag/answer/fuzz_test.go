package answer

import (
	"strings"
	"testing"
)

func FuzzSentences(f *testing.F) {
	for _, s := range []string{"One. Two! Three?", "U.S. policy [1]. Next [2-3].", "a\n\nb", "“Quoted.” Done.[4] X", ". . [1] ]["} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := strings.Join(strings.Fields(strings.Join(sentences(text), " ")), " ")
		want := strings.Join(strings.Fields(string([]rune(text))), " ")
		if got != want {
			t.Errorf("sentences lost or added text:\n got %q\nwant %q", got, want)
		}
	})
}

func FuzzClaims(f *testing.F) {
	for _, s := range []string{"Port is 8080 [2][7]. Kept [1, 3].", "[1-3] lead. Then [2–9, 4].", "[[1]1] x", "- item [1]\n\n1. two [2]."} {
		f.Add(s, 4)
	}
	f.Fuzz(func(t *testing.T, text string, n int) {
		n = n%8 + 1
		if n < 1 {
			n = -n + 1
		}
		cs := splitClaims(text)
		valid, _ := validCites(cs, n)
		for i, c := range cs {
			if strings.TrimSpace(c.bare) == "" {
				t.Errorf("claim %d is empty", i)
			}
			for _, k := range valid[i] {
				if k < 1 || k > n {
					t.Errorf("citation %d kept with %d sources", k, n)
				}
			}
		}
		out := joinClaims(cs, valid)
		for _, k := range parseCites(out) {
			if k < 1 || k > n {
				t.Errorf("output %q cites %d of %d sources", out, k, n)
			}
		}
	})
}
