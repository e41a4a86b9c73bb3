package loader

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/ledongthuc/pdf"
)

// Page-tree bounds. ledongthuc/pdf's Reader.Page walks the tree from the
// root for every page (so reading n pages costs n² object loads) and loops
// forever on a tree that contains itself; pdfExtractor walks it once,
// top-down, and gives up on a tree deeper or larger than these.
const (
	// pdfTreeDepth: real page trees are a few levels deep, so a deeper
	// one is a node among its own descendants.
	pdfTreeDepth = 32
	// pdfTreeNodes bounds the nodes visited, so kids that repeat each
	// other cannot make the walk exponential.
	pdfTreeNodes = 200_000
)

// errPageTreeCycle reports a page tree that contains itself.
var errPageTreeCycle = errors.New("page tree contains itself")

// pdfAbort carries an error out of a content-stream callback as a panic;
// readPDF recovers it and returns err.
type pdfAbort struct{ err error }

// pdfPage is the text of one page, lines separated by "\n" and
// paragraphs by a blank line.
type pdfPage struct {
	Num  int    `json:"num"`
	Text string `json:"text"`
}

// pdfRef is a page dictionary with the resources it inherits.
type pdfRef struct {
	page, res pdf.Value
}

// pdfExtractor reads the pages of one file within the text cap, checking
// ctx as it goes.
type pdfExtractor struct {
	ctx     context.Context
	maxText int64
	text    int64 // bytes of text extracted so far
	nodes   int
	ops     int
	refs    []pdfRef
}

// walk collects the pages under node in document order.
func (x *pdfExtractor) walk(node, res pdf.Value, depth int) error {
	if depth > pdfTreeDepth {
		return fmt.Errorf("page tree nested over %d levels deep: %w", pdfTreeDepth, errPageTreeCycle)
	}
	if x.nodes++; x.nodes > pdfTreeNodes {
		return fmt.Errorf("page tree of over %d nodes: %w", pdfTreeNodes, ErrTooLarge)
	}
	if err := x.ctx.Err(); err != nil {
		return err
	}
	if r := node.Key("Resources"); !r.IsNull() {
		res = r
	}
	kids := node.Key("Kids")
	switch {
	case node.Key("Type").Name() == "Page":
		x.refs = append(x.refs, pdfRef{page: node, res: res})
	case kids.Kind() == pdf.Array:
		for i := 0; i < kids.Len(); i++ {
			if err := x.walk(kids.Index(i), res, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// pageText extracts the text of one page. Lines are told apart by the
// text position, so words at the end and start of adjacent lines stay
// apart, and a gap of more than about one and a half lines starts a new
// paragraph. It panics with pdfAbort when ctx is done or the text cap is
// reached; the library panics on malformed streams too.
func (x *pdfExtractor) pageText(ref pdfRef) string {
	contents := ref.page.Key("Contents")
	if contents.IsNull() {
		return ""
	}
	w := &pageWriter{x: x, fonts: ref.res.Key("Font"), encs: map[string]pdf.TextEncoding{}}
	w.reset()
	pdf.Interpret(contents, w.op)
	return w.b.String()
}

// rawEncoding passes font codes through, for a font the page lacks.
type rawEncoding struct{}

func (rawEncoding) Decode(raw string) string { return raw }

// pageWriter follows the text state of a content stream closely enough
// to know where lines and paragraphs end. It ignores rotation and the
// graphics matrix: y positions are compared in text space.
type pageWriter struct {
	x     *pdfExtractor
	fonts pdf.Value
	encs  map[string]pdf.TextEncoding
	enc   pdf.TextEncoding
	b     strings.Builder

	y, scale      float64 // line start y and vertical scale of the text matrix
	size, leading float64 // font size and leading in text space
	lastY         float64 // y of the last text shown
	shown, space  bool    // text shown on this page; a gap before the next
}

// reset starts a text object: the text matrix is the identity.
func (w *pageWriter) reset() {
	w.y, w.scale = 0, 1
	if w.enc == nil {
		w.enc = rawEncoding{}
	}
}

// op handles one content-stream operator.
func (w *pageWriter) op(stk *pdf.Stack, op string) {
	args := popArgs(stk)
	if w.x.ops++; w.x.ops%1024 == 0 {
		if err := w.x.ctx.Err(); err != nil {
			panic(pdfAbort{err})
		}
	}
	switch op {
	case "BT":
		w.reset()
	case "Tf":
		if len(args) == 2 {
			w.setFont(args[0].Name(), args[1].Float64())
		}
	case "TL":
		if len(args) == 1 {
			w.leading = args[0].Float64()
		}
	case "Td", "TD":
		if len(args) == 2 {
			w.y += args[1].Float64() * w.scale
			if op == "TD" {
				w.leading = -args[1].Float64()
			}
			w.space = true
		}
	case "Tm":
		if len(args) == 6 {
			w.scale = math.Hypot(args[2].Float64(), args[3].Float64())
			w.y = args[5].Float64()
			w.space = true
		}
	case "T*":
		w.nextLine()
	case "'", "\"":
		w.nextLine()
		if len(args) > 0 {
			w.show(args[len(args)-1].RawString())
		}
	case "Tj":
		if len(args) == 1 {
			w.show(args[0].RawString())
		}
	case "TJ":
		if len(args) == 1 {
			w.showArray(args[0])
		}
	}
}

func (w *pageWriter) nextLine() {
	w.y -= w.leading * w.scale
	w.space = true
}

func (w *pageWriter) setFont(name string, size float64) {
	w.size = size
	enc, ok := w.encs[name]
	if !ok {
		f := pdf.Font{V: w.fonts.Key(name)}
		enc = rawEncoding{}
		if !f.V.IsNull() {
			enc = f.Encoder()
		}
		w.encs[name] = enc
	}
	w.enc = enc
}

// showArray shows a TJ array; a kerning adjustment wider than a fifth
// of an em is a word gap.
func (w *pageWriter) showArray(a pdf.Value) {
	for i := 0; i < a.Len(); i++ {
		v := a.Index(i)
		switch v.Kind() {
		case pdf.String:
			w.show(v.RawString())
		case pdf.Integer, pdf.Real:
			if v.Float64() < -200 {
				w.space = true
			}
		}
	}
}

// show writes decoded text, after a line or paragraph break when the
// position moved to another line, or a space when it moved along the line.
func (w *pageWriter) show(raw string) {
	s := strings.ToValidUTF8(w.enc.Decode(raw), "\uFFFD")
	if s == "" {
		return
	}
	if w.shown {
		w.separate()
	}
	w.shown, w.space, w.lastY = true, false, w.y
	w.x.text += int64(len(s))
	if w.x.text > w.x.maxText {
		panic(pdfAbort{fmt.Errorf("text over the %d-byte cap: %w", w.x.maxText, ErrTooLarge)})
	}
	w.b.WriteString(s)
}

func (w *pageWriter) separate() {
	size := math.Max(math.Abs(w.size*w.scale), 1)
	gap := w.lastY - w.y
	switch {
	case gap > 1.8*size || gap < -size/2:
		w.b.WriteString("\n\n")
	case gap > size/3:
		w.b.WriteString("\n")
	case w.space && !strings.HasSuffix(w.b.String(), " "):
		w.b.WriteString(" ")
	}
}

// popArgs pops an operator's operands in order.
func popArgs(stk *pdf.Stack) []pdf.Value {
	args := make([]pdf.Value, stk.Len())
	for i := len(args) - 1; i >= 0; i-- {
		args[i] = stk.Pop()
	}
	return args
}
