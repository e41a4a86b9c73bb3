package answer

import (
	"regexp"

	"github.com/citebot/citebot/rag"
	"strings"
	"unicode"
)

// acronymRe finds a name followed by its acronym in parentheses, as in
// "Hayat Tahrir al-Sham (HTS)"; up to six words before the bracket are
// candidates for the long form.
var acronymRe = regexp.MustCompile(`((?:[\p{L}][\p{L}’'-]*\s+){1,6})\(([A-Z]{2,6})\)`)

// acronyms maps the long forms a text defines (lower case) to their
// acronyms, so that "al-Qaeda" in a question meets "AQ" in the text.
func acronyms(text string) map[string]string {
	out := make(map[string]string)
	for _, m := range acronymRe.FindAllStringSubmatch(text, -1) {
		fields := strings.Fields(m[1])
		acr := m[2]
		if long := longForm(fields, acr); long != "" {
			out[strings.ToLower(long)] = acr
		}
	}
	return out
}

// longForm returns the shortest tail of fields whose word initials (or
// hyphen-part initials, or capitalised ones) spell acr, ignoring case; "" when none does.
func longForm(fields []string, acr string) string {
	for start := len(fields) - 1; start >= 0; start-- {
		if initialsMatch(fields[start:], acr) {
			return strings.Join(fields[start:], " ")
		}
	}
	return ""
}

func initialsMatch(fields []string, acr string) bool {
	want := []rune(strings.ToLower(acr))
	var initials, partInitials, capInitials []rune
	for _, f := range fields {
		rs := []rune(f)
		initials = append(initials, unicode.ToLower(rs[0]))
		for _, part := range strings.Split(f, "-") {
			if part == "" {
				continue
			}
			r := []rune(part)[0]
			partInitials = append(partInitials, unicode.ToLower(r))
			if unicode.IsUpper(r) {
				capInitials = append(capInitials, unicode.ToLower(r))
			}
		}
	}
	w := string(want)
	return string(initials) == w || string(partInitials) == w || string(capInitials) == w
}

// folder rewrites the long forms of acronyms as the acronyms, so that
// term overlap and embeddings see one spelling.
type folder []struct {
	re  *regexp.Regexp
	acr string
}

func newFolder(acr map[string]string) folder {
	f := make(folder, 0, len(acr))
	for long, a := range acr {
		f = append(f, struct {
			re  *regexp.Regexp
			acr string
		}{regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(long) + `\b`), a})
	}
	return f
}

func (f folder) fold(text string) string {
	for _, r := range f {
		text = r.re.ReplaceAllLiteralString(text, r.acr)
	}
	return text
}

// passageAcronyms collects the acronyms the passages define.
func passageAcronyms(passages []rag.Passage) map[string]string {
	out := make(map[string]string)
	for _, p := range passages {
		for long, a := range acronyms(body(p)) {
			out[long] = a
		}
	}
	return out
}
