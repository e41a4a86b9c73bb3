package loader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/rag/loader/loadertest"
	"github.com/google/go-cmp/cmp"
)

// workerEnv makes this test binary act as the PDF worker (see TestMain).
const workerEnv = "CITEBOT_LOADER_TEST_PDF_WORKER"

func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) == "1" {
		if err := RunPDFWorker(context.Background(), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// withWorker returns opts that parse PDFs in this test binary re-executed.
func withWorker(t *testing.T, opts Options) Options {
	t.Setenv(workerEnv, "1")
	opts.PDFWorker = []string{os.Args[0]}
	return opts
}

func TestPDFLinesParagraphsPages(t *testing.T) {
	data := loadertest.TextPDF(
		[]string{"Expense policy", "", "Expense reports are due monthly.", "Receipts are needed for every", "purchase."},
		[]string{"Visitors park on level two."},
	)
	want := []brief{
		{Paragraph, "", "Expense policy"},
		{Paragraph, "", "Expense reports are due monthly.\nReceipts are needed for every\npurchase."},
		{Paragraph, "", "Visitors park on level two."},
	}
	for _, mode := range []string{"in process", "worker"} {
		t.Run(mode, func(t *testing.T) {
			opts := Options{}
			if mode == "worker" {
				opts = withWorker(t, opts)
			}
			d, err := Load(t.Context(), "policy.pdf", bytes.NewReader(data), opts)
			if err != nil {
				t.Fatal(err)
			}
			checkDoc(t, d)
			if diff := cmp.Diff(want, briefs(d)); diff != "" {
				t.Errorf("blocks (-want +got):\n%s", diff)
			}
			var pages []int
			for _, b := range d.Blocks {
				pages = append(pages, b.Page)
			}
			if diff := cmp.Diff([]int{1, 1, 2}, pages); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPDFHostile(t *testing.T) {
	tests := []struct {
		name   string
		data   []byte
		opts   Options
		worker bool
		want   error
	}{
		{"cyclic page tree", loadertest.CyclicPDF(), Options{}, false, errPageTreeCycle},
		{"cyclic page tree in a worker", loadertest.CyclicPDF(), Options{}, true, nil},
		{"stream bomb", loadertest.StreamBomb(64 << 20), Options{MaxTextBytes: 1 << 20}, false, ErrTooLarge},
		{"stream bomb in a worker", loadertest.StreamBomb(64 << 20), Options{MaxTextBytes: 1 << 20}, true, ErrTooLarge},
		{"worker memory budget", loadertest.StreamBomb(64 << 20), Options{MaxTextBytes: 1 << 30, MaxParseMemory: 64 << 20}, true, ErrBudget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			if tt.worker {
				opts = withWorker(t, opts)
			}
			_, err := Load(t.Context(), "hostile.pdf", bytes.NewReader(tt.data), opts)
			if err == nil || !strings.Contains(err.Error(), "hostile.pdf") {
				t.Fatalf("err = %v, want an error naming the file", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestPDFWorkerDeadline: a worker that never answers is killed at the
// parse deadline, whatever it does.
func TestPDFWorkerDeadline(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	opts := Options{PDFWorker: []string{sleep, "600"}, ParseTimeout: 200 * time.Millisecond}
	done := make(chan error, 1)
	go func() {
		_, err := Load(t.Context(), "slow.pdf", bytes.NewReader(loadertest.TextPDF([]string{"x"})), opts)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrBudget) {
			t.Errorf("err = %v, want ErrBudget", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the worker was not stopped at the deadline")
	}
}

// TestPDFPageTreeLinear: Page i of ledongthuc/pdf walks the tree from the
// root; the extractor must not, so many pages cost no more per page than
// few. Counted in object loads would be exact; here the check is that a
// wide flat tree is read at all within the deadline the test sets.
func TestPDFManyPages(t *testing.T) {
	pages := make([][]string, 3000)
	for i := range pages {
		pages[i] = []string{fmt.Sprintf("Page %d text.", i+1)}
	}
	d, err := Load(t.Context(), "long.pdf", bytes.NewReader(loadertest.TextPDF(pages...)), Options{MaxBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	last := d.Blocks[len(d.Blocks)-1]
	if len(d.Blocks) != 3000 || last.Page != 3000 || d.Text[last.Start:last.End] != "Page 3000 text." {
		t.Errorf("%d blocks, last %+v", len(d.Blocks), last)
	}
}

// BenchmarkPDFPages parses PDFs of 1,000, 2,000 and 5,000 pages; the
// time per page must not grow with the count.
func BenchmarkPDFPages(b *testing.B) {
	for _, n := range []int{1000, 2000, 5000} {
		pages := make([][]string, n)
		for i := range pages {
			pages[i] = []string{"Heading of the page", fmt.Sprintf("Body text of page %d, with a line", i+1), "and a second line."}
		}
		data := loadertest.TextPDF(pages...)
		b.Run(fmt.Sprintf("pages=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Load(b.Context(), "long.pdf", bytes.NewReader(data), Options{MaxBytes: 64 << 20}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/file")
		})
	}
}

func TestPDFScannedPage(t *testing.T) {
	for _, tool := range []string{"tesseract", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/tools.sh installs it)", tool)
		}
	}
	scan := scannedPDF(t, "Visitors park on level two of the garage.")
	t.Run("ocr", func(t *testing.T) {
		d, err := Load(t.Context(), "scan.pdf", bytes.NewReader(scan), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(d.Text, "Visitors park") || d.Blocks[0].Page != 1 {
			t.Errorf("text %q, page %d", d.Text, d.Blocks[0].Page)
		}
	})
	t.Run("without tesseract", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, err := Load(t.Context(), "scan.pdf", bytes.NewReader(scan), Options{})
		if !errors.Is(err, ErrEmpty) || !strings.Contains(err.Error(), "page 1 has no text layer and was skipped") {
			t.Fatalf("err = %v, want ErrEmpty saying page 1 was skipped", err)
		}
	})
}

// scannedPDF renders text to a grey image with pdftoppm (from a PDF with a
// text layer) and wraps the pixels in a PDF of its own: a page with an
// image and no text layer, as a scanner makes.
func scannedPDF(t *testing.T, text string) []byte {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "src.pdf")
	if err := os.WriteFile(src, loadertest.TextPDF([]string{text}), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "page")
	if b, err := exec.Command("pdftoppm", "-r", "150", "-gray", "-singlefile", "-x", "0", "-y", "0", "-W", "1275", "-H", "300", src, out).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, b)
	}
	pgm, err := os.ReadFile(out + ".pgm")
	if err != nil {
		t.Fatal(err)
	}
	var w, h int
	if _, err := fmt.Sscanf(string(pgm[:min(len(pgm), 32)]), "P5\n%d %d", &w, &h); err != nil {
		t.Fatalf("pgm header: %v", err)
	}
	return loadertest.ImagePDF(pgm[len(pgm)-w*h:], w, h)
}
