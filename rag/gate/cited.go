package gate

import (
	"strings"
	"unicode"

	"github.com/citebot/citebot/rag/eval"
	"github.com/citebot/citebot/rag/store"
)

// CitedSentences returns the sentences a stored answer cited: for every
// sentence of the answer text that carries a citation [n], the sentence of
// passage n that shares the most words with it. An answer that quotes its
// passage (the extractive answerer does) thus yields the quoted sentence;
// one that paraphrases yields the sentence it drew on. A citation the
// text never marks is left out.
func CitedSentences(a store.Answer) []Cited {
	byN := make(map[int]store.Citation, len(a.Citations))
	for _, c := range a.Citations {
		byN[c.N] = c
	}
	var out []Cited
	seen := map[Cited]bool{}
	for _, seg := range sentences(a.Text) {
		for _, n := range eval.Citations(seg) {
			c, ok := byN[n]
			if !ok {
				continue
			}
			s := bestSentence(seg, c.Text)
			if s == "" || seen[Cited{c.Source, s}] {
				continue
			}
			seen[Cited{c.Source, s}] = true
			out = append(out, Cited{Source: c.Source, Sentence: s})
		}
	}
	return out
}

// bestSentence is the sentence of passage sharing the most words with
// seg; the first on a tie, and the passage's first sentence when none
// shares a word.
func bestSentence(seg, passage string) string {
	want := words(seg)
	best, bestN := "", -1
	for _, s := range sentences(passage) {
		n := 0
		for w := range words(s) {
			if want[w] {
				n++
			}
		}
		if n > bestN {
			best, bestN = s, n
		}
	}
	return best
}

// sentences splits text after each '.', '!' or '?' followed by white
// space, and at blank lines, trimming each piece and dropping empty ones.
func sentences(text string) []string {
	var out []string
	start := 0
	rs := []rune(text)
	flush := func(end int) {
		if s := strings.TrimSpace(string(rs[start:end])); s != "" {
			out = append(out, s)
		}
		start = end
	}
	for i := 0; i < len(rs)-1; i++ {
		switch {
		case strings.ContainsRune(".!?", rs[i]) && unicode.IsSpace(rs[i+1]):
			flush(i + 1)
		case rs[i] == '\n' && rs[i+1] == '\n':
			flush(i + 1)
		}
	}
	flush(len(rs))
	return out
}

// words is the set of lower-case words of s, citation numbers and
// punctuation left out.
func words(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len(w) > 1 && strings.IndexFunc(w, unicode.IsLetter) >= 0 {
			out[w] = true
		}
	}
	return out
}
