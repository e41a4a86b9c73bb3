package answer

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/citebot/citebot/rag"
)

// codeLines marks the lines of text inside fenced code blocks, fences
// included. A passage cut from a longer document may begin inside a
// block: when the first fence is bare (no language after the backticks),
// the fences do not pair up, and the line before it does not read as
// prose (a sentence end or a heading), the lines before it are code too.
func codeLines(lines []string) []bool {
	in := make([]bool, len(lines))
	var fences []int
	for i, l := range lines {
		if isFence(l) {
			fences = append(fences, i)
		}
	}
	inside := len(fences)%2 == 1 && startsInside(lines, fences[0])
	for i, l := range lines {
		if isFence(l) {
			in[i] = true
			inside = !inside
			continue
		}
		in[i] = inside
	}
	return in
}

// startsInside reports whether the fence at lines[f] closes a block the
// passage began inside.
func startsInside(lines []string, f int) bool {
	if strings.TrimSpace(strings.Trim(strings.TrimSpace(lines[f]), "`~")) != "" {
		return false // "```sh" opens a block
	}
	for i := f - 1; i >= 0; i-- {
		t := strings.TrimSpace(lines[i])
		if t == "" {
			continue
		}
		return !strings.HasPrefix(t, "#") && !proseEnd(t)
	}
	return false
}

// proseEnd reports whether line t ends as prose does: a word and a
// closing mark ("works:", "output."), not code ("./...").
func proseEnd(t string) bool {
	rs := []rune(t)
	n := len(rs)
	return n >= 2 && strings.ContainsRune(".!?:;", rs[n-1]) && (unicode.IsLetter(rs[n-2]) || strings.ContainsRune(")\"”’*`", rs[n-2]))
}

func isFence(line string) bool {
	t := strings.TrimSpace(line)
	return strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")
}

// codeSegment is a part of a fenced code block an answer may quote: the
// block, or the part of it a comment line sets apart ("# Ollama on this
// machine"), with the sentence that leads into the block.
type codeSegment struct {
	leadIn, lang, code string
}

// maxCodeLines caps the lines of code an answer quotes.
const maxCodeLines = 12

// codeSegments lists the quotable segments of the code blocks of text.
func codeSegments(text string) []codeSegment {
	lines := strings.Split(text, "\n")
	in := codeLines(lines)
	var out []codeSegment
	var cur *codeSegment
	var body []string
	flush := func() {
		if cur != nil && strings.TrimSpace(strings.Join(body, "")) != "" && !strings.Contains(strings.Join(body, "\n"), "```") {
			cur.code = strings.Join(body[:min(len(body), maxCodeLines)], "\n")
			out = append(out, *cur)
		}
		body = nil
	}
	lead, lang := "", ""
	for i, l := range lines {
		switch {
		case !in[i]:
			t := strings.TrimSpace(l)
			switch {
			case t != "" && (i == 0 || strings.TrimSpace(lines[i-1]) == ""):
				lead = t // a new paragraph
			case t != "":
				lead += " " + t
			}
			cur = nil
		case isFence(l):
			flush()
			if cur == nil { // an opening fence
				lang = strings.TrimSpace(strings.Trim(strings.TrimSpace(l), "`~"))
				cur = &codeSegment{leadIn: leadInOf(lead), lang: lang}
			} else {
				cur, lead = nil, ""
			}
		default:
			if cur == nil { // the passage began inside the block
				cur = &codeSegment{}
			}
			if isComment(l) && len(body) > 0 && !isComment(body[len(body)-1]) {
				flush()
				cur = &codeSegment{leadIn: cur.leadIn, lang: cur.lang}
			}
			body = append(body, l)
		}
	}
	flush()
	return out
}

// leadInOf is the last sentence of the prose line before a block when it
// leads into it (ends with a colon), else "".
func leadInOf(line string) string {
	ss := sentences(line)
	if len(ss) == 0 || !strings.HasSuffix(ss[len(ss)-1], ":") {
		return ""
	}
	return ss[len(ss)-1]
}

func isComment(line string) bool {
	t := strings.TrimSpace(line)
	return strings.HasPrefix(t, "# ") || strings.HasPrefix(t, "// ") || strings.HasPrefix(t, "-- ")
}

// howToCues open a question asking how to do something, which a command
// or a configuration block answers.
var howToCues = []string{"how do i", "how do you", "how do we", "how can i", "how can we", "how should i",
	"how to", "what command", "which command", "how would i", "how does one"}

// howTo reports whether q asks how to do something.
func howTo(q string) bool {
	s := strings.Join(words(q), " ")
	for _, c := range howToCues {
		if strings.HasPrefix(s, c+" ") {
			return true
		}
	}
	return false
}

// renderCode writes a code candidate: its lead-in quoted with the
// citation, then the code as a fenced block, which shows it verbatim and
// keeps brackets in it from reading as citations or links.
func renderCode(b *strings.Builder, c candidate, n int) {
	if c.text != "" {
		b.WriteString("“" + inert(c.text) + "” ")
	} else {
		b.WriteString("From ")
	}
	fmt.Fprintf(b, "[%d]:\n```%s\n%s\n```", n, c.code.lang, c.code.code)
}

// passageCode lists the code segments a passage holds or begins. A
// passage cut from a longer text may end inside a block, so the blocks
// are read from its context (the chunk with its neighbours) when there is
// one; a segment counts when its first line or its lead-in is in the
// passage itself.
func passageCode(p rag.Passage) []codeSegment {
	if p.Context == "" || !strings.Contains(p.Context, strings.TrimSpace(p.Text)) {
		return codeSegments(p.Text)
	}
	var out []codeSegment
	for _, seg := range codeSegments(p.Context) {
		first, _, _ := strings.Cut(seg.code, "\n")
		if strings.Contains(p.Text, first) || seg.leadIn != "" && strings.Contains(p.Text, seg.leadIn) {
			out = append(out, seg)
		}
	}
	return out
}

// prose is what a code segment says in words, the part of it an
// embedding reads well: its lead-in and comment lines, or its code when
// it has neither.
func (seg codeSegment) prose() string {
	var b strings.Builder
	b.WriteString(seg.leadIn)
	for _, l := range strings.Split(seg.code, "\n") {
		if isComment(l) {
			b.WriteString(" " + strings.TrimLeft(strings.TrimSpace(l), "#/- "))
		}
	}
	if strings.TrimSpace(b.String()) == "" {
		return seg.code
	}
	return b.String()
}
