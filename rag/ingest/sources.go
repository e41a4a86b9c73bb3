package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/citebot/citebot/rag/loader"
)

// expand turns the given sources into documents to load: directories are
// walked for supported files, files are made absolute, URLs kept.
func expand(ctx context.Context, sources []string) ([]string, []Failure) {
	var items []string
	var fails []Failure
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
		fi, err := os.Stat(abs)
		if err != nil {
			fails = append(fails, Failure{Source: src, Err: fmt.Sprintf("cannot read: %v", unwrapPath(err))})
			continue
		}
		if !fi.IsDir() {
			items = append(items, abs)
			continue
		}
		err = loader.Walk(ctx, abs, func(path string) error {
			items = append(items, path)
			return nil
		})
		if err != nil {
			fails = append(fails, Failure{Source: src, Err: err.Error()})
		}
	}
	return items, fails
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// loadSource loads one file or URL.
func loadSource(ctx context.Context, src string, opts loader.Options) (*loader.Document, error) {
	if isURL(src) {
		return loader.LoadURL(ctx, src, opts)
	}
	return loader.LoadFile(ctx, src, opts)
}
