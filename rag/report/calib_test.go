package report

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/citebot/citebot/embeddings/uselite"
	"github.com/citebot/citebot/rag/store/faulttest"
)

// paraphrases reads testdata/paraphrases.txt: blocks of one need worded
// differently. It returns the questions and each one's block.
func paraphrases(t *testing.T) ([]string, []int) {
	t.Helper()
	f, err := os.Open("testdata/paraphrases.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var qs []string
	var block []int
	b, inBlock := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#"):
		case line == "":
			if inBlock {
				b++
			}
			inBlock = false
		default:
			qs, block, inBlock = append(qs, line), append(block, b), true
		}
	}
	return qs, block
}

// pairScores clusters the questions at threshold and returns pair
// precision (pairs grouped together that ask the same thing) and recall
// (pairs asking the same thing that were grouped together).
func pairScores(vecs [][]float32, block []int, threshold float64) (precision, recall float64) {
	in := make([]int, len(vecs))
	for g, members := range cluster(vecs, threshold) {
		for _, m := range members {
			in[m] = g
		}
	}
	var together, same, both int
	for i := range vecs {
		for j := i + 1; j < len(vecs); j++ {
			t, s := in[i] == in[j], block[i] == block[j]
			if t {
				together++
			}
			if s {
				same++
			}
			if t && s {
				both++
			}
		}
	}
	if together == 0 {
		return 1, 0
	}
	return float64(both) / float64(together), float64(both) / float64(same)
}

func localModel(t *testing.T) *uselite.Encoder {
	t.Helper()
	enc, err := uselite.Load(faulttest.ModelDir(t))
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// TestDefaultThresholdGroupsParaphrases holds the chosen threshold to its
// calibration: with the local model, questions grouped together mostly
// ask the same thing, and most paraphrases end up together.
func TestDefaultThresholdGroupsParaphrases(t *testing.T) {
	qs, block := paraphrases(t)
	vecs, err := localModel(t).Embed(t.Context(), qs)
	if err != nil {
		t.Fatal(err)
	}
	p, r := pairScores(vecs, block, DefaultThreshold)
	if p < 0.9 || r < 0.6 {
		t.Errorf("at %.2f: pair precision %.2f, recall %.2f; want >= 0.9 and >= 0.6", DefaultThreshold, p, r)
	}
}
