package chunk

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/citebot/citebot/rag/loader"
)

// FuzzSplit checks, for Markdown-structured and unstructured text and
// three counters: no error but ErrUnsplittable (only possible for lumpy
// with MaxTokens 1), no chunk over MaxTokens, texts are the substrings at
// their offsets, and chunks are in order.
func FuzzSplit(f *testing.F) {
	f.Add("# A\n\nOne. Two three! Four?\n\n```\ncode\n```", uint8(3), uint8(1), uint8(0))
	f.Add(strings.Repeat("long", 50)+" tail.", uint8(2), uint8(0), uint8(1))
	f.Add("é漢🙂 x\n\n## B\n- item\n| t |", uint8(1), uint8(1), uint8(2))
	f.Fuzz(func(t *testing.T, text string, max, overlap, counter uint8) {
		counters := []TokenCounter{wordCount{}, quarterBytes{}, lumpy{}}
		tc := counters[int(counter)%len(counters)]
		opt := Options{MaxTokens: 1 + int(max%64), Overlap: int(overlap % 16), MinTokens: int(overlap % 5)}
		doc, err := loader.Load(context.Background(), "f.md", strings.NewReader(text), loader.Options{})
		if err != nil {
			doc = &loader.Document{Text: text}
		}
		chunks, err := Split(doc, tc, opt)
		if err != nil {
			if errors.Is(err, ErrUnsplittable) && tc == (lumpy{}) && opt.MaxTokens == 1 {
				return
			}
			t.Fatalf("Split: %v", err)
		}
		checkChunks(t, doc, tc, opt, chunks)
		for i := 1; i < len(chunks); i++ {
			if chunks[i].Start < chunks[i-1].Start || chunks[i].End <= chunks[i-1].End {
				t.Fatalf("chunks %d and %d out of order", i-1, i)
			}
		}
	})
}
