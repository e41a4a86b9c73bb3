package loader

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// ZIP limits for DOCX beyond Options.MaxUncompressed: entry count, and the
// compression ratio allowed for entries over docxRatioFloor bytes.
const (
	docxMaxEntries = 2000
	docxMaxRatio   = 200
	docxRatioFloor = 1 << 20
	wordNS         = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
)

// parseDOCX reads word/document.xml: paragraphs, Heading1..6 styles as
// headings, numbered paragraphs as list items. The title is
// docProps/core.xml's dc:title, else a Title-styled paragraph, else the
// first level-1 heading.
func parseDOCX(ctx context.Context, data []byte, opts Options) (*builder, string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, "", fmt.Errorf("read docx: %w", err)
	}
	if err := checkZip(zr, opts.maxUncompressed()); err != nil {
		return nil, "", err
	}
	budget := opts.maxUncompressed()
	body, err := readEntry(zr, "word/document.xml", &budget)
	if err != nil {
		return nil, "", err
	}
	if body == nil {
		return nil, "", fmt.Errorf("docx without word/document.xml: %w", ErrUnsupported)
	}
	core, err := readEntry(zr, "docProps/core.xml", &budget)
	if err != nil {
		return nil, "", err
	}
	p := &docxParser{b: newBuilder(opts), maxDepth: opts.maxDepth()}
	if err := p.parse(ctx, body); err != nil {
		return nil, "", err
	}
	title := coreTitle(core)
	if title == "" {
		title = p.title
	}
	return p.b, title, nil
}

// checkZip rejects archives with too many entries, a declared total
// over max, or an entry compressed suspiciously well (a ZIP bomb).
func checkZip(zr *zip.Reader, max int64) error {
	if len(zr.File) > docxMaxEntries {
		return fmt.Errorf("docx has %d zip entries, over %d: %w", len(zr.File), docxMaxEntries, ErrTooLarge)
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if f.UncompressedSize64 > docxRatioFloor && f.UncompressedSize64/max64(f.CompressedSize64, 1) > docxMaxRatio {
			return fmt.Errorf("docx entry %s compresses %d:1 (zip bomb?): %w",
				f.Name, f.UncompressedSize64/max64(f.CompressedSize64, 1), ErrTooLarge)
		}
		if total > uint64(max) {
			return fmt.Errorf("docx decompresses to over %d bytes: %w", max, ErrTooLarge)
		}
	}
	return nil
}

func max64(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// readEntry returns the named entry, or nil if absent, counting what it
// really decompresses to (headers can lie) against budget.
func readEntry(zr *zip.Reader, name string, budget *int64) ([]byte, error) {
	for _, f := range zr.File {
		if f.Name != name {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("read docx %s: %w", name, err)
		}
		defer rc.Close()
		data, err := readCapped(rc, *budget)
		if err != nil {
			return nil, fmt.Errorf("read docx %s: decompressed %w", name, err)
		}
		*budget -= int64(len(data))
		return data, nil
	}
	return nil, nil
}

// coreTitle extracts dc:title from docProps/core.xml, or "".
func coreTitle(core []byte) string {
	var props struct {
		Title string `xml:"http://purl.org/dc/elements/1.1/ title"`
	}
	if core == nil || xml.Unmarshal(core, &props) != nil {
		return ""
	}
	return collapseSpace(props.Title)
}

// docxParser walks WordprocessingML tokens.
type docxParser struct {
	b        *builder
	para     strings.Builder
	style    string
	list     bool
	inText   bool
	tables   int      // open w:tbl elements
	row      []string // cell paragraphs of the open table row
	depth    int
	maxDepth int
	title    string
}

func (p *docxParser) parse(ctx context.Context, body []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(body))
	for n := 0; ; n++ {
		if err := checkParse(ctx, p.b, n); err != nil {
			return err
		}
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read docx xml: %w", err)
		}
		if err := p.token(tok); err != nil {
			return err
		}
	}
	p.flush()
	if p.title == "" {
		p.title = p.b.title
	}
	return nil
}

func (p *docxParser) token(tok xml.Token) error {
	switch t := tok.(type) {
	case xml.StartElement:
		p.depth++
		if p.depth > p.maxDepth {
			return fmt.Errorf("docx xml nested deeper than %d: %w", p.maxDepth, ErrTooLarge)
		}
		if t.Name.Space == wordNS {
			p.start(t)
		}
	case xml.EndElement:
		p.depth--
		if t.Name.Space == wordNS {
			p.end(t.Name.Local)
		}
	case xml.CharData:
		if p.inText {
			p.para.Write(t)
		}
	}
	return nil
}

// end handles a closing WordprocessingML element: table rows become one
// Table block with cells separated by " | ".
func (p *docxParser) end(local string) {
	switch local {
	case "p":
		if p.tables > 0 {
			if s := collapseSpace(p.para.String()); s != "" {
				p.row = append(p.row, s)
			}
			p.para.Reset()
			p.style, p.list = "", false
			return
		}
		p.flush()
	case "t":
		p.inText = false
	case "tr":
		p.b.block(Table, 0, strings.Join(p.row, " | "))
		p.row = p.row[:0]
	case "tbl":
		p.tables--
	}
}

func (p *docxParser) start(t xml.StartElement) {
	switch t.Name.Local {
	case "tbl":
		p.tables++
	case "p":
		if p.tables == 0 {
			p.flush() // a paragraph nested in a text box ends the outer one
		}
	case "pStyle":
		for _, a := range t.Attr {
			if a.Name.Local == "val" {
				p.style = a.Value
			}
		}
	case "numPr":
		p.list = true
	case "t":
		p.inText = true
	case "tab":
		p.para.WriteString("\t")
	case "br", "cr":
		p.para.WriteString("\n")
	}
}

// flush emits the paragraph collected so far.
func (p *docxParser) flush() {
	text := p.para.String()
	style, list := p.style, p.list
	p.para.Reset()
	p.style, p.list = "", false
	if lvl := styleLevel(style); lvl > 0 {
		p.b.heading(lvl, text)
		return
	}
	if strings.EqualFold(style, "Title") {
		if p.title == "" {
			p.title = collapseSpace(text)
		}
		p.b.heading(1, text)
		return
	}
	kind := Paragraph
	if list {
		kind = ListItem
	}
	p.b.block(kind, 0, text)
}

// styleLevel maps "Heading1".."Heading6" (or "heading 1") to 1..6.
func styleLevel(style string) int {
	s := strings.ReplaceAll(strings.ToLower(style), " ", "")
	if len(s) == len("heading1") && strings.HasPrefix(s, "heading") && s[7] >= '1' && s[7] <= '6' {
		return int(s[7] - '0')
	}
	return 0
}
