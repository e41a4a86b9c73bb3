package loader

import "strings"

// mdParser is a line-based Markdown reader: enough structure for chunking
// (headings, fenced code, list items, tables, paragraphs), not a renderer;
// inline markup is kept as written.
type mdParser struct {
	b    *builder
	para []string
	kind BlockKind
}

// parseMarkdown reads Markdown; front matter is dropped but for its title,
// which wins over the first H1; fenced code is kept whole (fences
// included) as one Code block.
func parseMarkdown(s string, opts Options) (*builder, string) {
	lines, title := dropFrontMatter(strings.Split(s, "\n"))
	p := &mdParser{b: newBuilder(opts)}
	for i := 0; i < len(lines); i++ {
		if ch, n, ok := openFence(lines[i]); ok {
			p.flush()
			j := closeFence(lines, i+1, ch, n)
			p.b.block(Code, 0, strings.Join(lines[i:j+1], "\n"))
			i = j
			continue
		}
		p.line(lines[i])
	}
	p.flush()
	return p.b, title
}

// line handles one line outside code fences.
func (p *mdParser) line(line string) {
	trimmed := strings.TrimSpace(line)
	switch {
	case trimmed == "":
		p.flush()
	case atxLevel(line) > 0:
		p.flush()
		lvl := atxLevel(line)
		p.b.heading(lvl, atxText(trimmed[lvl:]))
	case setextLevel(trimmed) > 0 && p.kind == Paragraph && len(p.para) > 0:
		p.b.heading(setextLevel(trimmed), strings.Join(p.para, " "))
		p.para = p.para[:0]
	case isRule(trimmed):
		p.flush()
	case isListItem(trimmed):
		p.flush()
		p.kind = ListItem
		p.para = append(p.para, line)
	case strings.HasPrefix(trimmed, "|"):
		if p.kind != Table {
			p.flush()
			p.kind = Table
		}
		p.para = append(p.para, line)
	default:
		if p.kind == Table {
			p.flush()
		}
		p.para = append(p.para, line)
	}
}

func (p *mdParser) flush() {
	p.b.block(p.kind, 0, strings.Join(p.para, "\n"))
	p.para = p.para[:0]
	p.kind = Paragraph
}

// dropFrontMatter removes a leading YAML (---) or TOML (+++) block and
// returns its top-level title, if any.
func dropFrontMatter(lines []string) ([]string, string) {
	if len(lines) == 0 {
		return lines, ""
	}
	open := strings.TrimSpace(lines[0])
	if open != "---" && open != "+++" {
		return lines, ""
	}
	sep := ":"
	if open == "+++" {
		sep = "="
	}
	title := ""
	for i := 1; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if l == open || (open == "---" && l == "...") {
			return lines[i+1:], title
		}
		if title == "" {
			title = frontTitle(lines[i], sep)
		}
	}
	return lines, ""
}

// frontTitle returns the value of an unindented "title: x" (YAML) or
// "title = x" (TOML) line, unquoted, or "".
func frontTitle(line, sep string) string {
	k, v, ok := strings.Cut(line, sep)
	if !ok || strings.TrimRight(k, " \t") != "title" {
		return ""
	}
	return collapseSpace(strings.Trim(strings.TrimSpace(v), `"'`))
}

// indent returns the line without up to three leading spaces, and false
// if it is indented four or more (indented code, not a fence or heading).
func indent(line string) (string, bool) {
	n := len(line) - len(strings.TrimLeft(line, " "))
	if n > 3 {
		return line, false
	}
	return line[n:], true
}

// openFence recognises ``` or ~~~ (three or more) opening a code block.
func openFence(line string) (byte, int, bool) {
	s, ok := indent(line)
	if !ok || len(s) < 3 || (s[0] != '`' && s[0] != '~') {
		return 0, 0, false
	}
	ch := s[0]
	n := len(s) - len(strings.TrimLeft(s, string(ch)))
	if n < 3 || (ch == '`' && strings.ContainsRune(s[n:], '`')) {
		return 0, 0, false
	}
	return ch, n, true
}

// closeFence returns the index of the line closing a fence of at least n
// ch characters, or the last line if the fence is never closed.
func closeFence(lines []string, from int, ch byte, n int) int {
	for j := from; j < len(lines); j++ {
		s, ok := indent(lines[j])
		if !ok {
			continue
		}
		rest := strings.TrimLeft(s, string(ch))
		if len(s)-len(rest) >= n && strings.TrimSpace(rest) == "" {
			return j
		}
	}
	return len(lines) - 1
}

// atxLevel is the level of an ATX heading line ("## Title"), else 0.
func atxLevel(line string) int {
	s, ok := indent(line)
	if !ok {
		return 0
	}
	n := len(s) - len(strings.TrimLeft(s, "#"))
	if n < 1 || n > 6 || (len(s) > n && s[n] != ' ' && s[n] != '\t') {
		return 0
	}
	return n
}

// atxText strips the optional closing #s of an ATX heading.
func atxText(s string) string {
	s = strings.TrimSpace(s)
	t := strings.TrimRight(s, "#")
	if t == "" || strings.HasSuffix(t, " ") || strings.HasSuffix(t, "\t") {
		return strings.TrimSpace(t)
	}
	return s
}

// setextLevel is 1 for a "===" underline, 2 for "---", else 0.
func setextLevel(trimmed string) int {
	switch {
	case trimmed != "" && strings.Trim(trimmed, "=") == "":
		return 1
	case trimmed != "" && strings.Trim(trimmed, "-") == "":
		return 2
	}
	return 0
}

// isRule recognises a thematic break such as "***" or "- - -".
func isRule(trimmed string) bool {
	s := strings.ReplaceAll(strings.ReplaceAll(trimmed, " ", ""), "\t", "")
	if len(s) < 3 {
		return false
	}
	return strings.Trim(s, "-") == "" || strings.Trim(s, "*") == "" || strings.Trim(s, "_") == ""
}

// isListItem recognises "- ", "* ", "+ ", "1. " and "1) " items.
func isListItem(trimmed string) bool {
	if len(trimmed) >= 2 && strings.ContainsRune("-*+", rune(trimmed[0])) && (trimmed[1] == ' ' || trimmed[1] == '\t') {
		return true
	}
	d := len(trimmed) - len(strings.TrimLeft(trimmed, "0123456789"))
	return d >= 1 && d <= 9 && len(trimmed) > d+1 && (trimmed[d] == '.' || trimmed[d] == ')') &&
		(trimmed[d+1] == ' ' || trimmed[d+1] == '\t')
}
