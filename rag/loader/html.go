package loader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// skipped elements hold no readable content: their subtree is dropped.
var skipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Nav: true, atom.Header: true, atom.Footer: true, atom.Aside: true,
	atom.Form: true, atom.Svg: true, atom.Iframe: true, atom.Button: true,
	atom.Select: true, atom.Head: true, atom.Object: true, atom.Canvas: true,
}

// breaks end the current block when they open or close.
var breaks = map[atom.Atom]BlockKind{
	atom.P: Paragraph, atom.Div: Paragraph, atom.Section: Paragraph, atom.Article: Paragraph,
	atom.Main: Paragraph, atom.Blockquote: Paragraph, atom.Br: Paragraph, atom.Hr: Paragraph,
	atom.Dt: Paragraph, atom.Dd: Paragraph, atom.Dl: Paragraph, atom.Figcaption: Paragraph,
	atom.Li: ListItem, atom.Ul: Paragraph, atom.Ol: Paragraph,
	atom.Tr: Table, atom.Table: Paragraph, atom.Caption: Paragraph, atom.Pre: Code,
	atom.Body: Paragraph,
}

// unnested elements may be left open (or are void) and are not tracked
// on the element stack, so "<li>a<li>b" does not count as nesting.
var unnested = map[atom.Atom]bool{
	atom.P: true, atom.Li: true, atom.Dt: true, atom.Dd: true, atom.Tr: true,
	atom.Td: true, atom.Th: true, atom.Option: true, atom.Br: true, atom.Hr: true,
	atom.Img: true, atom.Input: true, atom.Meta: true, atom.Link: true, atom.Wbr: true,
	atom.Area: true, atom.Base: true, atom.Col: true, atom.Embed: true, atom.Source: true,
	atom.Track: true, atom.Param: true, atom.Html: true, atom.Body: true,
}

// openElem is an element on the stack; skip says it opened a skipped
// subtree.
type openElem struct {
	a    atom.Atom
	skip bool
}

// htmlParser extracts readable text with a tokenizer, which is linear in
// the input whatever its nesting, tracking a stack of open elements to
// drop skipped subtrees and to enforce the depth cap.
type htmlParser struct {
	b        *builder
	stack    []openElem
	content  int // open <main> and <article> elements
	skip     int // open skipped elements
	pre      int // open <pre> elements
	cur      strings.Builder
	kind     BlockKind
	heading  int // level of the open heading, 0 if none
	inTitle  bool
	title    strings.Builder
	maxDepth int
}

// decodeHTML is decodeText, except that HTML which is not valid UTF-8
// but declares its charset (Content-Type header or <meta>) is transcoded
// from it: unlike plain text, HTML says what it is.
func decodeHTML(data []byte, contentType string) (string, error) {
	s, err := decodeText(data)
	if err == nil || !errors.Is(err, ErrUnsupported) || bytes.IndexByte(data, 0) >= 0 {
		return s, err
	}
	head := data[:min(len(data), 1024)]
	if !strings.Contains(strings.ToLower(contentType), "charset") && !bytes.Contains(bytes.ToLower(head), []byte("charset")) {
		return "", err
	}
	enc, _, _ := charset.DetermineEncoding(data, contentType)
	out, terr := enc.NewDecoder().Bytes(data)
	if terr != nil || !utf8.Valid(out) {
		return "", err
	}
	return normalise(string(out)), nil
}

// parseHTML extracts text and headings; the title is <title>, else the
// first <h1>.
func parseHTML(ctx context.Context, s string, opts Options) (*builder, string, error) {
	p := &htmlParser{b: newBuilder(opts), maxDepth: opts.maxDepth()}
	z := html.NewTokenizerFragment(strings.NewReader(s), "")
	for n := 0; ; n++ {
		if err := checkParse(ctx, p.b, n); err != nil {
			return nil, "", err
		}
		tt := z.Next()
		if tt == html.ErrorToken {
			if err := z.Err(); err != io.EOF {
				return nil, "", err
			}
			break
		}
		if err := p.token(tt, z.Token()); err != nil {
			return nil, "", err
		}
	}
	p.flush()
	return p.b, collapseSpace(p.title.String()), nil
}

func (p *htmlParser) token(tt html.TokenType, t html.Token) error {
	switch tt {
	case html.TextToken:
		p.text(t.Data)
	case html.StartTagToken:
		return p.open(t.DataAtom, false)
	case html.SelfClosingTagToken:
		return p.open(t.DataAtom, true)
	case html.EndTagToken:
		p.close(t.DataAtom)
	}
	return nil
}

func (p *htmlParser) text(s string) {
	switch {
	case p.inTitle:
		p.title.WriteString(s)
	case p.skip == 0:
		p.cur.WriteString(s)
	}
}

func (p *htmlParser) open(a atom.Atom, selfClosing bool) error {
	if a == atom.Title {
		p.inTitle = !selfClosing
		return nil
	}
	if !unnested[a] && !selfClosing {
		if len(p.stack) >= p.maxDepth {
			return fmt.Errorf("html nested deeper than %d elements: %w", p.maxDepth, ErrTooLarge)
		}
		// A page's <header> is site chrome; an article's holds its title.
		skip := skipped[a] && !(p.content > 0 && a == atom.Header)
		p.stack = append(p.stack, openElem{a, skip})
		if skip {
			p.skip++
		}
		if a == atom.Main || a == atom.Article {
			p.content++
		}
	}
	if p.skip > 0 {
		return nil
	}
	p.start(a, selfClosing)
	return nil
}

// start handles an element opening outside skipped subtrees.
func (p *htmlParser) start(a atom.Atom, selfClosing bool) {
	if lvl := headingLevel(a); lvl > 0 {
		p.flush()
		p.heading = lvl
		return
	}
	switch a {
	case atom.Td, atom.Th:
		if p.cur.Len() > 0 {
			p.cur.WriteString(" | ")
		}
		return
	case atom.Pre:
		p.flush()
		if !selfClosing {
			p.pre++
		}
		p.kind = Code
		return
	}
	if kind, ok := breaks[a]; ok && p.pre == 0 {
		p.flush()
		p.kind = kind
	}
}

func (p *htmlParser) close(a atom.Atom) {
	if a == atom.Title {
		p.inTitle = false
		return
	}
	wasSkipping := p.skip > 0
	if !unnested[a] {
		p.pop(a)
	}
	if wasSkipping {
		return
	}
	switch {
	case headingLevel(a) > 0, a == atom.Pre:
		p.flush()
		if a == atom.Pre && p.pre > 0 {
			p.pre--
		}
	case p.pre == 0:
		if _, ok := breaks[a]; ok {
			p.flush()
		}
	}
}

// pop closes the innermost open element a, and those left open inside
// it; an end tag with no open element is ignored.
func (p *htmlParser) pop(a atom.Atom) {
	for i := len(p.stack) - 1; i >= 0; i-- {
		if p.stack[i].a != a {
			continue
		}
		for _, x := range p.stack[i:] {
			if x.skip {
				p.skip--
			}
			if x.a == atom.Main || x.a == atom.Article {
				p.content--
			}
		}
		p.stack = p.stack[:i]
		return
	}
}

// flush ends the current block.
func (p *htmlParser) flush() {
	s := p.cur.String()
	p.cur.Reset()
	switch {
	case p.heading > 0:
		p.b.heading(p.heading, s)
		p.heading = 0
	case p.kind == Code:
		p.b.block(Code, 0, s)
	default:
		p.b.block(p.kind, 0, collapseSpace(s))
	}
	p.kind = Paragraph
}

func headingLevel(a atom.Atom) int {
	switch a {
	case atom.H1:
		return 1
	case atom.H2:
		return 2
	case atom.H3:
		return 3
	case atom.H4:
		return 4
	case atom.H5:
		return 5
	case atom.H6:
		return 6
	}
	return 0
}
