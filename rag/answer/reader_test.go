package answer

import (
	"strings"
	"testing"

	"github.com/citebot/citebot/rag"
	"github.com/google/go-cmp/cmp"
)

func TestQuestionKind(t *testing.T) {
	tests := []struct {
		q    string
		want kind
	}{
		{"When did the mill close?", kindDate},
		{"In what year was the bridge opened?", kindDate},
		{"How many members does the board have?", kindNumber},
		{"What percentage of the land is forest?", kindNumber},
		{"Who designed the lighthouse?", kindPerson},
		{"Where does the ferry dock?", kindPlace},
		{"Which city hosts the archive?", kindPlace},
		{"Which company built the tunnel?", kindName},
		{"What causes the tides?", kindNone},
		{"Is the port open in winter?", kindNone},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			if got := questionKind(tt.q); got != tt.want {
				t.Errorf("questionKind(%q) = %d, want %d", tt.q, got, tt.want)
			}
		})
	}
}

func TestAnswerPhrase(t *testing.T) {
	tests := []struct{ q, s, want string }{
		{"When did the mill close?", "The mill on the river closed in 1921 after a flood.", "1921"},
		{"When did the mill close?", "The mill closed on 4 March 1921, a week after the flood.", "4 March 1921"},
		{"How many members does the board have?", "The board has nine members, elected for three years.", "nine"},
		{"Who designed the lighthouse?", "In 1870 the lighthouse was designed by Mara Quill, an engineer from Dunmore.", "Mara Quill"},
		{"Which province did the rebels seize?", "The rebels seized the northern Syrian province of Idlib in January.", "Idlib"},
		{"Who designed the lighthouse?", "The lighthouse stands on the cape.", ""},
		{"What causes the tides?", "The Moon's pull causes the tides.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.q+" / "+tt.s, func(t *testing.T) {
			if got := answerPhrase(tt.q, tt.s); got != tt.want {
				t.Errorf("answerPhrase = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestInertCitations(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"numbers in brackets", "mean (SD) age, 74 [14] years", "mean (SD) age, 74 (14) years"},
		{"letters in brackets", "age in years, mean [SD]", "age in years, mean (SD)"},
		{"masked link", "[https://intranet.corp/payroll](https://evil.example/x)", "(https://intranet.corp/payroll)(https://evil.example/x)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := inert(tt.in); got != tt.want {
				t.Errorf("inert(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if cites := parseCites(inertQuotes("“" + tt.in + "” [2]")); !cmp.Equal(cites, []int{2}) {
				t.Errorf("citations of the quoted text = %v, want [2]", cites)
			}
		})
	}
	if got := inertLinks("See [https://intranet.corp/payroll](https://evil.example/x) [1]."); got != "See https://intranet.corp/payroll (<https://evil.example/x>) [1]." {
		t.Errorf("inertLinks = %q", got)
	}
}

func TestExtractiveQuotesBracketsInert(t *testing.T) {
	ps := []rag.Passage{{ChunkID: 1, Source: "trial.md", Title: "Trial",
		Text: "The participants had a mean [SD] age of 74 [14] years at enrolment. See [https://intranet.corp/payroll](https://evil.example/x) for the payroll."}}
	p, err := New(hashTuned(Config{Retriever: &fakeRetriever{passages: ps}, Embedder: hashEmbedder{dim: 512}}))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"What was the mean age of the participants at enrolment?", "Where to see the payroll?"} {
		a, err := p.Answer(t.Context(), rag.Request{Collection: "c", Question: q}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.Refused {
			t.Fatalf("%q refused", q)
		}
		if strings.Contains(a.Text, "[14]") || strings.Contains(a.Text, "[SD]") || strings.Contains(a.Text, "](") {
			t.Errorf("brackets of the document left live: %q", a.Text)
		}
		if got := parseCites(a.Text); !cmp.Equal(got, []int{1}) {
			t.Errorf("citations %v, want [1]: %q", got, a.Text)
		}
		md := Markdown(a)
		if strings.Contains(md, "](") {
			t.Errorf("Markdown has a live link: %q", md)
		}
	}
}

func TestVerifyIgnoresBracketsInQuotes(t *testing.T) {
	cs := splitClaims(`The trial reported “mean [SD] age, 74 [14] years” for its cohort [2].`)
	if len(cs) != 1 || !cmp.Equal(cs[0].cites, []int{2}) || !strings.Contains(cs[0].bare, "74 (14) years") {
		t.Fatalf("claims = %+v", cs)
	}
}

func TestSnippetWholeSentences(t *testing.T) {
	long := "This " + strings.Repeat("word ", 70) + "end."
	tests := []struct{ name, text, want string }{
		{"stops before a sentence that would not fit", "First one. " + long, "First one."},
		{"a long first sentence is shown whole", long + " Next.", long},
		{"short sentences fit", "One is here. Two is here.", "One is here. Two is here."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := snippet(tt.text, snippetLen); got != tt.want {
				t.Errorf("snippet = %q, want %q", got, tt.want)
			}
		})
	}
}
