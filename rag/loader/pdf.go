package loader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ledongthuc/pdf"
)

// pdfPage is the plain text of one page.
type pdfPage struct {
	num  int
	text string
}

// parsePDF extracts text page by page; paragraphs are split on blank
// lines and keep their page number. The title is the Info dictionary's.
func parsePDF(ctx context.Context, data []byte) (*builder, string, error) {
	pages, title, err := readPDF(ctx, data)
	if err != nil {
		return nil, "", err
	}
	b := &builder{}
	for _, pg := range pages {
		for _, para := range splitParagraphs(normalise(pg.text)) {
			b.block(Paragraph, pg.num, para)
		}
	}
	return b, collapseSpace(title), nil
}

// readPDF is the only place that calls github.com/ledongthuc/pdf. That
// library panics on some malformed files (index out of range, "bad TL"
// and similar on garbage streams), so this one call site recovers and
// turns a panic into an error; nothing else in the package recovers.
func readPDF(ctx context.Context, data []byte) (pages []pdfPage, title string, err error) {
	defer func() {
		if r := recover(); r != nil {
			pages, title, err = nil, "", fmt.Errorf("malformed PDF: %v", r)
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if errors.Is(err, pdf.ErrInvalidPassword) {
			return nil, "", fmt.Errorf("pdf needs a password: %w", ErrEncrypted)
		}
		return nil, "", fmt.Errorf("read pdf: %w", err)
	}
	title = pdfTitle(r)
	// NumPage trusts the file's /Count; stop at the first missing page
	// so a forged count cannot make this loop run for billions of pages.
	for i := 1; i <= r.NumPage(); i++ {
		if err := ctx.Err(); err != nil {
			return nil, "", err
		}
		p := r.Page(i)
		if p.V.IsNull() {
			break
		}
		text, err := p.GetPlainText(nil)
		if err != nil {
			return nil, "", fmt.Errorf("read pdf page %d: %w", i, err)
		}
		pages = append(pages, pdfPage{num: i, text: strings.ToValidUTF8(text, "\uFFFD")})
	}
	return pages, title, nil
}

func pdfTitle(r *pdf.Reader) string {
	t := r.Trailer().Key("Info").Key("Title")
	if t.Kind() != pdf.String {
		return ""
	}
	return strings.ToValidUTF8(t.Text(), "")
}
