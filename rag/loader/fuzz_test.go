package loader

import (
	"bytes"
	"context"
	"testing"
)

// fuzzLoad loads data under name and checks the document invariants; any
// error is fine, a panic or a malformed document is not.
func fuzzLoad(f *testing.F, name string, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Load(context.Background(), name, bytes.NewReader(data), Options{MaxBytes: 1 << 20})
		if err != nil {
			return
		}
		checkDoc(t, d)
	})
}

func FuzzLoadMarkdown(f *testing.F) {
	fuzzLoad(f, "f.md", "# T\n\n```go\nx\n```\n- a\n1) b\n| t |\nSetext\n===\n", "---\na: b\n---\n## x ##")
}

func FuzzLoadHTML(f *testing.F) {
	fuzzLoad(f, "f.html", "<title>t</title><h2>a</h2><p>b<pre>c\n d</pre><table><tr><td>1<td>2</table>", "<script>x</script><li>a<li>b")
}

func FuzzLoadPDF(f *testing.F) {
	fuzzLoad(f, "f.pdf", "%PDF-1.4\n1 0 obj\n<< >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF")
}

// FuzzLoadDOCX fuzzes raw archives (input starting with "PK") and, since
// mutations rarely survive the ZIP checksums, document.xml bodies zipped
// into a DOCX here.
func FuzzLoadDOCX(f *testing.F) {
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte(`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
		`<w:p><w:pPr><w:pStyle w:val="Heading1"/><w:numPr/></w:pPr><w:r><w:t>H</w:t><w:tab/><w:br/></w:r></w:p>` +
		`<w:tbl><w:tr><w:tc><w:p><w:r><w:t>c</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.HasPrefix(data, []byte("PK")) {
			data = zipOf(t, "word/document.xml", string(data))
		}
		d, err := Load(context.Background(), "f.docx", bytes.NewReader(data), Options{MaxBytes: 1 << 20})
		if err == nil {
			checkDoc(t, d)
		}
	})
}

func FuzzLoadText(f *testing.F) {
	fuzzLoad(f, "f.txt", "a\r\n\r\nb", "\xff\xfea\x00\n\x00", "\xef\xbb\xbfx")
}
