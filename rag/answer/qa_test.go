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

// qaResult is one question's outcome with its best relevance, so that
// refusal thresholds can be swept without answering again.
type qaResult struct {
	item    qaItem
	rel     float64
	refused bool
	text    string
}

// qaRun answers every question with p.
func qaRun(t *testing.T, p *Pipeline, items []qaItem) []qaResult {
	t.Helper()
	out := make([]qaResult, len(items))
	for i, it := range items {
		a, err := p.Answer(t.Context(), rag.Request{Collection: "hts", Question: it.Question}, nil)
		if err != nil {
			t.Fatalf("%s: %v", it.ID, err)
		}
		cands, err := p.rank(t.Context(), a.Query, a.Retrieved)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = qaResult{item: it, rel: bestRelevance(cands), refused: a.Refused, text: a.Text}
	}
	return out
}

// qaMetrics scores results as refused below threshold (or as answered
// when threshold is negative): keyword_hit over answerable questions,
// refusal_correct over unanswerable ones.
func qaMetrics(rs []qaResult, threshold float64) (kwHit, refusal float64) {
	var kwN, kwOK, unN, unOK int
	for _, r := range rs {
		refused := r.refused
		if threshold >= 0 {
			refused = r.rel < threshold
		}
		if r.item.Answerable {
			kwN++
			if !refused && containsAll(r.text, r.item.AnswerKeywords) {
				kwOK++
			}
		} else {
			unN++
			if refused {
				unOK++
			}
		}
	}
	return float64(kwOK) / float64(max(kwN, 1)), float64(unOK) / float64(max(unN, 1))
}

// htsPipeline builds the extractive pipeline over the article.
func htsPipeline(t *testing.T, article string, emb Embedder, cfg Config) *Pipeline {
	t.Helper()
	cfg.Retriever = newMemRetriever(chunkText("HTS and al-Qaeda", "hts-and-al-qaeda.txt", article, 3))
	cfg.Embedder = emb
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestQAExtractiveHTS(t *testing.T) {
	article := sharedCorpus(t, "hts-and-al-qaeda.txt")
	items := readQA(t, filepath.Join("testdata", "qa-hts.jsonl"))
	var unanswerable int
	for _, it := range items {
		if !it.Answerable {
			unanswerable++
		}
	}
	if len(items) < 30 || unanswerable < 6 {
		t.Fatalf("QA set has %d questions, %d unanswerable; want at least 30 and 6", len(items), unanswerable)
	}
	rs := qaRun(t, htsPipeline(t, article, hashEmbedder{dim: 512}, hashTuned(Config{})), items)
	for _, r := range rs {
		t.Logf("%-4s rel=%.3f refused=%-5v %s", r.item.ID, r.rel, r.refused, clip(r.text, 120))
	}
	kw, ref := qaMetrics(rs, -1)
	t.Logf("questions=%d unanswerable=%d keyword_hit=%.3f refusal_correct=%.3f", len(items), unanswerable, kw, ref)
	if kw < 0.8 || ref < 0.8 {
		t.Errorf("keyword_hit=%.3f refusal_correct=%.3f; want both >= 0.8", kw, ref)
	}
}
