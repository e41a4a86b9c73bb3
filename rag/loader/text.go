package loader

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeText turns raw bytes into normalised UTF-8 text: a UTF-8 BOM is
// dropped, UTF-16 with a BOM is transcoded, line ends become "\n".
// Content with NUL bytes is binary and anything else that is not valid
// UTF-8 is rejected (see the package documentation for why).
func decodeText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return normalise(decodeUTF16(data)), nil
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return "", fmt.Errorf("binary content: %w", ErrUnsupported)
	}
	if !utf8.Valid(data) {
		return "", fmt.Errorf("not valid UTF-8 (save it as UTF-8): %w", ErrUnsupported)
	}
	return normalise(string(data)), nil
}

// decodeUTF16 decodes data that starts with a UTF-16 BOM; unpaired
// surrogates become U+FFFD.
func decodeUTF16(data []byte) string {
	big := data[0] == 0xFE
	data = data[2:]
	u := make([]uint16, len(data)/2)
	for i := range u {
		if big {
			u[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
		} else {
			u[i] = uint16(data[2*i+1])<<8 | uint16(data[2*i])
		}
	}
	return string(utf16.Decode(u))
}

// normalise makes line ends "\n" and drops NULs and stray BOMs.
func normalise(s string) string {
	if strings.ContainsAny(s, "\r\x00\uFEFF") {
		s = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\x00", "", "\uFEFF", "").Replace(s)
	}
	return s
}

// parsePlain splits text into paragraphs on blank lines.
func parsePlain(s string, opts Options) *builder {
	b := newBuilder(opts)
	for _, para := range splitParagraphs(s) {
		b.block(Paragraph, 0, para)
	}
	return b
}

// splitParagraphs splits text on lines that are blank or white space.
func splitParagraphs(s string) []string {
	var out, para []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			if len(para) > 0 {
				out = append(out, strings.Join(para, "\n"))
			}
			para = para[:0]
			continue
		}
		para = append(para, line)
	}
	if len(para) > 0 {
		out = append(out, strings.Join(para, "\n"))
	}
	return out
}
