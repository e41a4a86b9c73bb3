package answer

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citebot/citebot/rag"
)

// premiseItem is one line of testdata/premises.jsonl: a question about
// the fixture passages and how its answer must begin.
type premiseItem struct {
	ID       string `json:"id"`
	Question string `json:"question"`
	Lead     string `json:"lead"`
}

// TestPremisesAndPolarity: a yes/no question gets "Yes." or "No." only
// when the quoted sentence settles it, negation included, else "The
// material says:"; a question naming someone or something the quoted
// sentence does not mention gets a note of what the material says
// instead; a who/when/how many question leads with its answer in bold.
func TestPremisesAndPolarity(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "premise-passages.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ps []rag.Passage
	if err := json.Unmarshal(b, &ps); err != nil {
		t.Fatal(err)
	}
	p, err := New(hashTuned(Config{Retriever: newMemRetriever(ps), Embedder: hashEmbedder{dim: 512}}))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join("testdata", "premises.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var it premiseItem
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			t.Fatal(err)
		}
		n++
		t.Run(it.ID, func(t *testing.T) {
			a, err := p.Answer(t.Context(), rag.Request{Collection: "town", Question: it.Question}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if a.Refused || !strings.HasPrefix(a.Text, it.Lead+"“") {
				t.Errorf("%q: answer %q, want it to begin %q and a quotation", it.Question, a.Text, it.Lead)
			}
		})
	}
	if n < 30 {
		t.Errorf("%d premise questions, want at least 30", n)
	}
}
