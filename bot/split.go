package bot

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Discord's limits on one message.
const (
	MaxContent          = 2000
	MaxEmbedDescription = 4096
	MaxEmbedFields      = 25
	MaxFieldValue       = 1024
	MaxEmbedTotal       = 6000
	MaxEmbeds           = 10
)

var (
	citationRe = regexp.MustCompile(`\[\d+(?:\s*,\s*\d+)*\]`)
	linkRe     = regexp.MustCompile(`!?\[[^\]\n]*\]\([^)\s]*\)|<https?://[^>\s]*>|https?://[^\s<>]+`)
	fenceLang  = regexp.MustCompile("^[A-Za-z0-9_+#.-]{1,20}$")
)

// splitSeps are the boundaries SplitMessage cuts at, best first.
var splitSeps = []string{"\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " "}

// SplitMessage splits text into pieces of at most limit characters
// (runes), cutting at paragraph, line, sentence or word boundaries and
// never inside a citation like [3], a link or a code block. A code block
// longer than limit is closed at a line end and reopened in the next
// piece. Only a link or unbroken word longer than limit is cut hard.
// Whitespace at the cuts is dropped; empty pieces are never returned.
func SplitMessage(text string, limit int) []string {
	limit = max(limit, 40)
	var out []string
	s := strings.TrimSpace(text)
	for s != "" {
		if utf8.RuneCountInString(s) <= limit {
			return append(out, s)
		}
		chunk, rest := splitOnce(s, limit)
		if c := strings.TrimSpace(chunk); c != "" {
			out = append(out, c)
		}
		s = strings.TrimSpace(rest)
	}
	return out
}

// byteLimit is the byte offset just after the first limit runes of s.
func byteLimit(s string, limit int) int {
	n := 0
	for i := range s {
		if n == limit {
			return i
		}
		n++
	}
	return len(s)
}

type span struct{ start, end int }

// protectedSpans finds code blocks, links and citations in s.
func protectedSpans(s string) []span {
	var spans []span
	var code []span
	for i := 0; ; {
		open := strings.Index(s[i:], "```")
		if open < 0 {
			break
		}
		open += i
		closeAt := strings.Index(s[open+3:], "```")
		if closeAt < 0 {
			code = append(code, span{open, len(s)})
			break
		}
		end := open + 3 + closeAt + 3
		code = append(code, span{open, end})
		i = end
	}
	spans = append(spans, code...)
	for _, re := range []*regexp.Regexp{linkRe, citationRe} {
		for _, m := range re.FindAllStringIndex(s, -1) {
			if !inside(code, m[0]) {
				spans = append(spans, span{m[0], m[1]})
			}
		}
	}
	return spans
}

// inside reports whether a cut at p would fall strictly inside a span.
func inside(spans []span, p int) bool {
	for _, sp := range spans {
		if sp.start < p && p < sp.end {
			return true
		}
	}
	return false
}

// splitOnce returns the first piece of s and the rest.
func splitOnce(s string, limit int) (string, string) {
	maxB := byteLimit(s, limit)
	// Only the spans reaching into the window matter; a code block still
	// open at the end of the view is treated as running past it.
	spans := protectedSpans(s[:min(len(s), maxB+1024)])
	if p := bestCut(s, maxB, spans); p > 0 {
		return s[:p], s[p:]
	}
	for _, sp := range spans {
		if sp.start < maxB && maxB < sp.end && strings.HasPrefix(s[sp.start:], "```") {
			if a, b, ok := splitCode(s, sp, maxB); ok {
				return a, b
			}
		}
	}
	// No boundary: cut before a citation or link glued to a long word
	// rather than through it, when it fits in a piece of its own.
	for _, sp := range spans {
		if sp.start > 0 && sp.start < maxB && maxB < sp.end && sp.end-sp.start <= maxB {
			return s[:sp.start], s[sp.start:]
		}
	}
	return hardCut(s, maxB)
}

// bestCut finds the last allowed boundary at or before maxB, preferring
// better separators unless they leave a piece under a third full.
func bestCut(s string, maxB int, spans []span) int {
	fallback := 0
	for _, sep := range splitSeps {
		p := lastCut(s, maxB, sep, spans)
		if p <= 0 {
			continue
		}
		if p >= maxB/3 {
			return p
		}
		if fallback == 0 {
			fallback = p
		}
	}
	return fallback
}

func lastCut(s string, maxB int, sep string, spans []span) int {
	window := s[:maxB]
	for end := len(window); end > 0; {
		i := strings.LastIndex(window[:end], sep)
		if i < 0 {
			return 0
		}
		p := i + len(sep)
		if strings.TrimSpace(sep) == "" {
			p = i
		}
		if p > 0 && p <= maxB && !inside(spans, p) && strings.TrimSpace(s[:p]) != "" {
			return p
		}
		end = i
	}
	return 0
}

// splitCode closes the code block sp before maxB and reopens it in the
// rest.
func splitCode(s string, sp span, maxB int) (string, string, bool) {
	const closing = "\n```"
	firstLine, _, _ := strings.Cut(s[sp.start+3:], "\n")
	lang := ""
	if fenceLang.MatchString(firstLine) {
		lang = firstLine
	}
	reopen := "```" + lang + "\n"
	bodyStart := sp.start + 3 + len(firstLine) + 1
	limitB := maxB - len(closing)
	if limitB <= bodyStart || bodyStart > len(s) {
		return "", "", false
	}
	p := strings.LastIndex(s[bodyStart:limitB], "\n")
	if p >= 0 {
		p += bodyStart
	} else {
		p = runeStart(s, limitB)
	}
	if p <= bodyStart || p <= len(reopen) {
		return "", "", false
	}
	rest := strings.TrimPrefix(s[p:], "\n")
	return s[:p] + closing, reopen + rest, true
}

func runeStart(s string, p int) int {
	for p > 0 && !utf8.RuneStart(s[p]) {
		p--
	}
	return p
}

func hardCut(s string, maxB int) (string, string) {
	p := runeStart(s, maxB)
	if p == 0 {
		_, size := utf8.DecodeRuneInString(s)
		p = size
	}
	return s[:p], s[p:]
}
