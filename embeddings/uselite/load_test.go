package uselite

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeModelDir writes files named like the model's, with the pinned sizes
// (sparse zeros) except where size overrides them.
func fakeModelDir(t *testing.T, sizes map[string]int64) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range manifest {
		size, ok := sizes[f.name]
		if !ok {
			size = f.size
		}
		if size < 0 {
			continue
		}
		fh, err := os.Create(filepath.Join(dir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		if err := fh.Truncate(size); err != nil {
			t.Fatal(err)
		}
		if err := fh.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// copyModelDir links the real model files into a temp dir, then applies
// damage to one file.
func copyModelDir(t *testing.T, damage func(path string) error) string {
	t.Helper()
	src := testModelDir(t)
	dir := t.TempDir()
	for _, f := range manifest {
		data, err := os.ReadFile(filepath.Join(src, f.name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := damage(filepath.Join(dir, "group1-shard3of7")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadBadModelFiles(t *testing.T) {
	tests := []struct {
		name    string
		dir     func(t *testing.T) string
		wantMsg string
	}{
		{"missing dir", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope") }, "directory"},
		{"missing shard", func(t *testing.T) string { return fakeModelDir(t, map[string]int64{"group1-shard5of7": -1}) }, "file not found"},
		{"truncated fake shard", func(t *testing.T) string { return fakeModelDir(t, map[string]int64{"model.json": 10}) }, "size 10 bytes"},
		{"wrong checksum fake", func(t *testing.T) string { return fakeModelDir(t, nil) }, "sha256"},
		{"truncated real shard", func(t *testing.T) string {
			return copyModelDir(t, func(p string) error { return os.Truncate(p, 1000) })
		}, "size 1000 bytes"},
		{"altered real shard", func(t *testing.T) string {
			return copyModelDir(t, func(p string) error {
				f, err := os.OpenFile(p, os.O_WRONLY, 0)
				if err != nil {
					return err
				}
				if _, err := f.WriteAt([]byte{1, 2, 3, 4}, 4096); err != nil {
					return err
				}
				return f.Close()
			})
		}, "sha256"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Load(tc.dir(t))
			if err == nil || e != nil {
				t.Fatalf("Load = %v, %v; want an error", e, err)
			}
			if !errors.Is(err, ErrModelMissing) {
				t.Errorf("error %v does not wrap ErrModelMissing", err)
			}
			for _, want := range []string{tc.wantMsg, "make model", "scripts/fetch-model.sh"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestDefaultDir(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "CITEBOT_MODEL_DIR" {
				return v
			}
			return ""
		}
	}
	tests := []struct{ name, env, want string }{
		{"env set", "/opt/models/use", "/opt/models/use"},
		{"env empty", "", filepath.Join(".cache", "models", "use-lite-0.2.0")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DefaultDir(env(tc.env)); got != tc.want {
				t.Errorf("DefaultDir = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEncoderBasics(t *testing.T) {
	var logs bytes.Buffer
	e := loadTestEncoder(t, WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	if e.Name() != "use-lite-0.2.0" || e.Dim() != 512 || e.MaxTokens() != 128 {
		t.Errorf("Name, Dim, MaxTokens = %q, %d, %d", e.Name(), e.Dim(), e.MaxTokens())
	}
	secret := strings.Repeat("confidential words here ", 60)
	if _, err := e.Embed(context.Background(), []string{"short", secret}); err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(logs.Bytes(), &rec); err != nil {
		t.Fatalf("want exactly one JSON log record, got %q: %v", logs.String(), err)
	}
	if rec["msg"] != "uselite: input truncated to the model limit" || rec["index"] != 1.0 || rec["max_tokens"] != 128.0 {
		t.Errorf("log record %v", rec)
	}
	if strings.Contains(logs.String(), "confidential") {
		t.Error("the log record contains the input text")
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Embed(ctx, []string{"a", "b"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Embed with a cancelled context: err = %v", err)
	}
	if v, err := e.Embed(context.Background(), nil); err != nil || len(v) != 0 {
		t.Errorf("Embed(nil) = %v, %v", v, err)
	}
}
