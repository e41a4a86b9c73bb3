package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/citebot/citebot/rag/eval"
	"github.com/citebot/citebot/rag/store/faulttest"
)

// sharedCorpus is the material in ../shared beside the repository.
const sharedCorpus = "../../shared/corpus"

// BenchmarkQAWithDistractors ingests the material and 1,000 unrelated
// documents into one collection and evaluates retrieval and answers on
// the project's own QA set about the material.
func BenchmarkQAWithDistractors(b *testing.B) {
	if _, err := os.Stat(sharedCorpus); err != nil {
		b.Skip("../shared/corpus is absent")
	}
	if dbURL == "" {
		b.Skip("no database")
	}
	env := map[string]string{"DATABASE_URL": dbURL, "CITEBOT_MODEL_DIR": faulttest.ModelDir(b), "CITEBOT_LOG_LEVEL": "warn"}
	dir := b.TempDir()
	for i, d := range eval.Distractors(1000, 11) {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("distractor-%04d.md", i)), []byte("# "+d.Title+"\n\n"+d.Text), 0o644)
	}
	const coll = "bench-qa-distractors"
	qa := "../rag/answer/testdata/qa-hts.jsonl"
	for b.Loop() {
		if r := run(b, env, "ingest", "--collection", coll, sharedCorpus, dir); r.err != nil {
			b.Fatalf("ingest: %v\n%s", r.err, r.stderr)
		}
		for _, kind := range []string{"retrieval", "answers"} {
			r := run(b, env, "eval", kind, "--collection", coll, "--qa", qa, "--json")
			if r.err != nil {
				b.Fatalf("eval %s: %v\n%s", kind, r.err, r.stderr)
			}
			var m map[string]float64
			if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
				b.Fatal(err)
			}
			for k, v := range m {
				if k != "questions" {
					b.ReportMetric(v, k)
				}
			}
		}
	}
}
