package answer

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/rag/wordforms"
)

// stopwords are function words and question words that carry no topic;
// they are left out of lexical overlap. Negations (no, not, nor) are not
// among them: they change what a sentence says.
var stopwords = func() map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(`a about above after again against all also am an and any are as at be
	because been before being below between both but by can could did do does doing down during each
	few for from further had has have having he her here hers him his how i if in into is it its itself
	just me more most my now of off on once only or other our ours out over own same she
	should so some such than that the their theirs them then there these they this those through to too
	under until up very was we were what when where which while who whom why will with would you your
	yours according article author say said says tell told describe explain mention mentioned give
	many much one two whether there s t did does according per via yet ever al`) {
		m[w] = true
	}
	return m
}()

// words splits text into lower-case letter-or-digit runs; apostrophes
// inside a word are dropped with what follows ("group's" → "group").
func words(text string) []string {
	var out []string
	start := -1
	skip := false
	for i, r := range text {
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case alnum && start < 0 && !skip:
			start = i
		case (r == '\'' || r == '’') && start >= 0:
			out = append(out, strings.ToLower(text[start:i]))
			start, skip = -1, true
		case !alnum:
			if start >= 0 {
				out = append(out, strings.ToLower(text[start:i]))
			}
			start, skip = -1, false
		}
	}
	if start >= 0 {
		out = append(out, strings.ToLower(text[start:]))
	}
	return out
}

// stem is a light suffix stripper: enough to match "renounced" with
// "renouncing" and "groups" with "group", no more.
func stem(w string) string {
	if b, ok := shortForms[w]; ok {
		w = b
	}
	for _, suf := range []string{"ational", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "ed", "es", "ly", "s"} {
		if strings.HasSuffix(w, suf) && utf8.RuneCountInString(w)-len(suf) >= 3 {
			w = strings.TrimSuffix(w, suf)
			if suf == "ies" || suf == "ied" {
				w += "y"
			}
			break
		}
	}
	return strings.TrimSuffix(w, "e")
}

// shortForms are inflections whose stem is too short for the suffix
// stripper ("using" would keep its "ing").
var shortForms = map[string]string{"using": "use", "used": "use", "owed": "owe", "owing": "owe", "dying": "die", "lying": "lie", "tying": "tie"}

// contentTerms returns the stemmed content words of text, in order,
// repeats kept; irregular forms are first brought to their base form.
func contentTerms(text string) []string {
	var out []string
	for _, w := range words(text) {
		if stopwords[w] || (len(w) < 2 && !unicode.IsDigit(rune(w[0]))) {
			continue
		}
		out = append(out, term(w))
	}
	return out
}

// term is the form a word is matched in: its base form (irregular forms
// as package wordforms has them, the table retrieval uses), stemmed.
func term(w string) string {
	if base, ok := wordforms.Base(w); ok {
		w = base
	}
	return stem(w)
}

// termSet is the set of contentTerms.
func termSet(text string) map[string]bool {
	m := make(map[string]bool)
	for _, t := range contentTerms(text) {
		m[t] = true
	}
	return m
}

// coverage is the fraction of the distinct terms of a found in set b; 0
// when a has none.
func coverage(a []string, b map[string]bool) float64 {
	seen := make(map[string]bool, len(a))
	hit := 0
	for _, t := range a {
		if seen[t] {
			continue
		}
		seen[t] = true
		if b[t] || prefixMatch(t, b) {
			hit++
		}
	}
	if len(seen) == 0 {
		return 0
	}
	return float64(hit) / float64(len(seen))
}

// minPrefix is the shortest stem that matches a longer one it begins
// ("seiz" of "seize" meets "seizur" of "seizure").
const minPrefix = 4

// prefixMatch reports whether t and a term of b, both at least minPrefix
// long, are one the other's prefix.
func prefixMatch(t string, b map[string]bool) bool {
	if len(t) < minPrefix {
		return false
	}
	for u := range b {
		if len(u) >= minPrefix && (strings.HasPrefix(u, t) || strings.HasPrefix(t, u)) {
			return true
		}
	}
	return false
}

// abbreviations end with a period that does not end a sentence.
var abbreviations = map[string]bool{"e.g": true, "i.e": true, "mr": true, "mrs": true, "dr": true,
	"st": true, "vs": true, "etc": true, "no": true, "p": true, "pp": true, "fig": true, "u.s": true}

// sentences splits text into sentences at ., ! or ? followed by white
// space and an upper-case letter, digit or quote, or at a blank line.
// Abbreviations and single initials do not end a sentence.
// prose drops what an extractive answer or summary should never quote as
// a sentence: fenced code blocks, table rows, and headings (a short line
// standing alone with no closing punctuation).
func prose(text string) string {
	lines := strings.Split(text, "\n")
	code := codeLines(lines)
	for i, line := range lines {
		t := strings.TrimSpace(line)
		if code[i] || strings.HasPrefix(t, "|") || isHeading(lines, i) {
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}

// isHeading reports whether lines[i] looks like a heading: at most six
// words, no closing punctuation, blank lines (or the text's ends) around.
func isHeading(lines []string, i int) bool {
	t := strings.TrimSpace(lines[i])
	if t == "" || len(strings.Fields(t)) > 6 || strings.ContainsAny(t[len(t)-1:], ".!?:;,)\"”") {
		return false
	}
	blank := func(j int) bool { return j < 0 || j >= len(lines) || strings.TrimSpace(lines[j]) == "" }
	return blank(i-1) && blank(i+1)
}

func sentences(text string) []string {
	var out []string
	rs := []rune(text)
	start := 0
	emit := func(end int) {
		if s := strings.TrimSpace(string(rs[start:end])); s != "" {
			out = append(out, strings.Join(strings.Fields(s), " "))
		}
		start = end
	}
	for i := 0; i < len(rs); i++ {
		if rs[i] == '\n' && i+1 < len(rs) && rs[i+1] == '\n' {
			emit(i)
			continue
		}
		if !strings.ContainsRune(".!?", rs[i]) || !endsSentence(rs, i) {
			continue
		}
		j := trail(rs, i)
		emit(j)
		i = j - 1
	}
	emit(len(rs))
	return out
}

// endsSentence reports whether the mark at rs[i] ends a sentence.
func endsSentence(rs []rune, i int) bool {
	j := trail(rs, i)
	if j < len(rs) && !unicode.IsSpace(rs[j]) {
		return false
	}
	for j < len(rs) && unicode.IsSpace(rs[j]) {
		j++
	}
	if j < len(rs) && !(unicode.IsUpper(rs[j]) || unicode.IsDigit(rs[j]) || strings.ContainsRune(`"“'‘*-([`, rs[j])) {
		return false
	}
	if rs[i] != '.' {
		return true
	}
	k := i
	for k > 0 && !unicode.IsSpace(rs[k-1]) {
		k--
	}
	prev := strings.ToLower(strings.Trim(string(rs[k:i]), `("'“‘`))
	return !abbreviations[prev] && utf8.RuneCountInString(prev) != 1
}

// trail returns the index just past the mark at rs[i] and what belongs
// to its sentence after it: closing quotes and brackets, and citations
// such as "[2]" or "[1, 3]" written after the full stop.
func trail(rs []rune, i int) int {
	j := i + 1
	for j < len(rs) {
		switch {
		case strings.ContainsRune(`"'”’)`, rs[j]):
			j++
		case rs[j] == '[':
			k := j + 1
			for k < len(rs) && strings.ContainsRune("0123456789,-–  ", rs[k]) {
				k++
			}
			if k >= len(rs) || rs[k] != ']' || k == j+1 {
				return j
			}
			j = k + 1
		default:
			return j
		}
	}
	return j
}

// cosine is the dot product of two vectors scaled by their norms; 0 when
// either is zero or their lengths differ.
func cosine(a, b []float32) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// approxTokens estimates a text's length in LLM tokens: about four
// characters a token for English.
func approxTokens(s string) int { return (utf8.RuneCountInString(s) + 3) / 4 }
