package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/citebot/citebot/rag/loader"
)

// expand turns the given sources into documents to load: directories are
// walked for supported files, files are made absolute, URLs kept. It
// returns the sources that cannot be read at all, and the folder entries
// the walks skipped.
func expand(ctx context.Context, sources []string) (items []string, fails, skips []Failure) {
	for _, src := range sources {
		if isURL(src) {
			items = append(items, src)
			continue
		}
		abs, err := filepath.Abs(src)
		if err != nil {
			fails = append(fails, Failure{Source: src, Err: err.Error()})
			continue
		}
		if _, err := os.Stat(abs); err != nil {
			fails = append(fails, Failure{Source: src, Err: fmt.Sprintf("cannot read: %v", unwrapPath(err))})
			continue
		}
		err = loader.Walk(ctx, abs, func(path string) error {
			items = append(items, path)
			return nil
		}, func(path string, reason error) {
			skips = append(skips, Failure{Source: path, Err: reason.Error()})
		})
		if err != nil {
			fails = append(fails, Failure{Source: src, Err: err.Error()})
		}
	}
	return items, fails, skips
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
