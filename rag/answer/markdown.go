package answer

import (
	"fmt"
	"strings"

	"github.com/citebot/citebot/rag"
)

// snippetLen is about how much of a nearest passage a refusal shows: as
// many whole sentences as fit, and at least one.
const snippetLen = 300

// Markdown renders an answer as the CLI prints it: the text, then a
// "Sources" list of "[n] Title — section path / p. N — source". A refusal
// lists the closest passages instead.
func Markdown(a *rag.Answer) string {
	if a == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(strings.TrimSpace(a.Text))
	b.WriteString("\n")
	if len(a.Sources) > 0 {
		b.WriteString("\n**Sources**\n\n")
		for _, s := range a.Sources {
			fmt.Fprintf(&b, "- [%d] %s\n", s.N, sourceLine(s.Passage))
		}
	}
	if len(a.Nearest) > 0 {
		b.WriteString("\n**Closest passages**\n\n")
		for _, p := range a.Nearest {
			fmt.Fprintf(&b, "- %s\n  > %s\n", sourceLine(p), inert(snippet(p.Text, snippetLen)))
		}
	}
	return b.String()
}

// snippet is the leading whole sentences of text within about n
// characters; the first sentence is shown whole whatever its length.
func snippet(text string, n int) string {
	var out []string
	size := 0
	for _, s := range sentences(prose(text)) {
		if len(out) > 0 && size+len(s) > n {
			break
		}
		out = append(out, s)
		size += len(s) + 1
	}
	if len(out) == 0 { // all code or headings: show the text itself
		return clip(strings.Join(strings.Fields(text), " "), n)
	}
	return strings.Join(out, " ")
}

// SourceLine is how a front end names a passage: "Title — section path /
// p. N / lines A–B — source", leaving out what is unknown.
func SourceLine(p rag.Passage) string { return sourceLine(p) }

// sourceLine is "Title — section path / p. N / lines A–B — source",
// leaving out what is unknown or repeats the title.
func sourceLine(p rag.Passage) string {
	parts := []string{firstNonEmpty(p.Title, p.Source, "untitled")}
	var where []string
	if h := sectionPath(p.HeadingPath, parts[0]); h != "" {
		where = append(where, h)
	}
	if p.Page > 0 {
		where = append(where, fmt.Sprintf("p. %d", p.Page))
	}
	if l := lineRange(p.StartLine, p.EndLine); l != "" {
		where = append(where, l)
	}
	if len(where) > 0 {
		parts = append(parts, strings.Join(where, " / "))
	}
	if p.Source != "" && p.Source != parts[0] {
		parts = append(parts, p.Source)
	}
	return strings.Join(parts, " — ")
}

// sectionPath joins the headings, leaving out a first heading that is the
// title (a Markdown H1 usually is).
func sectionPath(headings []string, title string) string {
	if len(headings) > 0 && strings.EqualFold(strings.TrimSpace(headings[0]), strings.TrimSpace(title)) {
		headings = headings[1:]
	}
	return strings.Join(headings, " › ")
}

// lineRange is "line N" or "lines A–B"; "" when the lines are unknown.
func lineRange(start, end int) string {
	switch {
	case start <= 0:
		return ""
	case end <= start:
		return fmt.Sprintf("line %d", start)
	default:
		return fmt.Sprintf("lines %d–%d", start, end)
	}
}
