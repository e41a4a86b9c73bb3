package loader

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Reasons Walk gives for entries it skips.
var (
	// ErrOutsideRoot means a symbolic link points out of the folder walked.
	ErrOutsideRoot = errors.New("link points outside the folder")
	// ErrLinkLoop means a symbolic link leads back to a folder it is in.
	ErrLinkLoop = errors.New("link loop")
)

// Walk calls fn with the path of every supported file under root, in
// lexical order, skipping hidden files and directories and node_modules.
// A root that is a file is passed to fn as it is; a root that is a link to
// a folder is walked. Symbolic links inside are followed while they stay
// within the root's real folder; a link out of it, a link loop or a folder
// that cannot be read is passed to skip with the reason, and the walk goes
// on. Walk stops at the first error from fn, or when ctx is done.
func Walk(ctx context.Context, root string, fn func(path string) error, skip func(path string, reason error)) error {
	w := &walker{ctx: ctx, fn: fn, skip: skip, readDir: os.ReadDir, active: map[string]bool{}}
	return w.root(root)
}

// walker is the state of one Walk; readDir is replaced by tests.
type walker struct {
	ctx     context.Context
	fn      func(string) error
	skip    func(string, error)
	readDir func(string) ([]fs.DirEntry, error)
	real    string          // the root's real path
	active  map[string]bool // real paths of the folders being walked
}

func (w *walker) root(root string) error {
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("walk %s: %w", root, err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return fmt.Errorf("walk %s: %w", root, err)
	}
	if !fi.IsDir() {
		return w.fn(root)
	}
	w.real = real
	return w.dir(root, real)
}

// dir walks the folder at path, whose real path is real.
func (w *walker) dir(path, real string) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	entries, err := w.readDir(path)
	if err != nil {
		w.skip(path, unwrapPathError(err))
		return nil
	}
	w.active[real] = true
	defer delete(w.active, real)
	for _, d := range entries {
		name := d.Name()
		if strings.HasPrefix(name, ".") || name == "node_modules" && d.IsDir() {
			continue
		}
		if err := w.entry(filepath.Join(path, name), filepath.Join(real, name), d); err != nil {
			return err
		}
	}
	return nil
}

// entry handles one folder entry: a folder, a supported file or a link.
func (w *walker) entry(path, real string, d fs.DirEntry) error {
	switch {
	case d.IsDir():
		return w.dir(path, real)
	case d.Type().IsRegular():
		if Supported(d.Name()) {
			return w.fn(path)
		}
		return nil
	case d.Type()&fs.ModeSymlink == 0:
		return nil // sockets, devices, pipes
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		w.skip(path, unwrapPathError(err))
		return nil
	}
	if rel, err := filepath.Rel(w.real, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		w.skip(path, ErrOutsideRoot)
		return nil
	}
	fi, err := os.Stat(target)
	switch {
	case err != nil:
		w.skip(path, unwrapPathError(err))
	case fi.IsDir() && w.active[target]:
		w.skip(path, ErrLinkLoop)
	case fi.IsDir():
		return w.dir(path, target)
	case fi.Mode().IsRegular() && Supported(d.Name()):
		return w.fn(path)
	}
	return nil
}

// unwrapPathError drops the path an *fs.PathError repeats.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
