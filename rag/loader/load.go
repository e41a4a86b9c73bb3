package loader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// extMedia is the allow-list of file extensions.
var extMedia = map[string]string{
	".txt": MediaText, ".text": MediaText,
	".md": MediaMarkdown, ".markdown": MediaMarkdown, ".mdx": MediaMarkdown,
	".html": MediaHTML, ".htm": MediaHTML, ".xhtml": MediaHTML,
	".pdf":  MediaPDF,
	".docx": MediaDOCX,
}

// Supported reports whether name has an extension LoadFile and Walk accept.
func Supported(name string) bool {
	_, ok := extMedia[strings.ToLower(filepath.Ext(name))]
	return ok
}

// LoadFile reads and parses the file at path; Source is path as given.
func LoadFile(ctx context.Context, path string, opts Options) (*Document, error) {
	data, err := ReadFile(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	return LoadBytes(ctx, path, data, opts)
}

// ReadFile reads the regular file at path, up to Options.MaxBytes.
func ReadFile(ctx context.Context, path string, opts Options) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("load %s: not a regular file: %w", path, ErrUnsupported)
	}
	if fi.Size() > opts.maxBytes() {
		return nil, fmt.Errorf("load %s: %d bytes, over the %d-byte cap: %w", path, fi.Size(), opts.maxBytes(), ErrTooLarge)
	}
	data, err := readCapped(f, opts.maxBytes())
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return data, nil
}

// Load parses uploaded bytes (a Discord attachment, say) read from r. The
// type is detected from name's extension, else by sniffing the content,
// and must be one of the supported formats.
func Load(ctx context.Context, name string, r io.Reader, opts Options) (*Document, error) {
	data, err := readCapped(r, opts.maxBytes())
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	return LoadBytes(ctx, name, data, opts)
}

// LoadBytes parses data, named name, as Load does.
func LoadBytes(ctx context.Context, name string, data []byte, opts Options) (*Document, error) {
	if int64(len(data)) > opts.maxBytes() {
		return nil, fmt.Errorf("load %s: over the %d-byte cap: %w", name, opts.maxBytes(), ErrTooLarge)
	}
	media, err := detect(name, data)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	return parse(ctx, name, media, "", data, opts)
}

// parse dispatches on the media type and wraps errors with the name.
// contentType is the HTTP header value, if any, for the HTML charset.
// The parse runs under Options.ParseTimeout.
func parse(ctx context.Context, name, media, contentType string, data []byte, opts Options) (*Document, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.parseTimeout())
	defer cancel()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	var b *builder
	var notes []string
	var title string
	var err error
	switch media {
	case MediaPDF:
		b, notes, title, err = parsePDF(ctx, data, opts)
	case MediaDOCX:
		b, title, err = parseDOCX(ctx, data, opts)
	case MediaHTML:
		var s string
		if s, err = decodeHTML(data, contentType); err == nil {
			b, title, err = parseHTML(ctx, s, opts)
		}
	default:
		var s string
		if s, err = decodeText(data); err == nil {
			b, title, err = parseText(media, s, opts)
		}
	}
	if err == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("parse ran over its %s deadline: %w", opts.parseTimeout(), ErrBudget)
	}
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	doc, err := b.document(name, media, title)
	if err != nil {
		if len(notes) > 0 {
			return nil, fmt.Errorf("load %s: %s: %w", name, strings.Join(notes, "; "), err)
		}
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	doc.Notes = notes
	return doc, nil
}

func parseText(media, s string, opts Options) (*builder, string, error) {
	if media == MediaMarkdown {
		b, title := parseMarkdown(s, opts)
		return b, title, nil
	}
	return parsePlain(s, opts), "", nil
}

// readCapped reads all of r, failing with ErrTooLarge past max bytes.
func readCapped(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("over the %d-byte cap: %w", max, ErrTooLarge)
	}
	return data, nil
}

// detect picks the media type from name's extension, which must be on
// the allow-list, or, for a name without one, by sniffing the bytes.
func detect(name string, data []byte) (string, error) {
	ext := strings.ToLower(path.Ext(name))
	if m, ok := extMedia[ext]; ok {
		return m, nil
	}
	if ext != "" {
		return "", fmt.Errorf("type %s: %w", ext, ErrUnsupported)
	}
	if m := sniff(data); m != "" {
		return m, nil
	}
	return "", fmt.Errorf("type %s: %w", http.DetectContentType(data), ErrUnsupported)
}

// headerMedia maps a Content-Type value to a supported media type, or "".
func headerMedia(ct string) string {
	mt, _, _ := strings.Cut(strings.ToLower(ct), ";")
	switch strings.TrimSpace(mt) {
	case "text/plain":
		return MediaText
	case "text/markdown", "text/x-markdown":
		return MediaMarkdown
	case "text/html", "application/xhtml+xml":
		return MediaHTML
	case "application/pdf":
		return MediaPDF
	case MediaDOCX:
		return MediaDOCX
	}
	return ""
}

// sniff recognises supported formats by content.
func sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return MediaPDF
	case bytes.HasPrefix(data, []byte("PK\x03\x04")) && bytes.Contains(data, []byte("word/document.xml")):
		return MediaDOCX
	}
	switch ct := http.DetectContentType(data); {
	case strings.HasPrefix(ct, "text/html"):
		return MediaHTML
	case strings.HasPrefix(ct, "text/plain"):
		return MediaText
	}
	return ""
}

// nameTitle is the file name without extension, for a file path or URL.
func nameTitle(source string) string {
	p := source
	if u, err := url.Parse(source); err == nil && u.Host != "" {
		p = strings.TrimRight(u.Path, "/")
		if p == "" {
			return u.Host
		}
	}
	base := filepath.Base(filepath.FromSlash(p))
	if t := strings.TrimSuffix(base, filepath.Ext(base)); t != "" {
		return t
	}
	return base
}
