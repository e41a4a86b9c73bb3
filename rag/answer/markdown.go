package answer

import (
	"fmt"
	"strings"

	"github.com/citebot/citebot/rag"
)

// snippetLen caps how much of a nearest passage a refusal shows.
const snippetLen = 200

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
			fmt.Fprintf(&b, "- %s\n  > %s\n", sourceLine(p), clip(strings.Join(strings.Fields(p.Text), " "), snippetLen))
		}
	}
	return b.String()
}

// sourceLine is "Title — section path / p. N — source", leaving out what
// is unknown.
func sourceLine(p rag.Passage) string {
	parts := []string{firstNonEmpty(p.Title, p.Source, "untitled")}
	var where []string
	if len(p.HeadingPath) > 0 {
		where = append(where, strings.Join(p.HeadingPath, " › "))
	}
	if p.Page > 0 {
		where = append(where, fmt.Sprintf("p. %d", p.Page))
	}
	if len(where) > 0 {
		parts = append(parts, strings.Join(where, " / "))
	}
	if p.Source != "" && p.Source != parts[0] {
		parts = append(parts, p.Source)
	}
	return strings.Join(parts, " — ")
}
