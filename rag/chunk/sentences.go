package chunk

// Sentences cuts prose into its sentences the way Split does before it
// packs them into chunks: after ., ! or ? (with closing quotes or
// brackets) followed by white space and not by a lower-case letter, and at
// blank lines. Each sentence is trimmed; none is empty.
func Sentences(text string) []string {
	sps := sentences(text, trim(text, span{0, len(text)}), nil)
	out := make([]string, len(sps))
	for i, sp := range sps {
		out[i] = text[sp.s:sp.e]
	}
	return out
}
