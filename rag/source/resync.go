package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/citebot/citebot/rag/ingest"
)

// UntrackedLister lists documents no remembered source accounts for.
type UntrackedLister interface {
	UntrackedDocuments(ctx context.Context, collection string) ([]string, error)
}

// Resync brings a whole collection up to date: its remembered sources are
// synced, and documents stored before sources were remembered are read
// again from their file or URL, those whose file is gone removed.
// Documents of any other origin (uploads) are kept as they are.
func (r *Runner) Resync(ctx context.Context, untracked UntrackedLister, collection string, progress func(Progress)) (Summary, error) {
	sum, err := r.Sync(ctx, collection, progress)
	if err != nil {
		return sum, err
	}
	docs, err := untracked.UntrackedDocuments(ctx, collection)
	if err != nil {
		return sum, err
	}
	var again []string
	res := Result{Collection: collection, Kind: "untracked"}
	for _, d := range docs {
		web := strings.HasPrefix(d, "http://") || strings.HasPrefix(d, "https://")
		if !web && !filepath.IsAbs(d) {
			continue
		}
		if _, err := os.Stat(d); !web && errors.Is(err, os.ErrNotExist) {
			found, err := r.store.DeleteDocument(ctx, collection, d)
			if err != nil {
				return sum, err
			}
			if found {
				res.Removed++
			}
			continue
		}
		again = append(again, d)
	}
	if len(again) > 0 {
		in, err := r.in.Ingest(ctx, collection, again, ingest.Options{})
		if err != nil {
			return sum, err
		}
		res.Added, res.Changed, res.Unchanged, res.Failures = in.Added, in.Updated, in.Unchanged, in.Failures
	}
	res.Failed = len(res.Failures)
	if len(again) > 0 || res.Removed > 0 {
		sum.Added += res.Added
		sum.Changed += res.Changed
		sum.Unchanged += res.Unchanged
		sum.Removed += res.Removed
		sum.Failed += res.Failed
		sum.Sources = append(sum.Sources, res)
	}
	return sum, nil
}
