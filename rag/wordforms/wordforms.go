// Package wordforms brings irregular English word forms to their base
// form (grew → grow, children → child, better → good) before PostgreSQL's
// English Snowball stemmer sees the text: the stemmer strips regular
// suffixes only, so without this a question about what something "grew out
// of" never matches a passage saying it "grew out of" it when asked with
// "grow". The store applies Normalize to indexed text and to queries alike,
// which keeps postings and queries consistent and needs no dictionary
// files on the database server.
package wordforms

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Base returns the base form of an irregular word form, matched case
// insensitively, and whether word is one.
func Base(word string) (string, bool) {
	if len(word) < 2 || len(word) > maxLen {
		return "", false
	}
	var buf [maxLen]byte
	for i := 0; i < len(word); i++ {
		c := word[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	b, ok := irregular[string(buf[:len(word)])]
	return b, ok
}

// maxLen bounds the length of a word looked up; no form in the table is
// longer.
const maxLen = 16

// Normalize replaces every irregular form in text by its base form and
// leaves everything else, spacing and punctuation included, as it is. A
// word is a run of letters; only all-ASCII words are looked up.
func Normalize(text string) string {
	var b strings.Builder
	last := 0 // text[last:] is still to be copied to b
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) {
			i += n
			continue
		}
		j, ascii := i, true
		for j < len(text) {
			r, n := utf8.DecodeRuneInString(text[j:])
			if !unicode.IsLetter(r) {
				break
			}
			ascii = ascii && r < utf8.RuneSelf
			j += n
		}
		if base, ok := Base(text[i:j]); ascii && ok {
			if last == 0 {
				b.Grow(len(text) + 16)
			}
			b.WriteString(text[last:i])
			b.WriteString(base)
			last = j
		}
		i = j
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}
