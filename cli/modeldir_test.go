package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citebot/citebot/embeddings/uselite"
)

// TestModelDir: the model is found beside the binary or above the working
// directory, whichever directory the command runs in, and the error names
// every folder it tried.
func TestModelDir(t *testing.T) {
	repo := t.TempDir()
	model := filepath.Join(repo, ".cache", "models", "use-lite-0.2.0")
	os.MkdirAll(model, 0o755)
	os.WriteFile(filepath.Join(model, "model.json"), []byte("{}"), 0o644)
	os.MkdirAll(filepath.Join(repo, "bin"), 0o755)
	os.MkdirAll(filepath.Join(repo, "docs", "deep"), 0o755)
	elsewhere := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	tests := []struct {
		name, exe, dir, flag, want string
	}{
		{"beside the binary, from another directory", filepath.Join(repo, "bin", "citebot"), elsewhere, "", model},
		{"above the working directory", "", filepath.Join(repo, "docs", "deep"), "", model},
		{"the flag wins", filepath.Join(repo, "bin", "citebot"), elsewhere, "/opt/model", "/opt/model"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &env{io: IO{Executable: tc.exe, Dir: tc.dir}, cfg: Config{ModelDir: tc.flag}}
			got, err := e.modelDir()
			if err != nil || got != tc.want {
				t.Errorf("modelDir = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	t.Run("nowhere", func(t *testing.T) {
		e := &env{io: IO{Executable: filepath.Join(elsewhere, "citebot"), Dir: elsewhere}}
		_, err := e.modelDir()
		if !errors.Is(err, uselite.ErrModelMissing) {
			t.Fatalf("err = %v, want ErrModelMissing", err)
		}
		for _, want := range []string{filepath.Join(elsewhere, ".cache", "models", "use-lite-0.2.0"), "make model", "CITEBOT_MODEL_DIR"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
	})
}
