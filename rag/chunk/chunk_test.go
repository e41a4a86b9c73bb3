package chunk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/citebot/citebot/rag/loader"
	"github.com/google/go-cmp/cmp"
)

// wordCount counts white-space separated words.
type wordCount struct{}

func (wordCount) CountTokens(s string) int { return len(strings.Fields(s)) }

// counting counts CountTokens calls and the bytes they read.
type counting struct {
	tc           TokenCounter
	calls, bytes *int
}

func (c counting) CountTokens(s string) int {
	*c.calls++
	*c.bytes += len(s)
	return c.tc.CountTokens(s)
}

// quarterBytes counts ceil(bytes/4), like a crude BPE estimate.
type quarterBytes struct{}

func (quarterBytes) CountTokens(s string) int { return (len(s) + 3) / 4 }

// lumpy is non-additive: words plus a penalty per line break and one for
// any text at all, so the count of a join exceeds the sum of its parts.
type lumpy struct{}

func (lumpy) CountTokens(s string) int {
	if s == "" {
		return 0
	}
	return 1 + len(strings.Fields(s)) + 2*strings.Count(s, "\n")
}

// checkChunks verifies the properties every Split result must have.
func checkChunks(t *testing.T, doc *loader.Document, tc TokenCounter, opt Options, chunks []Chunk) {
	t.Helper()
	for i, c := range chunks {
		if c.Position != i {
			t.Errorf("chunk %d has Position %d", i, c.Position)
		}
		if c.Start < 0 || c.End > len(doc.Text) || c.Start >= c.End || doc.Text[c.Start:c.End] != c.Text {
			t.Fatalf("chunk %d [%d,%d) is not its text's substring", i, c.Start, c.End)
		}
		if n := tc.CountTokens(c.Text); n > opt.MaxTokens || n != c.Tokens {
			t.Errorf("chunk %d: %d tokens (recorded %d), max %d: %q", i, n, c.Tokens, opt.MaxTokens, c.Text)
		}
		sum := sha256.Sum256([]byte(c.Text))
		if c.Hash != hex.EncodeToString(sum[:]) {
			t.Errorf("chunk %d hash mismatch", i)
		}
		if strings.TrimSpace(c.Text) != c.Text {
			t.Errorf("chunk %d has surrounding white space: %q", i, c.Text)
		}
	}
}

func loadMD(t testing.TB, md string) *loader.Document {
	t.Helper()
	d, err := loader.Load(context.Background(), "doc.md", strings.NewReader(md), loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSplitStructure(t *testing.T) {
	doc := loadMD(t, "# A\n\nOne two three.\n\nFour five.\n\n## B\n\nSix seven eight nine.\n\n# C\n\nTen.")
	opt := Options{MaxTokens: 50}
	got, err := Split(doc, wordCount{}, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkChunks(t, doc, wordCount{}, opt, got)
	type short struct {
		Text string
		Path []string
	}
	var gotShort []short
	for _, c := range got {
		gotShort = append(gotShort, short{c.Text, c.HeadingPath})
	}
	want := []short{
		{"A\n\nOne two three.\n\nFour five.", []string{"A"}},
		{"B\n\nSix seven eight nine.", []string{"A", "B"}},
		{"C\n\nTen.", []string{"C"}},
	}
	if diff := cmp.Diff(want, gotShort); diff != "" {
		t.Errorf("chunks (-want +got):\n%s", diff)
	}
}

func TestSplitPages(t *testing.T) {
	doc, err := loader.LoadFile(context.Background(), "../loader/testdata/sample.pdf", loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{MaxTokens: 1000}
	got, err := Split(doc, wordCount{}, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkChunks(t, doc, wordCount{}, opt, got)
	var pages []int
	for _, c := range got {
		pages = append(pages, c.Page)
	}
	if diff := cmp.Diff([]int{1, 2, 3}, pages); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
}

func TestSplitLong(t *testing.T) {
	sentences := strings.Repeat("Alpha beta gamma delta. Epsilon zeta eta! Theta iota kappa lambda mu? ", 30)
	longWord := strings.Repeat("x", 3000)
	code := "```\n" + strings.Repeat("line one two\n", 40) + "```"
	tests := []struct {
		name string
		md   string
		tc   TokenCounter
		max  int
	}{
		{"sentences words", sentences, wordCount{}, 12},
		{"sentences lumpy", sentences, lumpy{}, 12},
		{"sentence to words", strings.Repeat("word ", 200) + "end.", wordCount{}, 7},
		{"word to runes", longWord, quarterBytes{}, 10},
		{"runes multibyte", strings.Repeat("é漢🙂", 300), quarterBytes{}, 3},
		{"code lines", code, lumpy{}, 10},
		{"mixed", "# T\n\n" + sentences + "\n\n" + longWord + "\n\n" + code, quarterBytes{}, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := loadMD(t, tt.md)
			for _, overlap := range []int{0, 4} {
				opt := Options{MaxTokens: tt.max, Overlap: overlap}
				got, err := Split(doc, tt.tc, opt)
				if err != nil {
					t.Fatal(err)
				}
				checkChunks(t, doc, tt.tc, opt, got)
				if len(got) < 2 {
					t.Fatalf("overlap %d: %d chunks, want a split", overlap, len(got))
				}
				if covered(got) != coverage(doc) {
					t.Errorf("overlap %d: chunks do not cover the text", overlap)
				}
			}
		})
	}
}

// covered returns the non-space bytes covered by chunks, in order.
func covered(chunks []Chunk) string {
	var b strings.Builder
	end := 0
	for _, c := range chunks {
		from := max(c.Start, end)
		if from < c.End {
			b.WriteString(stripSpace(c.Text[from-c.Start:]))
		}
		end = max(end, c.End)
	}
	return b.String()
}

func coverage(doc *loader.Document) string { return stripSpace(doc.Text) }

func stripSpace(s string) string { return strings.Join(strings.Fields(s), "") }

func TestSplitSentenceBoundaries(t *testing.T) {
	doc := loadMD(t, "One two three. Four five six. Seven eight nine. Ten eleven twelve.")
	opt := Options{MaxTokens: 6}
	got, err := Split(doc, wordCount{}, opt)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, c := range got {
		texts = append(texts, c.Text)
	}
	want := []string{"One two three. Four five six.", "Seven eight nine. Ten eleven twelve."}
	if diff := cmp.Diff(want, texts); diff != "" {
		t.Errorf("chunks (-want +got):\n%s", diff)
	}
}

func TestSplitOverlap(t *testing.T) {
	doc := loadMD(t, "# H\n\nOne two three. Four five six. Seven eight nine. Ten eleven twelve. Thirteen.\n\n# I\n\nOther section.")
	opt := Options{MaxTokens: 7, Overlap: 3}
	got, err := Split(doc, wordCount{}, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkChunks(t, doc, wordCount{}, opt, got)
	var texts []string
	for _, c := range got {
		texts = append(texts, c.Text)
	}
	want := []string{
		"H\n\nOne two three. Four five six.",
		"Four five six. Seven eight nine.",
		"Seven eight nine. Ten eleven twelve. Thirteen.",
		"I\n\nOther section.",
	}
	if diff := cmp.Diff(want, texts); diff != "" {
		t.Errorf("chunks (-want +got):\n%s", diff)
	}
}

func TestSplitMinTokens(t *testing.T) {
	doc := loadMD(t, "# H\n\nOne two three four. Five six seven eight. Nine.\n\n# Tiny\n\nA.")
	opt := Options{MaxTokens: 9, MinTokens: 4}
	got, err := Split(doc, wordCount{}, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkChunks(t, doc, wordCount{}, opt, got)
	var texts []string
	for _, c := range got {
		texts = append(texts, c.Text)
	}
	want := []string{"H\n\nOne two three four. Five six seven eight.", "Five six seven eight. Nine.", "Tiny\n\nA."}
	if diff := cmp.Diff(want, texts); diff != "" {
		t.Errorf("chunks (-want +got):\n%s", diff)
	}
}

func TestSplitNoBlocks(t *testing.T) {
	doc := &loader.Document{Text: "  First paragraph here.\n\nSecond one.  "}
	opt := Options{MaxTokens: 3}
	got, err := Split(doc, wordCount{}, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkChunks(t, doc, wordCount{}, opt, got)
	if len(got) != 2 || got[1].Text != "Second one." {
		t.Errorf("got %+v", got)
	}
	if got, err := Split(&loader.Document{}, wordCount{}, opt); err != nil || len(got) != 0 {
		t.Errorf("empty document: %v, %v", got, err)
	}
}

// always counts any non-empty text as 5 tokens.
type always struct{}

func (always) CountTokens(s string) int { return 5 * min(len(s), 1) }

func TestSplitErrors(t *testing.T) {
	doc := loadMD(t, "# A\n\ntext")
	tests := []struct {
		name string
		doc  *loader.Document
		tc   TokenCounter
		opt  Options
		want string
	}{
		{"zero max", doc, wordCount{}, Options{}, "MaxTokens 0"},
		{"unsplittable", doc, always{}, Options{MaxTokens: 4}, ErrUnsplittable.Error()},
		{"block outside", &loader.Document{Text: "ab", Blocks: []loader.Block{{Start: 0, End: 3}}}, wordCount{}, Options{MaxTokens: 4}, "outside"},
		{"blocks overlap", &loader.Document{Text: "abcd", Blocks: []loader.Block{{Start: 0, End: 3}, {Start: 2, End: 4}}}, wordCount{}, Options{MaxTokens: 4}, "out of order"},
		{"over the chunk cap", loadMD(t, strings.Repeat("One sentence here. ", 100)), wordCount{}, Options{MaxTokens: 3, MaxChunks: 10}, "over the 10-chunk cap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Split(tt.doc, tt.tc, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := Split(doc, always{}, Options{MaxTokens: 4}); !errors.Is(err, ErrUnsplittable) {
		t.Errorf("err = %v, want ErrUnsplittable", err)
	}
}

func TestSplitDeterministicAndFixtures(t *testing.T) {
	for _, name := range []string{"sample.md", "sample.html", "sample.docx", "sample.txt"} {
		t.Run(name, func(t *testing.T) {
			doc, err := loader.LoadFile(context.Background(), "../loader/testdata/"+name, loader.Options{})
			if err != nil {
				t.Fatal(err)
			}
			opt := Options{MaxTokens: 8, Overlap: 3}
			a, err := Split(doc, lumpy{}, opt)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := Split(doc, lumpy{}, opt)
			checkChunks(t, doc, lumpy{}, opt, a)
			if diff := cmp.Diff(a, b); diff != "" {
				t.Errorf("two runs differ:\n%s", diff)
			}
			for _, c := range a {
				if !slices.ContainsFunc(doc.Blocks, func(bl loader.Block) bool {
					return bl.Start <= c.Start && c.Start < bl.End && slices.Equal(bl.HeadingPath, c.HeadingPath)
				}) {
					t.Errorf("chunk %d starts outside a block of its heading path %q", c.Position, c.HeadingPath)
				}
			}
		})
	}
}

func TestSplitCountCalls(t *testing.T) {
	var b strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&b, "Sentence number %d has a few words. ", i)
		if i%50 == 49 {
			b.WriteString("\n\n")
		}
	}
	b.WriteString("\n\n" + strings.Repeat("y", 200000))
	doc := &loader.Document{Text: b.String()}
	calls, read := 0, 0
	opt := Options{MaxTokens: 100, Overlap: 10}
	got, err := Split(doc, counting{quarterBytes{}, &calls, &read}, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkChunks(t, doc, quarterBytes{}, opt, got)
	// Sentences and the 200000 runes of the long word are units: a
	// count per unit to cut, and O(log n) counts per chunk to pack.
	if n := len(doc.Text); calls > 2*n/10+200000 || read > 40*n {
		t.Errorf("%d CountTokens calls reading %d bytes for a %d-byte text", calls, read, n)
	}
	t.Logf("%d chunks, %d calls, %d bytes counted, text %d bytes", len(got), calls, read, len(doc.Text))
}

func BenchmarkSplit(b *testing.B) {
	data, err := os.ReadFile("../loader/testdata/sample.md")
	if err != nil {
		b.Fatal(err)
	}
	doc := loadMD(b, strings.Repeat(string(data)+"\n\n", 200))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Split(doc, quarterBytes{}, Options{MaxTokens: 128, Overlap: 16}); err != nil {
			b.Fatal(err)
		}
	}
}
