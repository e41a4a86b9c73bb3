// Package chunk splits a loaded document into passages for embedding,
// following its structure: a chunk never spans two heading paths or two
// PDF pages, whole blocks are packed together up to Options.MaxTokens,
// and a block too long for one chunk is split at sentence boundaries (code
// and tables at line ends), then word boundaries, then between characters.
// Every chunk is checked with the real TokenCounter, which need not be
// additive, so no chunk exceeds MaxTokens whatever the counter. Chunk texts
// are exact substrings of Document.Text at their offsets, and the output is
// deterministic.
package chunk

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/citebot/citebot/rag/loader"
)

// TokenCounter counts text in an embedding model's tokens.
type TokenCounter interface {
	CountTokens(text string) int
}

// Options tunes Split.
type Options struct {
	// MaxTokens is the largest chunk, in CountTokens; it must be positive.
	MaxTokens int
	// Overlap is how many tokens of whole trailing sentences of a chunk
	// are repeated at the start of the next chunk of the same section; it
	// is capped at MaxTokens/2. 0 disables overlap.
	Overlap int
	// MinTokens: the last chunk of a section smaller than this is extended
	// backwards over the previous chunk's last blocks or sentences, as far
	// as MaxTokens allows. Sections are never merged, so a short section
	// stays short. 0 disables it.
	MinTokens int
	// MaxChunks caps the chunks of one document, checked as they are
	// made; 0 means DefaultMaxChunks.
	MaxChunks int
}

// DefaultMaxChunks is the chunk cap when Options.MaxChunks is 0.
const DefaultMaxChunks = 20_000

// ErrTooManyChunks means a document splits into more than MaxChunks chunks.
var ErrTooManyChunks = errors.New("too many chunks")

// Chunk is one passage of a document.
type Chunk struct {
	// Position is the 0-based order in the document.
	Position int
	// Text is Document.Text[Start:End], without surrounding white space.
	Text string
	// HeadingPath is the path of every block in the chunk, outermost
	// heading first.
	HeadingPath []string
	// Page is the 1-based PDF page, 0 otherwise.
	Page int
	// Start and End are byte offsets into Document.Text.
	Start, End int
	// Hash is the hex SHA-256 of Text.
	Hash string
	// Tokens is CountTokens(Text).
	Tokens int
}

// ErrUnsplittable means a single character counts more than MaxTokens, so the
// text cannot be split to fit.
var ErrUnsplittable = errors.New("chunk: MaxTokens below one character's count")

// Split cuts doc into chunks. A document without blocks is treated as one
// paragraph spanning its text. Blocks must be in order, not overlap and lie
// within Text.
func Split(doc *loader.Document, tc TokenCounter, opt Options) ([]Chunk, error) {
	if opt.MaxTokens <= 0 {
		return nil, fmt.Errorf("chunk: MaxTokens %d is not positive", opt.MaxTokens)
	}
	opt.Overlap = min(max(opt.Overlap, 0), opt.MaxTokens/2)
	if opt.MaxChunks <= 0 {
		opt.MaxChunks = DefaultMaxChunks
	}
	blocks := doc.Blocks
	if len(blocks) == 0 {
		blocks = []loader.Block{{Kind: loader.Paragraph, End: len(doc.Text)}}
	}
	if err := checkBlocks(blocks, len(doc.Text)); err != nil {
		return nil, err
	}
	s := &splitter{text: doc.Text, tc: tc, opt: opt}
	for len(blocks) > 0 {
		n := 1
		for n < len(blocks) && sameSection(blocks[0], blocks[n]) {
			n++
		}
		if err := s.section(blocks[:n]); err != nil {
			return nil, err
		}
		if s.over {
			return nil, fmt.Errorf("chunk: over the %d-chunk cap: %w", opt.MaxChunks, ErrTooManyChunks)
		}
		blocks = blocks[n:]
	}
	return s.out, nil
}

func sameSection(a, b loader.Block) bool {
	return a.Page == b.Page && slices.Equal(a.HeadingPath, b.HeadingPath)
}

func checkBlocks(blocks []loader.Block, n int) error {
	prev := 0
	for i, b := range blocks {
		if b.Start < prev || b.End < b.Start || b.End > n {
			return fmt.Errorf("chunk: block %d range [%d,%d) is out of order or outside the %d-byte text", i, b.Start, b.End, n)
		}
		prev = b.End
	}
	return nil
}

// splitter holds the state of one Split call.
type splitter struct {
	text string
	tc   TokenCounter
	opt  Options
	out  []Chunk
	over bool // a chunk past MaxChunks was dropped
}

// count counts text[s:e].
func (s *splitter) count(sp span) int { return s.tc.CountTokens(s.text[sp.s:sp.e]) }

func (s *splitter) fits(sp span) bool { return s.count(sp) <= s.opt.MaxTokens }

// section chunks consecutive blocks sharing a heading path and page.
func (s *splitter) section(blocks []loader.Block) error {
	var units []unit
	for _, b := range blocks {
		var err error
		if units, err = s.units(b, units); err != nil {
			return err
		}
	}
	first := len(s.out)
	var firstUnits []int // index of the first new unit of each chunk
	for i := 0; i < len(units); {
		start := s.chunkStart(units[i], first)
		j := s.grow(start, units, i)
		if j < 0 {
			start = units[i].s
			j = s.grow(start, units, i)
		}
		// Headings stick to what follows: rather than leave a heading
		// alone, cut the next block finer so its start joins it.
		for j+1 < len(units) && onlyHeadings(units[i:j+1]) {
			pieces := s.refine(units[j+1])
			if pieces == nil {
				break
			}
			units = slices.Replace(units, j+1, j+2, pieces...)
			j = s.grow(start, units, i)
		}
		s.emit(span{start, units[j].e}, blocks[0])
		firstUnits = append(firstUnits, i)
		i = j + 1
	}
	s.extendLast(units, firstUnits)
	return nil
}

// chunkStart is where a chunk whose first new unit is u starts: earlier
// than u when it repeats the end of the section's previous chunk.
func (s *splitter) chunkStart(u unit, first int) int {
	if len(s.out) == first || s.opt.Overlap <= 0 {
		return u.s
	}
	last := s.out[len(s.out)-1]
	if p := s.overlapStart(span{last.Start, last.End}); p < last.End {
		return p
	}
	return u.s
}

func onlyHeadings(units []unit) bool {
	for _, u := range units {
		if u.kind != loader.Heading {
			return false
		}
	}
	return true
}

// grow returns the largest j >= i such that text[start:units[j].e] fits,
// or -1 if even units[i] does not fit from start. It grows exponentially
// then bisects, so it makes O(log n) counts per chunk rather than one per
// unit; with a non-monotonic counter the result still fits (only tested
// spans are accepted) but may be shorter than possible.
func (s *splitter) grow(start int, units []unit, i int) int {
	if !s.fits(span{start, units[i].e}) {
		return -1
	}
	good, bad := i, len(units)
	for step := 1; good+step < len(units); step *= 2 {
		if !s.fits(span{start, units[good+step].e}) {
			bad = good + step
			break
		}
		good += step
	}
	if bad == len(units) && good < len(units)-1 {
		if s.fits(span{start, units[len(units)-1].e}) {
			return len(units) - 1
		}
		bad = len(units) - 1
	}
	for bad-good > 1 {
		mid := int(uint(good+bad) >> 1)
		if s.fits(span{start, units[mid].e}) {
			good = mid
		} else {
			bad = mid
		}
	}
	return good
}

// overlapStart returns where the next chunk starts to repeat the last
// whole sentences of prev worth at most Overlap tokens, or prev.e for no
// overlap. It never repeats all of prev.
func (s *splitter) overlapStart(prev span) int {
	starts := sentences(s.text, prev, nil)
	best := prev.e
	for k := len(starts) - 1; k > 0; k-- {
		if s.count(span{starts[k].s, prev.e}) > s.opt.Overlap {
			break
		}
		best = starts[k].s
	}
	return best
}

// extendLast grows the section's last chunk backwards while it is under
// MinTokens, over unit starts inside the previous chunk.
func (s *splitter) extendLast(units []unit, firstUnits []int) {
	n := len(firstUnits)
	if s.opt.MinTokens <= 0 || n < 2 {
		return
	}
	last := &s.out[len(s.out)-1]
	if last.Tokens >= s.opt.MinTokens {
		return
	}
	best := last.Start
	for k := firstUnits[n-1] - 1; k > firstUnits[n-2] && units[k].s < best; k-- {
		c := s.count(span{units[k].s, last.End})
		if c > s.opt.MaxTokens {
			break
		}
		best = units[k].s
		if c >= s.opt.MinTokens {
			break
		}
	}
	if best != last.Start {
		pos, b := last.Position, loader.Block{HeadingPath: last.HeadingPath, Page: last.Page}
		s.out = s.out[:len(s.out)-1]
		s.emit(span{best, last.End}, b)
		s.out[len(s.out)-1].Position = pos
	}
}

// emit appends the chunk text[sp.s:sp.e].
// Past Options.MaxChunks it only records that the cap was reached.
func (s *splitter) emit(sp span, b loader.Block) {
	if len(s.out) >= s.opt.MaxChunks {
		s.over = true
		return
	}
	text := s.text[sp.s:sp.e]
	sum := sha256.Sum256([]byte(text))
	s.out = append(s.out, Chunk{
		Position: len(s.out), Text: text, HeadingPath: slices.Clone(b.HeadingPath), Page: b.Page,
		Start: sp.s, End: sp.e, Hash: hex.EncodeToString(sum[:]), Tokens: s.tc.CountTokens(text),
	})
}
