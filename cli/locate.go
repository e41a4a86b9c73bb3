package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/loader"
	"github.com/citebot/citebot/rag/store"
)

// locator finds where passages are in their source files: the line range
// in a local text or Markdown file, and the path relative to the
// collection's root.
type locator struct {
	root  string
	opts  loader.Options
	files map[string]*sourceFile
}

// sourceFile is a loaded local document with, for each line of its text,
// the line of the file it came from (0 for a line the file lacks).
type sourceFile struct {
	doc   *loader.Document
	lines []int
}

func newLocator(ctx context.Context, st *store.Store, collection string, opts loader.Options) (*locator, error) {
	root, err := st.Root(ctx, collection)
	if err != nil {
		return nil, err
	}
	return &locator{root: root, opts: opts, files: map[string]*sourceFile{}}, nil
}

// answer returns a copy of a whose passages carry line ranges, with local
// sources shown relative to the root when relative is set.
func (l *locator) answer(ctx context.Context, a *rag.Answer, relative bool) *rag.Answer {
	if a == nil {
		return nil
	}
	c := *a
	c.Sources = append([]rag.Source(nil), a.Sources...)
	for i := range c.Sources {
		c.Sources[i].Passage = l.passage(ctx, c.Sources[i].Passage, relative)
	}
	c.Nearest = append([]rag.Passage(nil), a.Nearest...)
	for i := range c.Nearest {
		c.Nearest[i] = l.passage(ctx, c.Nearest[i], relative)
	}
	return &c
}

func (l *locator) passage(ctx context.Context, p rag.Passage, relative bool) rag.Passage {
	if f := l.file(ctx, p.Source); f != nil {
		p.StartLine, p.EndLine = f.span(p)
	}
	if relative {
		p.Source = relativeSource(l.root, p.Source)
	}
	return p
}

// file loads a local text or Markdown source once; nil for anything else.
func (l *locator) file(ctx context.Context, source string) *sourceFile {
	if f, ok := l.files[source]; ok {
		return f
	}
	l.files[source] = nil
	if !filepath.IsAbs(source) || !textFile(source) {
		return nil
	}
	doc, err := loader.LoadFile(ctx, source, l.opts)
	if err != nil || (doc.MediaType != loader.MediaText && doc.MediaType != loader.MediaMarkdown) {
		return nil
	}
	raw, err := os.ReadFile(source)
	if err != nil {
		return nil
	}
	lines, ok := alignLines(doc.Text, string(raw))
	if !ok {
		return nil
	}
	l.files[source] = &sourceFile{doc: doc, lines: lines}
	return l.files[source]
}

// textFile reports whether a file's name says it is text or Markdown,
// the formats whose lines a citation can name; nothing else is loaded.
func textFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".txt", ".text", ".md", ".markdown", ".mdx":
		return true
	}
	return false
}

// span is the file lines of p, or 0, 0 when the file no longer holds p's
// text where it was.
func (f *sourceFile) span(p rag.Passage) (int, int) {
	t := f.doc.Text
	if p.Start < 0 || p.End > len(t) || p.Start >= p.End {
		return 0, 0
	}
	seg := t[p.Start:p.End]
	body := strings.TrimSpace(seg)
	if body == "" || body != strings.TrimSpace(p.Text) {
		return 0, 0
	}
	start := p.Start + len(seg) - len(strings.TrimLeftFunc(seg, unicode.IsSpace))
	first := strings.Count(t[:start], "\n")
	last := first + strings.Count(body, "\n")
	if f.lines[first] == 0 || f.lines[last] == 0 {
		return 0, 0
	}
	return f.lines[first], f.lines[last]
}

// alignWindow is how many file lines alignLines looks ahead for one line
// of text before it gives that line up.
const alignWindow = 200

// alignLines maps each line of a loaded document's text to the line of the
// file it came from (from 1), matching the text's non-blank lines in order
// against the file's; a line the loader rewrote (inline markup, say) maps
// to 0. It fails when no line matches.
func alignLines(text, file string) ([]int, bool) {
	src := strings.Split(file, "\n")
	lines := strings.Split(text, "\n")
	out := make([]int, len(lines))
	j, found := 0, false
	for i, line := range lines {
		want := strings.TrimSpace(line)
		if want == "" {
			continue
		}
		for k := j; k < min(len(src), j+alignWindow); k++ {
			if sameLine(src[k], want) {
				out[i], j, found = k+1, k+1, true
				break
			}
		}
	}
	return out, found
}

// sameLine reports whether a file line is a text line, up to the Markdown
// markers of a heading, quote or list item that the loader drops.
func sameLine(fileLine, want string) bool {
	l := strings.TrimSpace(fileLine)
	if l == want {
		return true
	}
	marker, ok := strings.CutSuffix(l, want)
	if !ok {
		marker, ok = strings.CutSuffix(strings.TrimRight(l, "# "), want)
	}
	return ok && marker != "" && strings.Trim(marker, "#>-*+0123456789.) ") == ""
}
