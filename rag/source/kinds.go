package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/loader"
	"github.com/citebot/citebot/rag/store"
)

// syncPath ingests a file or folder again and removes the documents of
// files gone from under it. A missing root fails the source.
func (r *Runner) syncPath(ctx context.Context, src store.Source, res *Result, read func(string)) error {
	if _, err := os.Stat(src.Location); err != nil {
		return fmt.Errorf("read %s: %w", src.Location, err)
	}
	sum, err := r.in.Ingest(ctx, src.Collection, []string{src.Location}, ingest.Options{
		Progress: func(p ingest.Progress) { read(p.Source) }})
	if err != nil {
		return err
	}
	res.Added, res.Changed, res.Unchanged = sum.Added, sum.Updated, sum.Unchanged
	res.Failures = append(res.Failures, sum.Failures...)
	docs, err := r.underPath(ctx, src)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			continue
		}
		found, err := r.store.DeleteDocument(ctx, src.Collection, d)
		if err != nil {
			return err
		}
		if found {
			res.Removed++
		}
	}
	return nil
}

// underPath lists the collection's documents that are the path source's
// file or lie under its folder.
func (r *Runner) underPath(ctx context.Context, src store.Source) ([]string, error) {
	docs, err := r.store.DocumentSources(ctx, src.Collection, src.Location)
	if err != nil {
		return nil, err
	}
	prefix := strings.TrimSuffix(src.Location, string(filepath.Separator)) + string(filepath.Separator)
	return slices.DeleteFunc(docs, func(d string) bool { return d != src.Location && !strings.HasPrefix(d, prefix) }), nil
}

// syncSite fetches a URL source's page, or a crawl source's site, with
// conditional requests, and stores what changed.
func (r *Runner) syncSite(ctx context.Context, src store.Source, res *Result, read func(string)) error {
	var opts CrawlOptions
	if len(src.Options) > 0 {
		if err := json.Unmarshal(src.Options, &opts); err != nil {
			return fmt.Errorf("crawl options: %w", err)
		}
	}
	c, err := newCrawler(fetchLocation(src), opts, src.Kind == store.SourceKindURL, r.cfg.Loader, &r.hosts)
	if err != nil {
		return err
	}
	known, err := r.store.SourceItems(ctx, src.ID)
	if err != nil {
		return err
	}
	var docs []*loader.Document
	var fresh []store.SourceItem
	fetched := 0
	var writeErr error
	err = c.crawl(ctx, known, func(p page) {
		defer read(p.key)
		switch {
		case p.err != nil:
			writeErr = errors.Join(writeErr, r.itemFailed(ctx, src, known, p.key, p.err, res))
		case p.alias:
			fetched++
			writeErr = errors.Join(writeErr, r.saveAlias(ctx, src, known[p.key], p.item, res))
		case p.notModified:
			fetched++
			res.Unchanged++
			writeErr = errors.Join(writeErr, r.store.SaveSourceItem(ctx, src.ID, p.item))
		default:
			fetched++
			docs, fresh = append(docs, p.doc), append(fresh, p.item)
		}
	})
	if err = errors.Join(err, writeErr); err != nil {
		return err
	}
	if fetched == 0 && len(res.Failures) > 0 {
		first := res.Failures[0].Err
		res.Failures = nil // reported once, as the source's failure
		return fmt.Errorf("no page could be read: %s", first)
	}
	sum, _, err := r.storeDocs(ctx, src, known, docs, fresh, res)
	res.Added += sum.Added
	res.Changed += sum.Updated
	res.Unchanged += sum.Unchanged
	return err
}

// saveAlias records a page that has no document of its own; if it had
// one before, that document goes.
func (r *Runner) saveAlias(ctx context.Context, src store.Source, old, it store.SourceItem, res *Result) error {
	if old.Document != "" {
		found, err := r.store.DeleteDocument(ctx, src.Collection, old.Document)
		if err != nil {
			return err
		}
		if found {
			res.Removed++
		}
	}
	return r.store.SaveSourceItem(ctx, src.ID, it)
}

// itemFailed reports a page or file that could not be read; one that
// failed pruneAfter syncs in a row is removed instead.
func (r *Runner) itemFailed(ctx context.Context, src store.Source, known map[string]store.SourceItem, key string, cause error, res *Result) error {
	old, ok := known[key]
	if !ok {
		res.Failures = append(res.Failures, ingest.Failure{Source: key, Err: cause.Error()})
		return nil
	}
	n, err := r.store.SourceItemFailed(ctx, src.ID, key)
	if err != nil {
		return err
	}
	if n < pruneAfter {
		res.Failures = append(res.Failures, ingest.Failure{Source: key, Err: cause.Error()})
		return nil
	}
	return r.removeItem(ctx, src, old, res)
}

func (r *Runner) removeItem(ctx context.Context, src store.Source, it store.SourceItem, res *Result) error {
	found, err := r.store.DeleteDocument(ctx, src.Collection, it.Document)
	if err != nil {
		return err
	}
	if found {
		res.Removed++
	}
	return r.store.DeleteSourceItem(ctx, src.ID, it.Key)
}

// storeDocs ingests the documents read and records their items; a
// document the ingester refused counts as a failed read of its item. It
// returns the ingest's summary and the items stored.
func (r *Runner) storeDocs(ctx context.Context, src store.Source, known map[string]store.SourceItem, docs []*loader.Document, fresh []store.SourceItem, res *Result) (ingest.Summary, []store.SourceItem, error) {
	if len(docs) == 0 {
		return ingest.Summary{}, nil, nil
	}
	sum, err := r.in.IngestDocuments(ctx, src.Collection, docs, ingest.Options{})
	if err != nil {
		return sum, nil, err
	}
	refused := map[string]string{}
	for _, f := range sum.Failures {
		refused[f.Source] = f.Err
	}
	var stored []store.SourceItem
	for _, it := range fresh {
		if msg, bad := refused[it.Document]; bad {
			if err := r.itemFailed(ctx, src, known, it.Key, errors.New(msg), res); err != nil {
				return sum, stored, err
			}
			continue
		}
		old, had := known[it.Key]
		if had && old.Document != it.Document {
			if _, err := r.store.DeleteDocument(ctx, src.Collection, old.Document); err != nil {
				return sum, stored, err
			}
		}
		if err := r.store.SaveSourceItem(ctx, src.ID, it); err != nil {
			return sum, stored, err
		}
		stored = append(stored, it)
	}
	return sum, stored, nil
}

// syncGit fetches a repository and ingests the files changed since the
// stored commit (all of them the first time); it returns the commit to
// store, or "" to keep the old one when some file failed.
func (r *Runner) syncGit(ctx context.Context, src store.Source, res *Result, read func(string)) (string, error) {
	rp, err := openRepo(ctx, fetchLocation(src), r.cfg.CacheDir, r.git, r.cfg.Loader.AllowPrivate)
	if err != nil {
		return "", err
	}
	head, err := rp.head(ctx)
	if err != nil {
		return "", err
	}
	known, err := r.store.SourceItems(ctx, src.ID)
	if err != nil {
		return "", err
	}
	if src.Revision == head {
		res.Unchanged = len(known)
		return head, nil
	}
	files, err := rp.files(ctx, head)
	if err != nil {
		return "", err
	}
	todo, err := r.gitTodo(ctx, rp, src.Revision, head, files, known)
	if err != nil {
		return "", err
	}
	res.Unchanged = len(known)
	var docs []*loader.Document
	var fresh []store.SourceItem
	for _, name := range todo {
		old, had := known[name]
		if had {
			res.Unchanged--
		}
		size, ok := files[name]
		if !ok {
			if had {
				if err := r.removeItem(ctx, src, old, res); err != nil {
					return "", err
				}
			}
			continue
		}
		doc, err := r.gitFile(ctx, rp, head, name, size)
		read(name)
		if err != nil {
			res.Failures = append(res.Failures, ingest.Failure{Source: name, Err: err.Error()})
			continue
		}
		docs, fresh = append(docs, doc), append(fresh, store.SourceItem{Key: name, Document: doc.Source})
	}
	return r.storeGit(ctx, src, known, docs, fresh, head, res)
}

// gitTodo lists the paths to look at: the diff since the stored commit
// when the repository still has it, else every file stored or present.
func (r *Runner) gitTodo(ctx context.Context, rp *repo, from, head string, files map[string]int64, known map[string]store.SourceItem) ([]string, error) {
	var todo []string
	if from != "" && rp.hasCommit(ctx, from) {
		changed, err := rp.changed(ctx, from, head)
		if err != nil {
			return nil, err
		}
		for _, name := range changed {
			if _, ok := files[name]; ok || known[name].Key != "" {
				todo = append(todo, name)
			}
		}
		return todo, nil
	}
	for name := range files {
		todo = append(todo, name)
	}
	for name := range known {
		if _, ok := files[name]; !ok {
			todo = append(todo, name)
		}
	}
	slices.Sort(todo)
	return todo, nil
}

// gitFile loads one file of the repository at commit, cited by its link.
func (r *Runner) gitFile(ctx context.Context, rp *repo, commit, name string, size int64) (*loader.Document, error) {
	limit := r.cfg.Loader.MaxBytes
	if limit <= 0 {
		limit = loader.DefaultMaxBytes
	}
	if size > limit {
		return nil, fmt.Errorf("%d bytes, over the %d-byte cap: %w", size, limit, loader.ErrTooLarge)
	}
	data, err := rp.read(ctx, commit, name)
	if err != nil {
		return nil, err
	}
	doc, err := loader.Load(ctx, name, bytes.NewReader(data), r.cfg.Loader)
	if err != nil {
		return nil, err
	}
	doc.Source = rp.link(commit, name)
	return doc, nil
}

// storeGit stores a repository's changed files, counting each as added
// or changed by whether its path was known. It returns head, or "" to
// keep the stored commit when some file failed, so that the next sync
// tries the same diff again.
func (r *Runner) storeGit(ctx context.Context, src store.Source, known map[string]store.SourceItem, docs []*loader.Document, fresh []store.SourceItem, head string, res *Result) (string, error) {
	_, stored, err := r.storeDocs(ctx, src, known, docs, fresh, res)
	if err != nil {
		return "", err
	}
	for _, it := range stored {
		if _, had := known[it.Key]; had {
			res.Changed++
		} else {
			res.Added++
		}
	}
	if len(res.Failures) > 0 {
		return "", nil
	}
	return head, nil
}
