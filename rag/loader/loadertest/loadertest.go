// Package loadertest builds the inputs that tests and benchmarks feed the
// loaders: PDFs with text, scanned pages, cyclic page trees and stream
// bombs, made on the fly rather than committed as large files.
package loadertest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
)

// PDF assembles a PDF 1.4 from object bodies (object i+1 is objs[i]) with
// a correct cross-reference table; root is the catalog's object number.
func PDF(objs []string, root int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
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
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, root, xref)
	return b.Bytes()
}

// Stream is a stream object's body holding data, compressed when deflate is set.
func Stream(dict string, data []byte, deflate bool) string {
	if deflate {
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		w.Write(data)
		w.Close()
		data, dict = z.Bytes(), dict+" /Filter /FlateDecode"
	}
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// TextPDF is a PDF of pages of lines in 12-point Helvetica, 14 points
// apart; an empty line is a paragraph break (a wider gap).
func TextPDF(pages ...[]string) []byte {
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", "",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"}
	var kids []string
	for _, lines := range pages {
		var c strings.Builder
		y := 750
		for _, line := range lines {
			if line != "" {
				fmt.Fprintf(&c, "BT /F1 12 Tf 72 %d Td (%s) Tj ET\n", y, line)
			}
			y -= 14
		}
		objs = append(objs, Stream("", []byte(c.String()), false))
		objs = append(objs, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", len(objs)))
		kids = append(kids, fmt.Sprintf("%d 0 R", len(objs)))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))
	return PDF(objs, 1)
}

// CyclicPDF is the smallest PDF whose page tree contains itself: the
// root Pages node is its own kid. ledongthuc/pdf's Reader.Page loops on it
// forever.
func CyclicPDF() []byte {
	return PDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
	}, 1)
}

// StreamBomb is a one-page PDF whose content stream deflates from about
// size/1000 bytes to size bytes of text-showing operators. It is built
// without holding the inflated stream in memory.
func StreamBomb(size int) []byte {
	op := []byte("(All work and no play makes a dull document) Tj T*\n")
	var z bytes.Buffer
	w, _ := zlib.NewWriterLevel(&z, zlib.BestCompression) // a valid level: no error
	w.Write([]byte("BT /F1 12 Tf 14 TL 72 750 Td\n"))
	for n := 0; n < size; n += len(op) {
		w.Write(op)
	}
	w.Close()
	return PDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
		fmt.Sprintf("<< /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", z.Len(), z.Bytes()),
	}, 1)
}

// WordsDOCX writes a DOCX to w whose body is paragraphs of pseudo-random
// words, about xmlBytes of document.xml: text that compresses about as
// well as prose, so it passes a compression-ratio check.
func WordsDOCX(w io.Writer, xmlBytes int) error {
	zw := zip.NewWriter(w)
	f, err := zw.Create("word/document.xml")
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	rng := rand.New(rand.NewPCG(1, 2))
	const letters = "abcdefghijklmnopqrstuvwxyz"
	for n := 0; n < xmlBytes; {
		var p strings.Builder
		p.WriteString("<w:p><w:r><w:t>")
		for range 60 {
			for range 2 + rng.IntN(8) {
				p.WriteByte(letters[rng.IntN(len(letters))])
			}
			p.WriteByte(' ')
		}
		p.WriteString("</w:t></w:r></w:p>")
		n += p.Len()
		bw.WriteString(p.String())
	}
	bw.WriteString("</w:body></w:document>")
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// ImagePDF is a one-page PDF showing a grey image of w×h pixels (8 bits
// each) and no text: a scanned page.
func ImagePDF(gray []byte, w, h int) []byte {
	draw := fmt.Sprintf("q %d 0 0 %d 0 0 cm /Im1 Do Q", w*72/150, h*72/150)
	return PDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>", w*72/150, h*72/150),
		Stream("", []byte(draw), false),
		Stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8", w, h), gray, true),
	}, 1)
}
