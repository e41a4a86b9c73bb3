//go:build calibrate

package answer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/citebot/citebot/embeddings/uselite"
)

// TestCalibrationUSELite sweeps the thresholds with the local model. It
// is behind the "calibrate" build tag so that the package's tests do not
// depend on the model: go test -tags calibrate -run CalibrationUSELite -v
func TestCalibrationUSELite(t *testing.T) {
	dir := uselite.DefaultDir(os.Getenv)
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", "..", dir)
	}
	enc, err := uselite.Load(dir)
	if err != nil {
		t.Skipf("local model not available: %v", err)
	}
	t.Log("\n" + calibrationReport(t, enc.Name(), enc))
	article := sharedCorpus(t, "hts-and-al-qaeda.txt")
	items := readQA(t, filepath.Join("testdata", "qa-hts.jsonl"))
	kw, ref := qaMetrics(qaRun(t, htsPipeline(t, article, enc, Config{}), items), -1)
	d := DefaultConfig()
	scores := claimScores(t, enc, chunkText("HTS and al-Qaeda", "hts-and-al-qaeda.txt", article, 3))
	tpr, _ := supportAccuracy(scores, d.MinLexicalSupport, d.MinEmbeddingSupport)
	fa := unsupportedAccepted(scores, d.MinLexicalSupport, d.MinEmbeddingSupport)
	t.Logf("defaults: keyword_hit=%.3f refusal_correct=%.3f supported_accepted=%.3f unsupported_claims_accepted=%.3f", kw, ref, tpr, fa)
	if kw < 0.8 || ref < 0.8 || tpr < 0.8 {
		t.Errorf("keyword_hit=%.3f refusal_correct=%.3f supported_accepted=%.3f; want each >= 0.8", kw, ref, tpr)
	}
}
