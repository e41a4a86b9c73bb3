package answer

import (
	"regexp"
	"strconv"
	"strings"
)

// citeRe matches a citation group: "[3]", "[1, 2]", "[1-3]", "[1–3, 5]".
var citeRe = regexp.MustCompile(`\[[ \t]*\d+(?:[ \t]*[-–][ \t]*\d+)?(?:[ \t]*,[ \t]*\d+(?:[ \t]*[-–][ \t]*\d+)?)*[ \t]*\]`)

// maxRange bounds the expansion of "[a-b]" so a typo cannot allocate
// much; numbers above maxCite are not citations.
const (
	maxRange = 50
	maxCite  = 100000
)

// parseCites returns the source numbers cited in s, in order, ranges
// expanded, repeats dropped.
func parseCites(s string) []int {
	var out []int
	seen := make(map[int]bool)
	add := func(n int) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, m := range citeRe.FindAllString(s, -1) {
		for _, part := range strings.Split(strings.Trim(m, "[] "), ",") {
			lo, hi, isRange := strings.Cut(strings.ReplaceAll(part, "–", "-"), "-")
			a, err := strconv.Atoi(strings.TrimSpace(lo))
			if err != nil || a > maxCite {
				continue
			}
			b := a
			if isRange {
				if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil || b < a || b-a > maxRange {
					b = a
				}
			}
			for k := 0; k <= b-a; k++ {
				add(a + k)
			}
		}
	}
	return out
}

// stripCites removes citation groups and tidies the space they leave.
func stripCites(s string) string {
	for citeRe.MatchString(s) { // removing one may join another: "[1[2]0]"
		s = citeRe.ReplaceAllString(s, "")
	}
	s = strings.Join(strings.Fields(s), " ")
	for _, p := range []string{".", ",", ";", ":", "!", "?"} {
		s = strings.ReplaceAll(s, " "+p, p)
	}
	return s
}

// claim is one sentence of an answer with what it cites.
type claim struct {
	line  int    // which line of the answer it sits on
	bare  string // the sentence without citations
	cites []int  // as written, 1-based into the given sources
}

// splitClaims cuts an answer into sentences line by line. Citations that
// open a sentence ("… end. [2] Next …") belong to the sentence before.
func splitClaims(text string) []claim {
	var out []claim
	for li, line := range strings.Split(strings.TrimSpace(text), "\n") {
		for _, s := range sentences(inertQuotes(line)) {
			lead := citeRe.FindStringIndex(s)
			if lead != nil && strings.TrimSpace(s[:lead[0]]) == "" && len(out) > 0 && out[len(out)-1].line == li {
				prev := &out[len(out)-1]
				prev.cites = appendNew(prev.cites, parseCites(s[:lead[1]])...)
				s = s[lead[1]:]
			}
			if bare := stripCites(s); bare != "" {
				out = append(out, claim{line: li, bare: bare, cites: parseCites(s)})
			}
		}
	}
	return out
}

func appendNew(dst []int, ns ...int) []int {
	for _, n := range ns {
		found := false
		for _, d := range dst {
			found = found || d == n
		}
		if !found {
			dst = append(dst, n)
		}
	}
	return dst
}

// withCites writes a sentence with its citations before its final
// punctuation: "HTS split from AQ [1, 2]."
func withCites(bare string, nums []int) string {
	if len(nums) == 0 {
		return bare
	}
	parts := make([]string, len(nums))
	for i, n := range nums {
		parts[i] = strconv.Itoa(n)
	}
	mark := " [" + strings.Join(parts, ", ") + "]"
	body, end := bare, ""
	if i := strings.LastIndexAny(bare, ".!?"); i >= 0 && strings.Trim(bare[i:], ".!?\"'”’)") == "" {
		body, end = bare[:i], bare[i:]
	}
	return strings.TrimRight(body, " ") + mark + end
}

// joinClaims puts sentences back on their lines.
func joinClaims(cs []claim, cites [][]int) string {
	var lines []string
	last := -1
	for i, c := range cs {
		s := withCites(c.bare, cites[i])
		if c.line != last {
			lines = append(lines, s)
			last = c.line
			continue
		}
		lines[len(lines)-1] += " " + s
	}
	return strings.Join(lines, "\n")
}

// quoteRe matches a quotation, curly or straight.
var quoteRe = regexp.MustCompile(`“[^“”]*”|"[^"]*"`)

// inertQuotes makes the brackets inside quotations parentheses: "[14]" in
// a quoted "mean (SD) age, 74 [14] years" is the document's own, never a
// citation of the answer.
func inertQuotes(line string) string {
	return quoteRe.ReplaceAllStringFunc(line, inert)
}

// maskedLinkRe matches Markdown's "[text](url)".
var maskedLinkRe = regexp.MustCompile(`\[([^\[\]]*)\]\(\s*<?([^()<>\s]*)>?[^()]*\)`)

// inertLinks shows a masked link as its text and its real address, so
// that a link a model copied from a document cannot hide where it leads.
func inertLinks(s string) string {
	return maskedLinkRe.ReplaceAllString(s, "$1 (<$2>)")
}
