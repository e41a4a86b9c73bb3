package loader

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenBlock is a block with its text, as stored in golden files.
type goldenBlock struct {
	Block
	Text string
}

type goldenDoc struct {
	Title, MediaType string
	Blocks           []goldenBlock
}

func toGolden(d *Document) goldenDoc {
	g := goldenDoc{Title: d.Title, MediaType: d.MediaType}
	for _, b := range d.Blocks {
		g.Blocks = append(g.Blocks, goldenBlock{b, d.Text[b.Start:b.End]})
	}
	return g
}

// checkDoc verifies invariants every loaded document must satisfy.
func checkDoc(t *testing.T, d *Document) {
	t.Helper()
	if !utf8.ValidString(d.Text) {
		t.Errorf("text is not valid UTF-8")
	}
	if strings.TrimSpace(d.Text) == "" || len(d.Blocks) == 0 {
		t.Errorf("empty document returned without error")
	}
	prev := 0
	for i, b := range d.Blocks {
		if b.Start < prev || b.End <= b.Start || b.End > len(d.Text) {
			t.Fatalf("block %d range [%d,%d) bad (prev end %d, text %d)", i, b.Start, b.End, prev, len(d.Text))
		}
		if b.Kind == Heading && (len(b.HeadingPath) == 0 || b.HeadingPath[len(b.HeadingPath)-1] != d.Text[b.Start:b.End]) {
			t.Errorf("heading block %d path %q does not end with its text %q", i, b.HeadingPath, d.Text[b.Start:b.End])
		}
		prev = b.End
	}
}

func TestLoadFileGolden(t *testing.T) {
	for _, name := range []string{"sample.txt", "sample.md", "sample.html", "sample.pdf", "sample.docx", "utf16.txt"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name)
			d, err := LoadFile(context.Background(), path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkDoc(t, d)
			if d.Source != path {
				t.Errorf("Source = %q, want %q", d.Source, path)
			}
			got, err := json.MarshalIndent(toGolden(d), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := path + ".golden"
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if diff := cmp.Diff(string(want), string(got)+"\n"); diff != "" {
				t.Errorf("blocks differ from %s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

func TestLoadFileBad(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want error
	}{
		{"binary.txt", Options{}, ErrUnsupported},
		{"latin1.txt", Options{}, ErrUnsupported},
		{"empty.md", Options{}, ErrEmpty},
		{"encrypted.pdf", Options{}, ErrEncrypted},
		{"bomb.docx", Options{}, ErrTooLarge},
		{"deep.html", Options{}, ErrTooLarge},
		{"sample.md", Options{MaxBytes: 100}, ErrTooLarge},
		{"sample.docx", Options{MaxUncompressed: 500}, ErrTooLarge},
		{"sample.html", Options{MaxDepth: 2}, ErrTooLarge},
		{"gen", Options{}, ErrUnsupported},
		{"missing.md", Options{}, os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", tt.name)
			_, err := LoadFile(context.Background(), path, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "load "+path+": ") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestLoadDetect(t *testing.T) {
	pdf, err := os.ReadFile("testdata/sample.pdf")
	if err != nil {
		t.Fatal(err)
	}
	docx, err := os.ReadFile("testdata/sample.docx")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		data      []byte
		wantMedia string
		wantErr   error
	}{
		{"notes.md", []byte("# Notes\n\ntext"), MediaMarkdown, nil},
		{"NOTES.MARKDOWN", []byte("# Notes\n\ntext"), MediaMarkdown, nil},
		{"page", []byte("<!DOCTYPE html><html><body><p>hi</p></body></html>"), MediaHTML, nil},
		{"upload", pdf, MediaPDF, nil},
		{"attachment", docx, MediaDOCX, nil},
		{"readme", []byte("just words"), MediaText, nil},
		{"image.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "", ErrUnsupported},
		{"blob", []byte{0, 1, 2, 3, 0xff, 0xfe, 0}, "", ErrUnsupported},
		{"script.sh", []byte("echo hi"), "", ErrUnsupported},
		{"fake.pdf", []byte("not a pdf at all"), "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Load(context.Background(), tt.name, bytes.NewReader(tt.data), Options{})
			if tt.name == "fake.pdf" {
				if err == nil {
					t.Fatal("garbage .pdf loaded without error")
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || (err != nil) != (tt.wantErr != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil {
				checkDoc(t, d)
				if d.MediaType != tt.wantMedia {
					t.Errorf("MediaType = %q, want %q", d.MediaType, tt.wantMedia)
				}
			}
		})
	}
}

func TestLoadCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Load(ctx, "a.txt", strings.NewReader("hello"), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestTitles(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"doc.md", "intro\n\n## Sub\n\n# Main Title #\n", "Main Title"},
		{"no-heading.md", "just text", "no-heading"},
		{"yaml.md", "---\nlayout: x\n  title: nested\ntitle: \"Front  Title\"\n---\n# H1", "Front Title"},
		{"toml.md", "+++\ntitle = 'TOML title'\n+++\nbody", "TOML title"},
		{"unclosed.md", "---\ntitle: no\n\n# Real", "Real"},
		{"page.html", "<h1>Heading <i>one</i></h1><p>x</p>", "Heading one"},
		{"titled.html", "<title> Page\n title </title><h1>H</h1>", "Page title"},
		{"article.html", "<header><h1>Site</h1></header><article><header><h1>Post</h1></header><p>x</p><footer>by me</footer></article>", "Post"},
		{"archive.tar.txt", "x", "archive.tar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Load(context.Background(), tt.name, strings.NewReader(tt.in), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if d.Title != tt.want {
				t.Errorf("Title = %q, want %q", d.Title, tt.want)
			}
		})
	}
}

func TestHTMLCharset(t *testing.T) {
	tests := []struct {
		name, contentType string
		data              []byte
		want              string
		wantErr           error
	}{
		{"meta", "", []byte(`<meta charset="iso-8859-1"><p>Caf` + "\xe9" + `</p>`), "Café", nil},
		{"header", "text/html; charset=ISO-8859-1", []byte("<p>cr\xe8me</p>"), "crème", nil},
		{"undeclared", "", []byte("<p>cr\xe8me</p>"), "", ErrUnsupported},
		{"utf8 wins over a wrong label", "text/html; charset=iso-8859-1", []byte("<p>Café</p>"), "Café", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := parse(context.Background(), "x.html", MediaHTML, tt.contentType, tt.data, Options{})
			if !errors.Is(err, tt.wantErr) || (err != nil) != (tt.wantErr != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && d.Text != tt.want {
				t.Errorf("Text = %q, want %q", d.Text, tt.want)
			}
		})
	}
}
