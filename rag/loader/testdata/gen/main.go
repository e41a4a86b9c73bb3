//go:build ignore

// Command gen writes the binary fixtures of package loader: a multi-page
// PDF, a DOCX, and bad inputs (encrypted PDF, ZIP bomb DOCX, deeply nested
// HTML, binary and non-UTF-8 text). Run it from rag/loader:
//
//	go run testdata/gen/main.go
package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	files := map[string][]byte{
		"sample.pdf":    pdfFile(samplePages, "Citebot PDF Guide", ""),
		"encrypted.pdf": pdfFile(samplePages[:1], "Locked", encryptDict),
		"sample.docx":   docxFile(sampleDocx, "Citebot DOCX Guide"),
		"bomb.docx":     docxFile(bombDocx(), ""),
		"deep.html":     []byte(strings.Repeat("<div>", 5000) + "deep text" + strings.Repeat("</div>", 5000)),
		"binary.txt":    {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 'x', 0, 0, 0},
		"latin1.txt":    []byte("Caf\xe9 cr\xe8me br\xfbl\xe9e.\n"),
		"utf16.txt":     utf16LE("Hello from UTF-16.\r\n\r\nSecond paragraph.\r\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join("testdata", name), data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

var samplePages = [][]string{
	{"Installing citebot", "", "Download the binary and run it with a token.", "It needs Go 1.26 to build from source."},
	{"Configuration lives in citebot.toml.", "Every key has a default.", "", "The collection key names the document set."},
	{"Troubleshooting: check the logs first."},
}

const encryptDict = "<< /Filter /Standard /V 1 /R 2 /O <" + hex32 + "> /U <" + hex32 + "> /P -4 >>"

const hex32 = "0102030405060708090a0b0c0d0e0f100102030405060708090a0b0c0d0e0f10"

// pdfFile writes a PDF 1.4 with one WinAnsi Helvetica text object per
// line; an empty string in a page starts a new paragraph, written as a
// line's worth of extra space, as word processors do.
func pdfFile(pages [][]string, title, encrypt string) []byte {
	var objs []string
	add := func(s string) int { objs = append(objs, s); return len(objs) }
	catalog := add("")
	pagesObj := add("")
	font := add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	var kids []string
	for _, lines := range pages {
		var content strings.Builder
		y := 750
		for _, line := range lines {
			if line == "" { // a paragraph break is a wider gap between lines
				y -= 16
				continue
			}
			fmt.Fprintf(&content, "BT /F1 12 Tf 72 %d Td (%s) Tj ET\n", y, line)
			y -= 16
		}
		c := add(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()))
		p := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", pagesObj, font, c))
		kids = append(kids, fmt.Sprintf("%d 0 R", p))
	}
	objs[catalog-1] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj)
	objs[pagesObj-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))
	info := add(fmt.Sprintf("<< /Title (%s) /Producer (citebot gen) >>", title))
	trailerExtra := ""
	if encrypt != "" {
		enc := add(encrypt)
		trailerExtra = fmt.Sprintf(" /Encrypt %d 0 R /ID [<%s> <%s>]", enc, hex32, hex32)
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R%s >>\nstartxref\n%d\n%%%%EOF\n",
		len(objs)+1, catalog, info, trailerExtra, xref)
	return b.Bytes()
}

// sampleDocx is (style, text) pairs; style "" is a plain paragraph and
// "List" a numbered one.
var sampleDocx = [][2]string{
	{"Title", "Citebot DOCX Guide"},
	{"Heading1", "Getting started"},
	{"", "Citebot answers questions from your documentation."},
	{"Heading2", "Install"},
	{"List", "Download the release."},
	{"List", "Run citebot init."},
	{"Heading1", "Reference"},
	{"", "Every command accepts --help."},
}

const wordNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`

func docxBody(paras [][2]string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n<w:document " + wordNS + "><w:body>")
	for _, p := range paras {
		b.WriteString("<w:p>")
		switch p[0] {
		case "":
		case "List":
			b.WriteString(`<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>`)
		default:
			fmt.Fprintf(&b, `<w:pPr><w:pStyle w:val="%s"/></w:pPr>`, p[0])
		}
		fmt.Fprintf(&b, `<w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>`, p[1])
	}
	b.WriteString("</w:body></w:document>")
	return b.String()
}

func bombDocx() [][2]string {
	return [][2]string{{"", strings.Repeat(" ", 8<<20)}}
}

func docxFile(paras [][2]string, title string) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	write := func(name, body string) {
		w, err := z.Create(name)
		if err != nil {
			log.Fatal(err)
		}
		w.Write([]byte(body))
	}
	write("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`)
	write("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`)
	write("word/document.xml", docxBody(paras))
	if title != "" {
		write("docProps/core.xml", `<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>`+title+`</dc:title></cp:coreProperties>`)
	}
	if err := z.Close(); err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}

func utf16LE(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, r := range s {
		out = append(out, byte(r), byte(r>>8))
	}
	return out
}
