package loader

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ocrDPI is the resolution pages are rasterised at for OCR: tesseract
// reads body text best at about 300 dots per inch.
const ocrDPI = 300

// ocrPages reads pages without a text layer with tesseract, after
// pdftoppm (poppler-utils) has rasterised them; scripts/tools.sh installs
// both. Without them, or with Options.NoOCR, each such page is noted as
// skipped rather than left silently empty.
func ocrPages(ctx context.Context, data []byte, pages []int, res *pdfResult, opts Options) error {
	tesseract, err1 := exec.LookPath("tesseract")
	pdftoppm, err2 := exec.LookPath("pdftoppm")
	if opts.NoOCR || err1 != nil || err2 != nil {
		why := "OCR needs tesseract and pdftoppm (scripts/tools.sh installs them)"
		if opts.NoOCR {
			why = "OCR is off"
		}
		for _, p := range pages {
			res.Notes = append(res.Notes, fmt.Sprintf("page %d has no text layer and was skipped: %s", p, why))
		}
		return nil
	}
	dir, err := os.MkdirTemp("", "citebot-ocr-")
	if err != nil {
		return fmt.Errorf("ocr: %w", err)
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return fmt.Errorf("ocr: %w", err)
	}
	total := int64(0)
	for _, pg := range res.Pages {
		total += int64(len(pg.Text))
	}
	for _, p := range pages {
		text, err := ocrPage(ctx, pdftoppm, tesseract, in, p)
		if err != nil {
			return err
		}
		if total += int64(len(text)); total > opts.maxText() {
			return fmt.Errorf("text over the %d-byte cap: %w", opts.maxText(), ErrTooLarge)
		}
		if strings.TrimSpace(text) == "" {
			res.Notes = append(res.Notes, fmt.Sprintf("page %d has no text layer and OCR found no text in it", p))
			continue
		}
		res.Pages = append(res.Pages, pdfPage{Num: p, Text: text})
	}
	slices.SortFunc(res.Pages, func(a, b pdfPage) int { return a.Num - b.Num })
	return nil
}

// ocrPage rasterises page p of the PDF at in and returns tesseract's text.
func ocrPage(ctx context.Context, pdftoppm, tesseract, in string, p int) (string, error) {
	n := strconv.Itoa(p)
	png := filepath.Join(filepath.Dir(in), "page")
	raster := exec.CommandContext(ctx, pdftoppm, "-r", strconv.Itoa(ocrDPI), "-gray", "-png", "-singlefile", "-f", n, "-l", n, in, png)
	if out, err := raster.CombinedOutput(); err != nil {
		return "", fmt.Errorf("ocr page %d: pdftoppm: %w: %s", p, err, firstLine(out))
	}
	ocr := exec.CommandContext(ctx, tesseract, png+".png", "stdout")
	ocr.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1") // one core: other work shares the machine
	var stderr bytes.Buffer
	ocr.Stderr = &stderr
	out, err := ocr.Output()
	if err != nil {
		return "", fmt.Errorf("ocr page %d: tesseract: %w: %s", p, err, firstLine(stderr.Bytes()))
	}
	return strings.ToValidUTF8(string(out), "\uFFFD"), nil
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return s
}
