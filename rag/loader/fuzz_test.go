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

func FuzzLoadDOCX(f *testing.F) {
	fuzzLoad(f, "f.docx", "PK\x03\x04")
}

func FuzzLoadText(f *testing.F) {
	fuzzLoad(f, "f.txt", "a\r\n\r\nb", "\xff\xfea\x00\n\x00", "\xef\xbb\xbfx")
}
