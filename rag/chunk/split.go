package chunk

import (
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/rag/loader"
)

// span is the byte range [s, e) of the document text.
type span struct{ s, e int }

// piecer cuts a span into smaller trimmed, non-empty spans, appending them.
type piecer func(text string, sp span, out []span) []span

// unit is a span chunks are packed from, with what is needed to cut it
// finer: its block kind and how many cutting levels produced it.
type unit struct {
	span
	kind  loader.BlockKind
	level int
}

var (
	proseLevels = []piecer{sentences, words, runes}
	codeLevels  = []piecer{lines, words, runes}
)

func levelsFor(k loader.BlockKind) []piecer {
	if k == loader.Code || k == loader.Table {
		return codeLevels
	}
	return proseLevels
}

// units appends the units of block b: the whole block if it fits, else its
// pieces, recursively finer until each fits.
func (s *splitter) units(b loader.Block, out []unit) ([]unit, error) {
	sp := trim(s.text, span{b.Start, b.End})
	if sp.s == sp.e {
		return out, nil
	}
	return s.fit(unit{sp, b.Kind, 0}, out)
}

// fit appends u if it fits, else its pieces at the next level.
func (s *splitter) fit(u unit, out []unit) ([]unit, error) {
	if s.fits(u.span) {
		return append(out, u), nil
	}
	levels := levelsFor(u.kind)
	if u.level >= len(levels) {
		return nil, ErrUnsplittable
	}
	var err error
	for _, p := range levels[u.level](s.text, u.span, nil) {
		if out, err = s.fit(unit{p, u.kind, u.level + 1}, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// refine returns u cut at its next level (each piece fitting), or nil if
// it cannot be cut into more than one piece.
func (s *splitter) refine(u unit) []unit {
	levels := levelsFor(u.kind)
	for lvl := u.level; lvl < len(levels); lvl++ {
		pieces := levels[lvl](s.text, u.span, nil)
		if len(pieces) < 2 {
			continue
		}
		var out []unit
		for _, p := range pieces {
			var err error
			if out, err = s.fit(unit{p, u.kind, lvl + 1}, out); err != nil {
				return nil // cannot happen: u itself was cut this far
			}
		}
		return out
	}
	return nil
}

// trim narrows sp to exclude leading and trailing white space.
func trim(text string, sp span) span {
	for sp.s < sp.e {
		r, n := utf8.DecodeRuneInString(text[sp.s:sp.e])
		if !unicode.IsSpace(r) {
			break
		}
		sp.s += n
	}
	for sp.e > sp.s {
		r, n := utf8.DecodeLastRuneInString(text[sp.s:sp.e])
		if !unicode.IsSpace(r) {
			break
		}
		sp.e -= n
	}
	return sp
}

// addTrimmed appends text[s:e] trimmed, if anything is left.
func addTrimmed(text string, s, e int, out []span) []span {
	if t := trim(text, span{s, e}); t.s < t.e {
		out = append(out, t)
	}
	return out
}

// sentences cuts after ., ! or ? (and closing quotes or brackets) that
// are followed by white space and not by a lower-case letter, and at
// blank lines.
func sentences(text string, sp span, out []span) []span {
	from := sp.s
	for i := sp.s; i < sp.e; {
		r, n := utf8.DecodeRuneInString(text[i:sp.e])
		i += n
		end := -1
		switch {
		case r == '.' || r == '!' || r == '?' || r == '。' || r == '！' || r == '？':
			end = sentenceEnd(text, i, sp.e)
		case r == '\n' && i < sp.e && text[i] == '\n':
			end = i
		}
		if end > from {
			out = addTrimmed(text, from, end, out)
			from = end
			i = max(i, end)
		}
	}
	return addTrimmed(text, from, sp.e, out)
}

// sentenceEnd returns the end of a sentence whose terminal punctuation
// ends at i, or -1 if it does not end a sentence there.
func sentenceEnd(text string, i, e int) int {
	for i < e {
		r, n := utf8.DecodeRuneInString(text[i:e])
		if r != '"' && r != '\'' && r != ')' && r != ']' && r != '”' && r != '’' {
			break
		}
		i += n
	}
	if i == e {
		return i
	}
	r, _ := utf8.DecodeRuneInString(text[i:e])
	if !unicode.IsSpace(r) {
		return -1
	}
	j := trim(text, span{i, e}).s
	if j < e {
		if next, _ := utf8.DecodeRuneInString(text[j:e]); unicode.IsLower(next) {
			return -1
		}
	}
	return i
}

// lines cuts at line ends.
func lines(text string, sp span, out []span) []span {
	from := sp.s
	for i := sp.s; i < sp.e; i++ {
		if text[i] == '\n' {
			out = addTrimmed(text, from, i, out)
			from = i + 1
		}
	}
	return addTrimmed(text, from, sp.e, out)
}

// words cuts at white space.
func words(text string, sp span, out []span) []span {
	from := -1
	for i := sp.s; i < sp.e; {
		r, n := utf8.DecodeRuneInString(text[i:sp.e])
		switch {
		case unicode.IsSpace(r) && from >= 0:
			out = append(out, span{from, i})
			from = -1
		case !unicode.IsSpace(r) && from < 0:
			from = i
		}
		i += n
	}
	if from >= 0 {
		out = append(out, span{from, sp.e})
	}
	return out
}

// runes cuts between characters.
func runes(text string, sp span, out []span) []span {
	for i := sp.s; i < sp.e; {
		_, n := utf8.DecodeRuneInString(text[i:sp.e])
		out = append(out, span{i, i + n})
		i += n
	}
	return out
}
