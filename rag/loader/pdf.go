package loader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ledongthuc/pdf"
)

// pdfResult is what reading a PDF yields: the pages with text, the Info
// title, and notes on pages that yielded none (see ocrPages).
type pdfResult struct {
	Title string    `json:"title"`
	Pages []pdfPage `json:"pages"`
	Notes []string  `json:"notes,omitempty"`
}

// parsePDF extracts text page by page, in a worker process when
// Options.PDFWorker is set (see runPDFWorker), else in this one.
// Paragraphs are split on blank lines and keep their page number.
func parsePDF(ctx context.Context, data []byte, opts Options) (*builder, []string, string, error) {
	var res pdfResult
	var err error
	if len(opts.PDFWorker) > 0 {
		res, err = runPDFWorker(ctx, data, opts)
	} else {
		res, err = extractPDF(ctx, data, opts)
	}
	if err != nil {
		return nil, nil, "", err
	}
	b := newBuilder(opts)
	for _, pg := range res.Pages {
		for _, para := range splitParagraphs(normalise(pg.Text)) {
			b.block(Paragraph, pg.Num, para)
		}
	}
	return b, res.Notes, collapseSpace(res.Title), nil
}

// extractPDF reads the text layer of every page under the parse deadline
// and the text cap, and runs OCR on pages without one.
func extractPDF(ctx context.Context, data []byte, opts Options) (pdfResult, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.parseTimeout())
	defer cancel()
	res, blank, err := readPDF(ctx, data, opts.maxText())
	if err != nil {
		return pdfResult{}, deadlineErr(ctx, err, opts)
	}
	if len(blank) > 0 {
		if err := ocrPages(ctx, data, blank, &res, opts); err != nil {
			return pdfResult{}, deadlineErr(ctx, err, opts)
		}
	}
	return res, nil
}

// deadlineErr turns the parse deadline's expiry into ErrBudget.
func deadlineErr(ctx context.Context, err error, opts Options) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("parse ran over its %s deadline: %w", opts.parseTimeout(), ErrBudget)
	}
	return err
}

// readPDF is the only place that calls github.com/ledongthuc/pdf. That
// library panics on some malformed files (index out of range, "bad TL"
// and similar on garbage streams), so this one call site recovers and
// turns a panic into an error; nothing else in the package recovers.
// It returns the pages with text and the numbers of those with none
// that show an image (candidates for OCR).
func readPDF(ctx context.Context, data []byte, maxText int64) (res pdfResult, blank []int, err error) {
	defer func() {
		if r := recover(); r != nil {
			if a, ok := r.(pdfAbort); ok {
				res, blank, err = pdfResult{}, nil, a.err
				return
			}
			res, blank, err = pdfResult{}, nil, fmt.Errorf("malformed PDF: %v", r)
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if errors.Is(err, pdf.ErrInvalidPassword) {
			return res, nil, fmt.Errorf("pdf needs a password: %w", ErrEncrypted)
		}
		return res, nil, fmt.Errorf("read pdf: %w", err)
	}
	res.Title = pdfTitle(r)
	x := &pdfExtractor{ctx: ctx, maxText: maxText}
	if err := x.walk(r.Trailer().Key("Root").Key("Pages"), pdf.Value{}, 0); err != nil {
		return res, nil, fmt.Errorf("read pdf: %w", err)
	}
	for i, ref := range x.refs {
		text := x.pageText(ref)
		if strings.TrimSpace(text) == "" {
			if hasImages(ref.res) {
				blank = append(blank, i+1)
			}
			continue
		}
		res.Pages = append(res.Pages, pdfPage{Num: i + 1, Text: text})
	}
	return res, blank, nil
}

// hasImages reports whether page resources name any XObject, as a
// scanned page's image is.
func hasImages(res pdf.Value) bool {
	return len(res.Key("XObject").Keys()) > 0
}

func pdfTitle(r *pdf.Reader) string {
	t := r.Trailer().Key("Info").Key("Title")
	if t.Kind() != pdf.String {
		return ""
	}
	return strings.ToValidUTF8(t.Text(), "")
}
