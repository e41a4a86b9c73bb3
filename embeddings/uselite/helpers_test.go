package uselite

import (
	"os"
	"path/filepath"
	"testing"
)

// testModelDir finds the model files: $CITEBOT_MODEL_DIR, else
// .cache/models/use-lite-0.2.0 at the repository root (found by walking up
// to go.mod). Without them the test is skipped locally and fails in CI.
func testModelDir(t testing.TB) string {
	t.Helper()
	dir := DefaultDir(os.Getenv)
	if !filepath.IsAbs(dir) {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for root := wd; ; root = filepath.Dir(root) {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				dir = filepath.Join(root, dir)
				break
			}
			if filepath.Dir(root) == root {
				break
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "model.json")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("model files not found in %s (CI must run scripts/fetch-model.sh first): %v", dir, err)
		}
		t.Skipf("model files not found in %s; run scripts/fetch-model.sh", dir)
	}
	return dir
}

// loadTestEncoder loads the model or skips (fails in CI) without it.
func loadTestEncoder(t testing.TB, opts ...Option) *Encoder {
	t.Helper()
	e, err := Load(testModelDir(t), opts...)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return e
}
