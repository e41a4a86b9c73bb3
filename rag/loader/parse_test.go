package loader

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// brief is a block reduced to what these tests compare.
type brief struct {
	Kind BlockKind
	Path string
	Text string
}

func briefs(d *Document) []brief {
	var out []brief
	for _, b := range d.Blocks {
		out = append(out, brief{b.Kind, strings.Join(b.HeadingPath, " > "), d.Text[b.Start:b.End]})
	}
	return out
}

func TestParseBlocks(t *testing.T) {
	tests := []struct {
		name, in string
		want     []brief
	}{
		{"heading levels pop", "# A\n### C\ntext\n## B\nmore", []brief{
			{Heading, "A", "A"}, {Heading, "A > C", "C"}, {Paragraph, "A > C", "text"},
			{Heading, "A > B", "B"}, {Paragraph, "A > B", "more"}}},
		{"not headings.md", "####### seven\n#nospace\n    # indented", []brief{
			{Paragraph, "", "####### seven\n#nospace\n    # indented"}}},
		{"closing hashes.md", "## Title ##\nx", []brief{{Heading, "Title", "Title"}, {Paragraph, "Title", "x"}}},
		{"unclosed fence.md", "a\n~~~\n# not heading\n\n```\nstill code", []brief{
			{Paragraph, "", "a"}, {Code, "", "~~~\n# not heading\n\n```\nstill code"}}},
		{"longer closing fence.md", "````\n```\n````\nafter", []brief{{Code, "", "````\n```\n````"}, {Paragraph, "", "after"}}},
		{"lists.md", "1. one\n2) two\n   more\n* three\n\nplain", []brief{
			{ListItem, "", "1. one"}, {ListItem, "", "2) two\n   more"}, {ListItem, "", "* three"}, {Paragraph, "", "plain"}}},
		{"rule not setext.md", "---\n\ntext\n***", []brief{{Paragraph, "", "text"}}},
		{"crlf.md", "# T\r\n\r\nline\r\n", []brief{{Heading, "T", "T"}, {Paragraph, "T", "line"}}},
		{"html nesting.html", "<div><h2>A</h2><div>x<script>y</script><nav><p>menu</p></nav>z</div></div><p>w &amp; v", []brief{
			{Heading, "A", "A"}, {Paragraph, "A", "xz"}, {Paragraph, "A", "w & v"}}},
		{"html unclosed skip.html", "<p>keep<aside><p>drop<div>drop too", []brief{{Paragraph, "", "keep"}}},
		{"html stray end tags.html", "</nav></div><p>a</p></aside><p>b", []brief{{Paragraph, "", "a"}, {Paragraph, "", "b"}}},
		{"html pre.html", "<pre>  a\n    b  </pre><p>  c   d </p>", []brief{{Code, "", "  a\n    b  "}, {Paragraph, "", "c d"}}},
		{"html many li.html", strings.Repeat("<li>x", 1000), repeatBrief(brief{ListItem, "", "x"}, 1000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := tt.name
			if !strings.Contains(name, ".") {
				name += ".md"
			}
			d, err := Load(context.Background(), name, strings.NewReader(tt.in), Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkDoc(t, d)
			if diff := cmp.Diff(tt.want, briefs(d)); diff != "" {
				t.Errorf("blocks (-want +got):\n%s", diff)
			}
		})
	}
}

func repeatBrief(b brief, n int) []brief {
	out := make([]brief, n)
	for i := range out {
		out[i] = b
	}
	return out
}

// zipOf builds a ZIP archive from name/content pairs.
func zipOf(t testing.TB, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		w, err := z.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(files[i+1]))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDOCX(t *testing.T) {
	const ns = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`
	textBox := `<w:document ` + ns + `><w:body><w:p><w:r><w:t>outer</w:t></w:r><w:r><w:txbxContent><w:p><w:r><w:t>inner</w:t></w:r></w:p></w:txbxContent></w:r></w:p>` +
		`<w:p><w:pPr><w:pStyle w:val="heading 2"/></w:pPr><w:r><w:t>Sub</w:t><w:tab/><w:t>head</w:t></w:r></w:p></w:body></w:document>`
	table := `<w:document ` + ns + `><w:body><w:p><w:r><w:t>before</w:t></w:r></w:p><w:tbl>` +
		`<w:tr><w:tc><w:p><w:r><w:t>key</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>value</w:t></w:r></w:p></w:tc></w:tr>` +
		`<w:tr><w:tc><w:p><w:r><w:t>port</w:t></w:r></w:p><w:p><w:r><w:t>(tcp)</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc></w:tr>` +
		`</w:tbl><w:p><w:r><w:t>after</w:t></w:r></w:p></w:body></w:document>`
	many := []string{"word/document.xml", "<x/>"}
	for i := range docxMaxEntries {
		many = append(many, fmt.Sprintf("f%d", i), "")
	}
	tests := []struct {
		name    string
		data    []byte
		opts    Options
		want    []brief
		wantErr error
	}{
		{"text box and spaced style", zipOf(t, "word/document.xml", textBox), Options{}, []brief{
			{Paragraph, "", "outer"}, {Paragraph, "", "inner"}, {Heading, "Sub head", "Sub head"}}, nil},
		{"table", zipOf(t, "word/document.xml", table), Options{}, []brief{
			{Paragraph, "", "before"}, {Table, "", "key | value"}, {Table, "", "port | (tcp)"}, {Paragraph, "", "after"}}, nil},
		{"no document part", zipOf(t, "other.xml", "<x/>"), Options{}, nil, ErrUnsupported},
		{"too many entries", zipOf(t, many...), Options{}, nil, ErrTooLarge},
		{"deep xml", zipOf(t, "word/document.xml", strings.Repeat("<a>", 300)+strings.Repeat("</a>", 300)), Options{}, nil, ErrTooLarge},
		{"bad xml", zipOf(t, "word/document.xml", "<w:p"), Options{}, nil, nil},
		{"not a zip", []byte("PK\x03\x04 broken"), Options{}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Load(context.Background(), "x.docx", bytes.NewReader(tt.data), tt.opts)
			if tt.want == nil {
				if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, briefs(d)); diff != "" {
				t.Errorf("blocks (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPDFGarbage(t *testing.T) {
	for _, in := range []string{"%PDF-1.4\n", "%PDF-1.4\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 >>\nstartxref\n9\n%%EOF", "%PDF-" + strings.Repeat("(", 1000)} {
		if _, err := Load(context.Background(), "g.pdf", strings.NewReader(in), Options{}); err == nil {
			t.Errorf("garbage PDF %.20q loaded without error", in)
		}
	}
}
