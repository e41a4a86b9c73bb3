// Package loader turns files, uploaded bytes and web pages into structured
// documents: normalised UTF-8 text plus the blocks (headings, paragraphs,
// list items, code, tables) it is made of, each with its heading path and,
// for PDFs, its page.
//
// Supported formats are plain text, Markdown, HTML, PDF and DOCX. Every
// loader rejects bad input with an error that names the source: unreadable
// or binary files, encrypted PDFs, documents without text, oversized input
// (Options.MaxBytes), ZIP bombs and HTML nested too deeply.
//
// Encoding: text input must be UTF-8 (a UTF-8 byte order mark is dropped).
// UTF-16 with a byte order mark is transcoded, because editors on Windows
// write it and it is unambiguous. Anything else that is not valid UTF-8 is
// rejected with ErrUnsupported rather than guessed at: a Latin-1 guess would
// silently turn binary or mis-labelled files into mojibake that then gets
// embedded and cited. HTML is the exception that proves the rule: when it
// is not UTF-8 but declares a charset (Content-Type header or <meta>), it
// is transcoded from that charset.
//
// LoadURL fetches http(s) pages and refuses, unless Options.AllowPrivate is
// set, to connect to loopback, private, link-local, unspecified or multicast
// addresses; the check runs on the resolved address of every connection, so
// it also covers redirects and DNS names that point inside the network.
package loader

import (
	"errors"
	"time"
)

// Sentinel errors, wrapped with the source name; test them with errors.Is.
var (
	// ErrUnsupported means the type is not on the allow-list, or the
	// content is binary or not in a supported text encoding.
	ErrUnsupported = errors.New("unsupported content")
	// ErrEmpty means the document holds no text.
	ErrEmpty = errors.New("no text")
	// ErrTooLarge means the input, or what it decompresses to, exceeds a
	// cap, or HTML is nested more deeply than allowed.
	ErrTooLarge = errors.New("too large")
	// ErrEncrypted means a PDF needs a password.
	ErrEncrypted = errors.New("encrypted")
	// ErrBudget means a parse ran past its deadline, CPU time or memory
	// budget and was stopped.
	ErrBudget = errors.New("over budget")
	// ErrForbiddenAddress means a URL resolved to an address LoadURL does
	// not connect to without Options.AllowPrivate.
	ErrForbiddenAddress = errors.New("forbidden address (loopback or private; --allow-private-urls, " +
		"CITEBOT_ALLOW_PRIVATE_URLS=true, lets citebot reach it)")
)

// Version changes whenever a loader extracts something else from the
// same bytes, so that ingestion parses unchanged files again.
const Version = "loader-v2"

// Media types of the supported formats, as stored in Document.MediaType.
const (
	MediaText     = "text/plain"
	MediaMarkdown = "text/markdown"
	MediaHTML     = "text/html"
	MediaPDF      = "application/pdf"
	MediaDOCX     = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)

// Document is one loaded file or page.
type Document struct {
	// Source is the absolute file path, upload name or URL as given.
	Source string
	// Title comes from the document itself (Markdown H1, HTML <title> or
	// <h1>, PDF or DOCX metadata title or first heading), else the file
	// name without its extension.
	Title string
	// MediaType is one of the Media* constants.
	MediaType string
	// Text is the full normalised text: blocks separated by blank lines,
	// "\n" line ends, valid UTF-8.
	Text string
	// Blocks is the structure in document order; their byte ranges into
	// Text do not overlap.
	Blocks []Block
	// Notes say what of the document could not be read, such as a PDF
	// page without a text layer that OCR could not read.
	Notes []string `json:",omitempty"`
}

// BlockKind says what a block is.
type BlockKind int

// Block kinds.
const (
	Paragraph BlockKind = iota
	Heading
	ListItem
	Code
	Table
)

// String returns the kind's lower-case name.
func (k BlockKind) String() string {
	switch k {
	case Heading:
		return "heading"
	case ListItem:
		return "list-item"
	case Code:
		return "code"
	case Table:
		return "table"
	default:
		return "paragraph"
	}
}

// MarshalText encodes the kind by name, for readable JSON.
func (k BlockKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Block is one structural unit of a document.
type Block struct {
	Kind BlockKind
	// HeadingPath lists the enclosing headings, outermost first; for a
	// heading block it is its parents plus itself.
	HeadingPath []string `json:",omitempty"`
	// Level is a heading's level, 1 to 6; 0 for other blocks.
	Level int `json:",omitempty"`
	// Page is the 1-based page for PDFs, 0 otherwise.
	Page int `json:",omitempty"`
	// Start and End are byte offsets into Document.Text.
	Start, End int
}

// Options tunes loading. The zero value is ready to use.
type Options struct {
	// MaxBytes caps the input size; 0 means DefaultMaxBytes.
	MaxBytes int64
	// MaxUncompressed caps what a DOCX may decompress to in total; 0
	// means 5 × MaxBytes.
	MaxUncompressed int64
	// MaxDepth caps HTML and DOCX XML element nesting; 0 means
	// DefaultMaxDepth.
	MaxDepth int
	// Timeout bounds a whole LoadURL call; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxRedirects caps redirects LoadURL follows; 0 means 5, negative
	// means none.
	MaxRedirects int
	// MaxTextBytes caps the text extracted from one document, checked as
	// it is extracted; 0 means DefaultMaxTextBytes.
	MaxTextBytes int64
	// ParseTimeout bounds the parse of one document, OCR included; 0
	// means DefaultParseTimeout.
	ParseTimeout time.Duration
	// PDFWorker, when set, is the command (the citebot binary and
	// PDFWorkerCommand) that parses PDFs in a process of its own, which is
	// stopped at ParseTimeout or past MaxParseMemory whatever the PDF
	// library does. Unset, PDFs are parsed in this process, under the same
	// deadline checked between operators.
	PDFWorker []string
	// MaxParseMemory caps a PDF worker's heap; 0 means
	// DefaultMaxParseMemory.
	MaxParseMemory int64
	// NoOCR turns OCR of PDF pages without a text layer off; such pages
	// are then noted as skipped.
	NoOCR bool
	// AllowPrivate lets LoadURL connect to loopback, private, link-local,
	// unspecified and multicast addresses (tests, trusted intranets).
	AllowPrivate bool
}

// Defaults used when the matching Options field is zero.
const (
	DefaultMaxBytes = 20 << 20
	DefaultMaxDepth = 256
	DefaultTimeout  = 30 * time.Second

	DefaultMaxTextBytes   = 5 << 20
	DefaultParseTimeout   = 2 * time.Minute
	DefaultMaxParseMemory = 512 << 20
)

func (o Options) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxBytes
}

func (o Options) maxText() int64 {
	if o.MaxTextBytes > 0 {
		return o.MaxTextBytes
	}
	return DefaultMaxTextBytes
}

func (o Options) parseTimeout() time.Duration {
	if o.ParseTimeout > 0 {
		return o.ParseTimeout
	}
	return DefaultParseTimeout
}

func (o Options) maxParseMemory() int64 {
	if o.MaxParseMemory > 0 {
		return o.MaxParseMemory
	}
	return DefaultMaxParseMemory
}

func (o Options) maxUncompressed() int64 {
	if o.MaxUncompressed > 0 {
		return o.MaxUncompressed
	}
	return 5 * o.maxBytes()
}

func (o Options) maxDepth() int {
	if o.MaxDepth > 0 {
		return o.MaxDepth
	}
	return DefaultMaxDepth
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

func (o Options) maxRedirects() int {
	switch {
	case o.MaxRedirects < 0:
		return 0
	case o.MaxRedirects == 0:
		return 5
	}
	return o.MaxRedirects
}
