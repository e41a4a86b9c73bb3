package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/citebot/citebot/embeddings/uselite"
)

// modelDir is the local model's folder: --model-dir (CITEBOT_MODEL_DIR)
// when set, else the first of modelDirs that holds the model, so that the
// binary works from any directory. The error names every folder tried.
func (e *env) modelDir() (string, error) {
	if e.cfg.ModelDir != "" {
		return e.cfg.ModelDir, nil
	}
	dirs := modelDirs(e.io.Executable, e.io.Dir)
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "model.json")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("local embedding model: no model files in %s (run `make model` in the citebot repository, "+
		"or point --model-dir / CITEBOT_MODEL_DIR at the folder): %w", strings.Join(dirs, ", "), uselite.ErrModelMissing)
}

// modelDirs are where the model is looked for: beside the binary (bin/
// of the repository, where `make build` puts it, whose ../.cache/models
// `make model` fills), the working directory and its parents, and the
// per-user cache directory.
func modelDirs(executable, dir string) []string {
	rel := uselite.DefaultDir(func(string) string { return "" }) // .cache/models/use-lite-0.2.0
	var dirs []string
	add := func(d string) {
		for _, have := range dirs {
			if have == d {
				return
			}
		}
		dirs = append(dirs, d)
	}
	if executable != "" {
		if exe, err := filepath.EvalSymlinks(executable); err == nil {
			executable = exe
		}
		bin := filepath.Dir(executable)
		add(filepath.Join(bin, "..", rel))
		add(filepath.Join(bin, rel))
	}
	for d := dir; d != ""; d = filepath.Dir(d) {
		add(filepath.Join(d, rel))
		if filepath.Dir(d) == d {
			break
		}
	}
	if c, err := os.UserCacheDir(); err == nil {
		add(filepath.Join(c, "citebot", "models", filepath.Base(rel)))
	}
	return dirs
}

// binDir is the folder of the citebot binary ("" when unknown): the
// project's database and model are looked for beside it too.
func (e *env) binDir() string {
	exe := e.io.Executable
	if exe == "" {
		return ""
	}
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	return filepath.Dir(exe)
}
