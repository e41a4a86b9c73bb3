package openai

import "unicode/utf8"

// CountTokens estimates how many tokens text is for the model, erring
// high. No tokenizer is available offline, so this is a heuristic upper
// bound, not the model's own count: ASCII is counted at one token per 3
// bytes (BPE vocabularies such as cl100k average about 4 bytes per token
// on English and code), every other character at one token per 2 bytes of
// its UTF-8 form (1 to 2 tokens per Cyrillic, Greek, CJK or emoji
// character), rounded up, and never fewer than the number of
// whitespace-separated words. Chunks sized with it stay under MaxTokens
// for ordinary prose and code; only adversarial input (long runs of rare
// symbols that a tokenizer splits byte by byte) can exceed the estimate.
func (e *Embedder) CountTokens(text string) int {
	ascii, other, words := 0, 0, 0
	inWord := false
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			ascii++
			i++
			space := c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
			if !space && !inWord {
				words++
			}
			inWord = !space
			continue
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		other += size
		i += size
		if !inWord {
			words++
		}
		inWord = true
	}
	// Sixths keep both rates exact: 2 per ASCII byte, 3 per other byte.
	est := (2*ascii + 3*other + 5) / 6
	return max(est, words)
}
