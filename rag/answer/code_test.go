package answer

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/rag"
)

func TestCodeSegments(t *testing.T) {
	tests := []struct {
		name, text string
		want       []codeSegment
	}{
		{"a block with its lead-in", "Start it with:\n\n```sh\nmake run\n```\n",
			[]codeSegment{{leadIn: "Start it with:", lang: "sh", code: "make run"}}},
		{"comment lines set parts apart", "Any endpoint works:\n\n```sh\n# One\nexport A=1\n# Two\nexport B=2\n```",
			[]codeSegment{{leadIn: "Any endpoint works:", lang: "sh", code: "# One\nexport A=1"},
				{leadIn: "Any endpoint works:", lang: "sh", code: "# Two\nexport B=2"}}},
		{"a lead-in must lead into the block", "This is prose.\n\n```\nx := 1\n```",
			[]codeSegment{{code: "x := 1"}}},
		{"a passage that begins inside a block", "go test ./...\n```\n\nThen read the output.",
			[]codeSegment{{code: "go test ./..."}}},
		{"prose before a bare fence opens a block", "## Layout\n\n```\nmain.go  entry point",
			[]codeSegment{{code: "main.go  entry point"}}},
		{"no code", "Only prose here. And more.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := codeSegments(tt.text)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(codeSegment{})); diff != "" {
				t.Errorf("codeSegments (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHowTo(t *testing.T) {
	tests := []struct {
		q    string
		want bool
	}{
		{"How do I use Ollama?", true},
		{"how to run the tests", true},
		{"What command starts the bot?", true},
		{"How many members does the council have?", false},
		{"Why do I need a token?", false},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			if got := howTo(tt.q); got != tt.want {
				t.Errorf("howTo = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestHowToQuotesCode: a how-to question is answered with the code block
// that does it, verbatim in a fence, after its lead-in; other questions
// never quote code. The rendered answers are golden files.
func TestHowToQuotesCode(t *testing.T) {
	readme := "## Using an LLM\n\nAny OpenAI-compatible chat endpoint works:\n\n```sh\n# OpenAI\nexport LLM_URL=https://api.openai.com/v1\n" +
		"# Ollama on this machine\nexport LLM_URL=http://localhost:11434/v1 LLM_MODEL=llama3.1 [x]\n```\n\nEmbeddings work likewise with their own URL."
	tests := []struct{ name, q, golden string }{
		{"how-to", "How do I use Ollama?", "howto-code.golden"},
		{"not how-to", "Which model does Ollama run?", ""},
	}
	p, err := New(hashTuned(Config{Retriever: newMemRetriever([]rag.Passage{{ChunkID: 1, Title: "readme",
		Source: "README.md", HeadingPath: []string{"readme", "Using an LLM"}, Text: readme}}), Embedder: hashEmbedder{dim: 512}}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := p.Answer(t.Context(), rag.Request{Question: tt.q}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.golden == "" {
				if strings.Contains(a.Text, "```") {
					t.Errorf("answer %q quotes code", a.Text)
				}
				return
			}
			golden(t, tt.golden, Markdown(a))
		})
	}
}
