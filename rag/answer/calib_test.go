package answer

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citebot/citebot/rag"
)

// claimItem is one line of testdata/claims-hts.jsonl: a claim about the
// article and, when it is supported, a substring of the passage that
// supports it.
type claimItem struct {
	ID        string `json:"id"`
	Claim     string `json:"claim"`
	Support   string `json:"support"`
	Supported bool   `json:"supported"`
}

func readClaims(t *testing.T) []claimItem {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "claims-hts.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []claimItem
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c claimItem
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// claimScore is a claim's lexical and embedding support from one passage.
type claimScore struct {
	item     claimItem
	lex, emb float64
	right    bool // the passage is the one that supports the claim
}

// claimScores scores each supported claim against its own passage and
// against the best other one, and each unsupported claim against every
// passage.
func claimScores(t *testing.T, emb Embedder, chunks []rag.Passage) []claimScore {
	t.Helper()
	p, err := New(Config{Retriever: &fakeRetriever{}, Embedder: emb})
	if err != nil {
		t.Fatal(err)
	}
	claims := readClaims(t)
	fold := newFolder(passageAcronyms(chunks)).fold
	texts := make([]string, len(claims))
	for i, c := range claims {
		texts[i] = c.Claim
	}
	sup, vecs, err := p.supportData(t.Context(), texts, chunks, fold)
	if err != nil {
		t.Fatal(err)
	}
	var out []claimScore
	for i, c := range claims {
		terms := contentTerms(fold(c.Claim))
		for j, ch := range chunks {
			lex := coverage(terms, sup[j].terms)
			e := 0.0
			for _, v := range sup[j].vecs {
				e = max(e, cosine(vecs[i], v))
			}
			right := c.Supported && strings.Contains(ch.Text, c.Support)
			out = append(out, claimScore{item: c, lex: lex, emb: e, right: right})
		}
	}
	return out
}

// supportAccuracy counts, at the given thresholds, supported claims
// accepted by their own passage, and wrong pairs (an unsupported claim, or
// a supported claim with another passage) accepted.
func supportAccuracy(scores []claimScore, lex, emb float64) (tpr, fpr float64) {
	accepted := map[string]bool{}
	var wrong, wrongOK, claims int
	for _, s := range scores {
		ok := s.lex >= lex && s.emb >= emb
		switch {
		case s.right:
			accepted[s.item.ID] = accepted[s.item.ID] || ok
		case !s.item.Supported:
			wrong++
			if ok {
				wrongOK++
			}
		}
	}
	seen := map[string]bool{}
	for _, s := range scores {
		if s.item.Supported && !seen[s.item.ID] {
			seen[s.item.ID] = true
			claims++
		}
	}
	hit := 0
	for _, ok := range accepted {
		if ok {
			hit++
		}
	}
	return float64(hit) / float64(max(claims, 1)), float64(wrongOK) / float64(max(wrong, 1))
}

// unsupportedAccepted is the share of unsupported claims that some passage
// would be taken to support.
func unsupportedAccepted(scores []claimScore, lex, emb float64) float64 {
	acc := map[string]bool{}
	ids := map[string]bool{}
	for _, s := range scores {
		if s.item.Supported {
			continue
		}
		ids[s.item.ID] = true
		acc[s.item.ID] = acc[s.item.ID] || (s.lex >= lex && s.emb >= emb)
	}
	n := 0
	for _, ok := range acc {
		if ok {
			n++
		}
	}
	return float64(n) / float64(max(len(ids), 1))
}

// calibrationReport sweeps the refusal and support thresholds for emb and
// returns the tables docs/answers.md quotes.
func calibrationReport(t *testing.T, name string, emb Embedder) string {
	t.Helper()
	article := sharedCorpus(t, "hts-and-al-qaeda.txt")
	items := readQA(t, filepath.Join("testdata", "qa-hts.jsonl"))
	var b strings.Builder
	fmt.Fprintf(&b, "embedder %s\n\nrelevance by question (answerable ones first):\n", name)
	rs := qaRun(t, htsPipeline(t, article, emb, Config{MinRelevance: 1e-9}), items)
	for _, r := range rs {
		fmt.Fprintf(&b, "  %-4s answerable=%-5v rel=%.3f keywords=%v\n", r.item.ID, r.item.Answerable, r.rel, r.item.Answerable && containsAll(r.text, r.item.AnswerKeywords))
	}
	b.WriteString("\nweight  MinRelevance  keyword_hit  refusal_correct\n")
	for _, w := range []float64{0.2, 0.35, 0.5, 0.65} {
		rs := qaRun(t, htsPipeline(t, article, emb, Config{MinRelevance: 1e-9, RelevanceEmbeddingWeight: w}), items)
		for thr := 0.30; thr <= 0.701; thr += 0.02 {
			kw, ref := qaMetrics(rs, thr)
			fmt.Fprintf(&b, "  %.2f  %.2f         %.3f        %.3f\n", w, thr, kw, ref)
		}
	}
	scores := claimScores(t, emb, chunkText("HTS and al-Qaeda", "hts-and-al-qaeda.txt", article, 3))
	b.WriteString("\nsupport: lex emb  supported_accepted  unsupported_pairs_accepted  unsupported_claims_accepted\n")
	for _, lex := range []float64{0.3, 0.4, 0.5, 0.6} {
		for emb := 0.3; emb <= 0.801; emb += 0.05 {
			tpr, fpr := supportAccuracy(scores, lex, emb)
			fmt.Fprintf(&b, "  %.2f %.2f   %.3f   %.3f   %.3f\n", lex, emb, tpr, fpr, unsupportedAccepted(scores, lex, emb))
		}
	}
	return b.String()
}

func TestCalibrationHash(t *testing.T) {
	report := calibrationReport(t, "hash-bow-512", hashEmbedder{dim: 512})
	t.Log("\n" + report)
	article := sharedCorpus(t, "hts-and-al-qaeda.txt")
	scores := claimScores(t, hashEmbedder{dim: 512}, chunkText("HTS and al-Qaeda", "hts-and-al-qaeda.txt", article, 3))
	d := hashTuned(DefaultConfig())
	tpr, _ := supportAccuracy(scores, d.MinLexicalSupport, d.MinEmbeddingSupport)
	fa := unsupportedAccepted(scores, d.MinLexicalSupport, d.MinEmbeddingSupport)
	t.Logf("defaults lex=%.2f emb=%.2f: supported_accepted=%.3f unsupported_claims_accepted=%.3f", d.MinLexicalSupport, d.MinEmbeddingSupport, tpr, fa)
	if tpr < 0.8 {
		t.Errorf("only %.3f of supported claims accepted at the default thresholds", tpr)
	}
}
