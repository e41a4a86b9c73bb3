package faulttest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// ModelDir finds the local model: $CITEBOT_MODEL_DIR, else
// .cache/models/use-lite-0.2.0 found by walking up from the working
// directory. Without it the test is skipped, or fails under CI.
func ModelDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("CITEBOT_MODEL_DIR"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		m := filepath.Join(d, ".cache", "models", "use-lite-0.2.0")
		if _, err := os.Stat(filepath.Join(m, "model.json")); err == nil {
			return m
		}
		if filepath.Dir(d) == d {
			SkipOrFail(t, "no local model in .cache/models/use-lite-0.2.0 (run `make model`)")
			return ""
		}
	}
}

// buildTimeout bounds building the binary on a loaded machine.
const buildTimeout = 10 * time.Minute

// Binary builds citebot into the test's temporary folder and returns its
// path.
func Binary(t testing.TB) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	out := filepath.Join(t.TempDir(), "citebot")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, "github.com/citebot/citebot")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}
