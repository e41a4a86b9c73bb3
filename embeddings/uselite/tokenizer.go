package uselite

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	unorm "golang.org/x/text/unicode/norm"
)

// The tokenizer is a port of lib/tokenizer.ts and lib/trie.ts of
// @energetic-ai/embeddings 0.2.0 (itself the SentencePiece-style tokenizer
// of @tensorflow-models/universal-sentence-encoder). Quirks are kept on
// purpose so that ids match the reference exactly:
//   - input is NFKC-normalised, then "▁" is prepended and every ASCII space
//     (only U+0020) becomes "▁"; tabs and newlines stay as they are;
//   - a position no piece starts at becomes the unknown id 0 with score 0,
//     and runs of unknown ids collapse into one;
//   - ties in the Viterbi search go to the piece that starts last, and a
//     position whose best score is exactly 0 counts as unset;
//   - when a piece appears twice in the vocabulary the later entry wins;
//   - null scores in vocab.json count as 0.
// Go strings that are not valid UTF-8 are read one U+FFFD per bad byte.

const (
	// reservedSymbols is how many vocabulary entries (ids 0..5: "�", "<s>",
	// "</s>", "extra_token_id_1..3") are never matched.
	reservedSymbols = 6
	separator       = '▁'
	unknownID       = 0
)

// tokenizer splits text into vocabulary ids.
type tokenizer struct {
	// children maps (node index << 32 | rune) to the child node index.
	children map[uint64]int32
	// end[n] is the vocabulary id whose piece ends at node n, or -1.
	end []int32
	// score[id] and runes[id] describe each vocabulary piece.
	score []float64
	runes []int32
}

// newTokenizer builds the trie from vocab.json: a list of [piece, score].
func newTokenizer(vocabJSON []byte) (*tokenizer, error) {
	var raw [][2]json.RawMessage
	if err := json.Unmarshal(vocabJSON, &raw); err != nil {
		return nil, fmt.Errorf("parse vocab: %w", err)
	}
	t := &tokenizer{
		children: make(map[uint64]int32, 32768),
		end:      []int32{-1},
		score:    make([]float64, len(raw)),
		runes:    make([]int32, len(raw)),
	}
	for id, entry := range raw {
		var piece string
		var score *float64
		if err := json.Unmarshal(entry[0], &piece); err != nil {
			return nil, fmt.Errorf("parse vocab entry %d: %w", id, err)
		}
		if err := json.Unmarshal(entry[1], &score); err != nil {
			return nil, fmt.Errorf("parse vocab entry %d: %w", id, err)
		}
		if score != nil {
			t.score[id] = *score
		}
		// The reference steps back by the piece's JavaScript length
		// (UTF-16 units); this vocabulary has no characters outside the
		// BMP, so that equals the rune count.
		t.runes[id] = int32(len([]rune(piece)))
		if id >= reservedSymbols {
			t.insert(piece, int32(id))
		}
	}
	if len(raw) <= reservedSymbols {
		return nil, fmt.Errorf("parse vocab: only %d entries", len(raw))
	}
	return t, nil
}

func (t *tokenizer) insert(piece string, id int32) {
	node := int32(0)
	for _, r := range piece {
		key := uint64(node)<<32 | uint64(uint32(r))
		child, ok := t.children[key]
		if !ok {
			child = int32(len(t.end))
			t.end = append(t.end, -1)
			t.children[key] = child
		}
		node = child
	}
	if node != 0 {
		t.end[node] = id
	}
}

// prepare normalises text the way processInput does and returns its runes.
func prepare(text string) []rune {
	s := unorm.NFKC.String(text)
	if s == "" {
		return nil
	}
	s = string(separator) + strings.ReplaceAll(s, " ", string(separator))
	return []rune(s)
}

// encode returns the ids of text, not truncated.
func (t *tokenizer) encode(text string) []int {
	symbols := prepare(text)
	n := len(symbols)
	if n == 0 {
		return []int{}
	}
	words := t.viterbi(symbols)
	var rev []int
	for it := n; it > 0; {
		rev = append(rev, int(words[it]))
		it -= int(t.runes[words[it]])
	}
	out := make([]int, 0, len(rev))
	prevUnk := false
	for _, id := range rev {
		if !(prevUnk && id == unknownID) {
			out = append(out, id)
		}
		prevUnk = id == unknownID
	}
	slices.Reverse(out)
	return out
}

// viterbi returns, for every end position, the id of the best-scoring
// piece ending there. The reference visits (end, start) pairs by
// increasing end, then increasing start; visiting by increasing start,
// then increasing end, updates each best[end] in that same order, and
// best[start] is final when it is read, so the results are identical.
func (t *tokenizer) viterbi(symbols []rune) []int32 {
	n := len(symbols)
	best := make([]float64, n+1)
	words := make([]int32, n+1)
	relax := func(start, end int, id int32, score float64) {
		s := score + best[start]
		if best[end] == 0 || s >= best[end] {
			best[end] = s
			words[end] = id
		}
	}
	for i := 0; i < n; i++ {
		found := false
		node := int32(0)
		for j := i; j < n; j++ {
			child, ok := t.children[uint64(node)<<32|uint64(uint32(symbols[j]))]
			if !ok {
				break
			}
			node = child
			if id := t.end[node]; id >= 0 {
				relax(i, j+1, id, t.score[id])
				found = true
			}
		}
		if !found {
			relax(i, i+1, unknownID, 0)
		}
	}
	return words
}
