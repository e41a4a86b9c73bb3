package loader

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// tree writes files (slash paths) under a new folder with content "x".
func tree(t *testing.T, files ...string) string {
	t.Helper()
	root := t.TempDir()
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// walked runs w from root and returns the files and skips it reported,
// relative to rel.
func walked(t *testing.T, w *walker, root, rel string) (files, skips []string) {
	t.Helper()
	w.fn = func(p string) error {
		r, _ := filepath.Rel(rel, p)
		files = append(files, filepath.ToSlash(r))
		return nil
	}
	w.skip = func(p string, reason error) {
		r, _ := filepath.Rel(rel, p)
		skips = append(skips, filepath.ToSlash(r)+": "+reason.Error())
	}
	if err := w.root(root); err != nil {
		t.Fatal(err)
	}
	return files, skips
}

func newWalker() *walker {
	return &walker{ctx: context.Background(), readDir: os.ReadDir, active: map[string]bool{}}
}

func TestWalk(t *testing.T) {
	root := tree(t, "a/b.md", "a/c.png", "c.txt", "d.PDF", ".hidden.md", ".git/x.md", "node_modules/y.html", "z/.cache/w.txt", "z/e.docx", "f.htm")
	files, skips := walked(t, newWalker(), root, root)
	if diff := cmp.Diff([]string{"a/b.md", "c.txt", "d.PDF", "f.htm", "z/e.docx"}, files); diff != "" || skips != nil {
		t.Errorf("walked files (-want +got):\n%s\nskips %v", diff, skips)
	}
	stop := errors.New("stop")
	if err := Walk(context.Background(), root, func(string) error { return stop }, nil); !errors.Is(err, stop) {
		t.Errorf("Walk did not return fn's error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Walk(ctx, root, func(string) error { return nil }, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Walk on a canceled context: %v", err)
	}
}

func TestWalkLinks(t *testing.T) {
	outside := tree(t, "secret.md")
	root := tree(t, "docs/a.md", "docs/sub/b.md", "docs/sub/other/c.md", "elsewhere/d.md")
	symlink(t, filepath.Join(root, "docs", "sub", "other", "c.md"), filepath.Join(root, "docs", "c-link.md"))
	symlink(t, filepath.Join(root, "docs", "sub", "other"), filepath.Join(root, "docs", "other-link"))
	symlink(t, filepath.Join(root, "elsewhere"), filepath.Join(root, "docs", "elsewhere"))
	symlink(t, filepath.Join(outside, "secret.md"), filepath.Join(root, "docs", "secret.md"))
	symlink(t, outside, filepath.Join(root, "docs", "outside"))
	symlink(t, filepath.Join(root, "docs"), filepath.Join(root, "docs", "sub", "loop"))
	symlink(t, filepath.Join(root, "missing.md"), filepath.Join(root, "docs", "broken.md"))
	rootLink := filepath.Join(t.TempDir(), "linked-root")
	symlink(t, root, rootLink)

	files, skips := walked(t, newWalker(), filepath.Join(root, "docs"), filepath.Join(root, "docs"))
	wantFiles := []string{"a.md", "c-link.md", "other-link/c.md", "sub/b.md", "sub/other/c.md"}
	wantSkips := []string{"broken.md: no such file or directory", "elsewhere: " + ErrOutsideRoot.Error(), "outside: " + ErrOutsideRoot.Error(),
		"secret.md: " + ErrOutsideRoot.Error(), "sub/loop: " + ErrLinkLoop.Error()}
	if diff := cmp.Diff(wantFiles, files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantSkips, skips); diff != "" {
		t.Errorf("skips (-want +got):\n%s", diff)
	}
	t.Run("symlinked root", func(t *testing.T) {
		files, _ := walked(t, newWalker(), rootLink, rootLink)
		if len(files) == 0 || files[0] != "docs/a.md" {
			t.Errorf("files under a linked root: %v", files)
		}
	})
}

// TestWalkUnreadable: a folder that cannot be read is skipped with its
// reason and the rest is walked. Read errors are injected, because the
// tests may run as root, who reads every folder.
func TestWalkUnreadable(t *testing.T) {
	root := tree(t, "a/x.md", "locked/y.md", "z.md")
	w := newWalker()
	w.readDir = func(p string) ([]fs.DirEntry, error) {
		if filepath.Base(p) == "locked" {
			return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrPermission}
		}
		return os.ReadDir(p)
	}
	files, skips := walked(t, w, root, root)
	if diff := cmp.Diff([]string{"a/x.md", "z.md"}, files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"locked: permission denied"}, skips); diff != "" {
		t.Errorf("skips (-want +got):\n%s", diff)
	}
}
