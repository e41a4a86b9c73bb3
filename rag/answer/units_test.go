package answer

import (
	"errors"
	"strings"
	"testing"

	"github.com/citebot/citebot/rag"
	"github.com/google/go-cmp/cmp"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		q      string
		maxLen int
		want   error
	}{
		{"empty", "", 0, ErrEmptyQuestion},
		{"white space", " \n\t ", 0, ErrEmptyQuestion},
		{"default cap", strings.Repeat("é", 1001), 0, ErrQuestionTooLong},
		{"at the cap", strings.Repeat("é", 1000), 0, nil},
		{"custom cap", "what is the port?", 5, ErrQuestionTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(Config{Retriever: &fakeRetriever{}, Embedder: hashEmbedder{dim: 64}, MaxQuestionLen: tt.maxLen})
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Answer(t.Context(), rag.Request{Question: tt.q}, nil)
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNewChecksConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no retriever", Config{Embedder: hashEmbedder{dim: 8}}},
		{"no embedder", Config{Retriever: &fakeRetriever{}}},
		{"threshold out of range", Config{Retriever: &fakeRetriever{}, Embedder: hashEmbedder{dim: 8}, MinRelevance: 1.5}},
		{"negative size", Config{Retriever: &fakeRetriever{}, Embedder: hashEmbedder{dim: 8}, TopK: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); err == nil {
				t.Error("New accepted the config")
			}
		})
	}
}

func TestParseCites(t *testing.T) {
	tests := []struct {
		in   string
		want []int
	}{
		{"plain [3].", []int{3}},
		{"adjacent [1][2]", []int{1, 2}},
		{"grouped [1, 2] and [2,4]", []int{1, 2, 4}},
		{"range [1-3]", []int{1, 2, 3}},
		{"en dash range [2–3, 5]", []int{2, 3, 5}},
		{"backwards range [3-1]", []int{3}},
		{"link [text](url) and [^1]", nil},
		{"huge [7]", []int{7}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, parseCites(tt.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSentences(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"One here. Two there! Three?", []string{"One here.", "Two there!", "Three?"}},
		{"It hurt the U.S. and its allies. Then e.g. this. Next.", []string{"It hurt the U.S. and its allies.", "Then e.g. this.", "Next."}},
		{"A claim.[1] Another [2]. Last. [3]", []string{"A claim.[1]", "Another [2].", "Last.", "[3]"}},
		{"Version 1.3 is out. “Quoted.” Done", []string{"Version 1.3 is out.", "“Quoted.”", "Done"}},
		{"First para\n\nSecond para.", []string{"First para", "Second para."}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, sentences(tt.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSplitClaims(t *testing.T) {
	got := splitClaims("Port is 8080. [2] Kept 14 days [1, 3].\n- Item one [4].")
	want := []claim{
		{line: 0, bare: "Port is 8080.", cites: []int{2}},
		{line: 0, bare: "Kept 14 days.", cites: []int{1, 3}},
		{line: 1, bare: "- Item one.", cites: []int{4}},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(claim{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := joinClaims(want, [][]int{{1}, {2, 3}, nil}); got != "Port is 8080 [1]. Kept 14 days [2, 3].\n- Item one." {
		t.Errorf("joinClaims = %q", got)
	}
}

func TestStandaloneQueryWithoutLLM(t *testing.T) {
	p, err := New(Config{Retriever: &fakeRetriever{}, Embedder: hashEmbedder{dim: 8}})
	if err != nil {
		t.Fatal(err)
	}
	hist := []rag.Turn{{Question: "How long are database snapshots kept?", Answer: "Fourteen days [1]."}}
	tests := []struct{ q, want string }{
		{"And when are they taken?", "And when are they taken? (long database snapshots kept)"},
		{"Why?", "Why? (long database snapshots kept)"},
		{"Which port does the configuration file set?", "Which port does the configuration file set?"},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			got, err := p.standaloneQuery(t.Context(), tt.q, hist)
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestParseCitesHugeNumbers(t *testing.T) {
	for _, in := range []string{"[9223372036854775807]", "[9223372036854775806-9223372036854775807]", "[99999999999999999999]"} {
		t.Run(in, func(t *testing.T) {
			if got := parseCites(in); len(got) != 0 {
				t.Errorf("got %v, want none", got)
			}
		})
	}
}
