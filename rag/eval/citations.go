package eval

import (
	"strconv"
	"strings"
)

// Citations returns the distinct source numbers cited in Markdown text, in
// order of first appearance. It reads "[3]" and grouped forms such as
// "[1, 2]" or "[1,2]"; brackets holding anything else (links, footnotes
// like "[^1]") are not citations, nor is anything inside code spans or
// fenced code blocks, where "a[1]" is an index.
func Citations(text string) []int {
	text = stripCode(text)
	var out []int
	seen := make(map[int]bool)
	for {
		open := strings.IndexByte(text, '[')
		if open < 0 {
			return out
		}
		text = text[open+1:]
		end := strings.IndexByte(text, ']')
		if end < 0 {
			return out
		}
		nums, ok := parseCitation(text[:end])
		if !ok {
			continue
		}
		for _, n := range nums {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
		text = text[end+1:]
	}
}

// parseCitation parses the inside of a bracket as comma-separated positive
// numbers.
func parseCitation(s string) ([]int, bool) {
	var nums []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n <= 0 || strings.ContainsAny(part, "+-") {
			return nil, false
		}
		nums = append(nums, n)
	}
	return nums, len(nums) > 0
}

// stripCode drops the text between backticks, which covers inline code
// spans and fenced blocks alike (a fence is three empty spans).
func stripCode(text string) string {
	parts := strings.Split(text, "`")
	var b strings.Builder
	for i := 0; i < len(parts); i += 2 {
		b.WriteString(parts[i])
		b.WriteByte(' ')
	}
	return b.String()
}
