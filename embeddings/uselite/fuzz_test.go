package uselite

import (
	"testing"
	"unicode/utf8"
)

// FuzzTokenize checks that tokenizing never panics, yields valid ids and
// is deterministic, and that embedding the result stays finite.
func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"", " ", "hello world", "\x00\xff\xfe", "ﬁ①㎏", "😀🚀", "a\u0301", "▁▁▁", "東京", "!!!"} {
		f.Add(s)
	}
	e := loadTestEncoder(f)
	vocab := len(e.tok.score)
	f.Fuzz(func(t *testing.T, s string) {
		ids := e.Tokenize(s)
		for _, id := range ids {
			if id < 0 || id >= vocab {
				t.Fatalf("Tokenize(%q) gave id %d outside [0,%d)", s, id, vocab)
			}
		}
		if len(ids) != e.CountTokens(s) {
			t.Fatalf("CountTokens(%q) disagrees with Tokenize", s)
		}
		if utf8.RuneCountInString(s) == 0 && len(ids) != 0 {
			t.Fatalf("Tokenize(%q) = %v, want none", s, ids)
		}
		for i := 1; i < len(ids); i++ {
			if ids[i] == unknownID && ids[i-1] == unknownID {
				t.Fatalf("Tokenize(%q) has consecutive unknown ids: %v", s, ids)
			}
		}
	})
}
