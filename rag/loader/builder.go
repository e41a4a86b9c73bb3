package loader

import (
	"context"
	"fmt"
	"strings"
	"unicode"
)

// builder accumulates blocks into a Document's text, separating them with
// a blank line and tracking the heading path. Past max bytes of text it
// records ErrTooLarge and takes no more.
type builder struct {
	text   strings.Builder
	blocks []Block
	path   []string
	levels []int
	title  string // first level-1 heading, if any
	max    int64
	err    error // the cap was reached
}

// newBuilder returns a builder capped at opts' MaxTextBytes.
func newBuilder(opts Options) *builder { return &builder{max: opts.maxText()} }

// heading adds a heading block of the given level (1..6) and makes it the
// innermost entry of the heading path.
func (b *builder) heading(level int, text string) {
	text = collapseSpace(text)
	if text == "" {
		return
	}
	for len(b.levels) > 0 && b.levels[len(b.levels)-1] >= level {
		b.levels = b.levels[:len(b.levels)-1]
		b.path = b.path[:len(b.path)-1]
	}
	b.levels = append(b.levels, level)
	b.path = append(b.path, text)
	if level == 1 && b.title == "" {
		b.title = text
	}
	b.add(Block{Kind: Heading, Level: level}, text)
}

// block adds a non-heading block; text is trimmed of surrounding blank
// space, and blank blocks are skipped.
func (b *builder) block(kind BlockKind, page int, text string) {
	if kind == Code {
		text = strings.Trim(text, "\n")
		if strings.TrimSpace(text) == "" {
			return
		}
	} else {
		text = strings.TrimRightFunc(strings.TrimLeft(text, "\n\r\t "), unicode.IsSpace)
		if text == "" {
			return
		}
	}
	b.add(Block{Kind: kind, Page: page}, text)
}

func (b *builder) add(bl Block, text string) {
	if b.err != nil {
		return
	}
	if int64(b.text.Len()+2+len(text)) > b.max {
		b.err = fmt.Errorf("text over the %d-byte cap: %w", b.max, ErrTooLarge)
		return
	}
	if b.text.Len() > 0 {
		b.text.WriteString("\n\n")
	}
	bl.Start = b.text.Len()
	b.text.WriteString(text)
	bl.End = b.text.Len()
	if len(b.path) > 0 {
		bl.HeadingPath = append([]string(nil), b.path...)
	}
	b.blocks = append(b.blocks, bl)
}

// document returns the finished document, or ErrEmpty when it holds no
// text beyond white space.
func (b *builder) document(source, media, title string) (*Document, error) {
	if b.err != nil {
		return nil, b.err
	}
	if strings.TrimSpace(b.text.String()) == "" {
		return nil, ErrEmpty
	}
	if title == "" {
		title = b.title
	}
	if title == "" {
		title = nameTitle(source)
	}
	return &Document{Source: source, Title: title, MediaType: media, Text: b.text.String(), Blocks: b.blocks}, nil
}

// collapseSpace turns every run of white space into one space and trims.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// checkParse is called by parsers every token: every 1024th it reports
// ctx's end, and always a text cap already reached.
func checkParse(ctx context.Context, b *builder, n int) error {
	if b.err != nil {
		return b.err
	}
	if n%1024 == 0 {
		return ctx.Err()
	}
	return nil
}
