package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/source"
	"github.com/citebot/citebot/rag/store"
)

// checkPaths fails, before anything changes, when a local source does not
// exist: with --exact it would otherwise empty the collection of it.
func checkPaths(dir string, paths []string) error {
	for _, src := range paths {
		p := src
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if _, err := os.Stat(p); err != nil {
			return &UsageError{Msg: fmt.Sprintf("ingest --exact: cannot read %s (%v); nothing was changed", src, errors.Unwrap(err))}
		}
	}
	return nil
}

// sourceKey identifies a remembered source.
func sourceKey(kind, location string) string { return kind + "\x00" + location }

// exactOptions are the options of the files-and-folders part of ingest
// --exact: remove every document that neither it nor specs (already read)
// yielded.
func (e *env) exactOptions(ctx context.Context, st *store.Store, specs []source.Spec) (ingest.Options, error) {
	opt := ingest.Options{Exact: true, Keep: map[string]bool{}}
	want := map[string]bool{}
	for _, sp := range specs {
		want[sourceKey(sp.Kind, sp.Location)] = true
	}
	srcs, err := st.SyncSources(ctx, e.cfg.Collection)
	if err != nil {
		return opt, err
	}
	for _, s := range srcs {
		if !want[sourceKey(s.Kind, s.Location)] {
			continue
		}
		items, err := st.SourceItems(ctx, s.ID)
		if err != nil {
			return opt, err
		}
		for _, it := range items {
			if it.Document != "" {
				opt.Keep[it.Document] = true
			}
		}
	}
	return opt, nil
}

// forgetOtherSources forgets the remembered sources of the collection that
// this ingest --exact did not name, so that sync does not bring back what
// it removed.
func (e *env) forgetOtherSources(ctx context.Context, st *store.Store, paths []string, specs []source.Spec) error {
	keep := map[string]bool{}
	for _, p := range paths {
		if abs, err := filepath.Abs(p); err == nil {
			keep[sourceKey(store.SourceKindPath, abs)] = true
		}
	}
	for _, sp := range specs {
		keep[sourceKey(sp.Kind, sp.Location)] = true
	}
	srcs, err := st.SyncSources(ctx, e.cfg.Collection)
	if err != nil {
		return err
	}
	var forgot []string
	for _, s := range srcs {
		if keep[sourceKey(s.Kind, s.Location)] {
			continue
		}
		if err := st.DeleteSource(ctx, s.ID); err != nil {
			return err
		}
		forgot = append(forgot, s.Location)
	}
	if len(forgot) > 0 {
		fmt.Fprintf(e.io.Stdout, "no longer synced: %s\n", strings.Join(forgot, ", "))
	}
	return nil
}
