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

// qaItem is one line of testdata/qa-hts.jsonl.
type qaItem struct {
	ID             string   `json:"id"`
	Question       string   `json:"question"`
	Gold           []string `json:"gold"`
	AnswerKeywords []string `json:"answer_keywords"`
	Answerable     bool     `json:"answerable"`
}

func readQA(t *testing.T, path string) []qaItem {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var items []qaItem
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var it qaItem
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return items
}

// sharedCorpus reads ../shared/corpus/NAME relative to the repository
// root, skipping the test when it is absent.
func sharedCorpus(t *testing.T, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("repository root not found")
		}
		dir = parent
	}
	b, err := os.ReadFile(filepath.Join(dir, "..", "shared", "corpus", name))
	if err != nil {
		t.Skipf("shared corpus absent: %v", err)
	}
	return string(b)
}

func containsAll(text string, kws []string) bool {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	for _, k := range kws {
		if !strings.Contains(norm(text), norm(k)) {
			return false
		}
	}
	return true
}

// qaScores runs the extractive pipeline over the QA set and returns
// keyword_hit and refusal_correct.
func qaScores(t *testing.T, p *Pipeline, items []qaItem) (kwHit, refusal float64) {
	t.Helper()
	var kwN, kwOK, unN, unOK int
	for _, it := range items {
		a, err := p.Answer(t.Context(), rag.Request{Collection: "hts", Question: it.Question}, nil)
		if err != nil {
			t.Fatalf("%s: %v", it.ID, err)
		}
		cands, _ := p.rank(t.Context(), a.Query, a.Retrieved)
		ok := false
		if it.Answerable {
			kwN++
			ok = !a.Refused && containsAll(a.Text, it.AnswerKeywords)
			if ok {
				kwOK++
			}
		} else {
			unN++
			ok = a.Refused
			if ok {
				unOK++
			}
		}
		t.Logf("%-4s ok=%-5v rel=%.3f refused=%-5v %s", it.ID, ok, bestRelevance(cands), a.Refused, clip(a.Text, 160))
	}
	return float64(kwOK) / float64(max(kwN, 1)), float64(unOK) / float64(max(unN, 1))
}

func TestQAExtractiveHTS(t *testing.T) {
	article := sharedCorpus(t, "hts-and-al-qaeda.txt")
	items := readQA(t, filepath.Join("testdata", "qa-hts.jsonl"))
	var answerable, unanswerable int
	for _, it := range items {
		if it.Answerable {
			answerable++
		} else {
			unanswerable++
		}
	}
	if len(items) < 30 || unanswerable < 6 {
		t.Fatalf("QA set has %d questions, %d unanswerable; want at least 30 and 6", len(items), unanswerable)
	}
	ret := newMemRetriever(chunkText("HTS and al-Qaeda", "hts-and-al-qaeda.txt", article, 3))
	p, err := New(Config{Retriever: ret, Embedder: hashEmbedder{dim: 512}})
	if err != nil {
		t.Fatal(err)
	}
	kw, ref := qaScores(t, p, items)
	t.Logf("answerable=%d unanswerable=%d keyword_hit=%.3f refusal_correct=%.3f", answerable, unanswerable, kw, ref)
	if kw < 0.8 || ref < 0.8 {
		t.Errorf("keyword_hit=%.3f refusal_correct=%.3f; want both >= 0.8", kw, ref)
	}
}
