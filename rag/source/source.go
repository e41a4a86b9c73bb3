// Package source keeps a collection in step with the places its documents
// came from: folders and files, single URLs, crawled sites and git
// repositories. Each source is remembered in the store; a sync reads them
// all again, pages with conditional requests (an unchanged page costs one
// 304) and repositories by the diff since the last ingested commit.
//
// Nothing is deleted on one error: a page, file or source that cannot be
// read is reported, and pruned only when two syncs in a row fail on it.
package source

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/loader"
	"github.com/citebot/citebot/rag/store"
)

// pruneAfter is how many consecutive failed syncs remove a page, a file
// or a whole source.
const pruneAfter = 2

// Store is what the runner remembers sources and deletes documents with.
type Store interface {
	SaveSource(ctx context.Context, collection, kind, location string, options json.RawMessage) (int64, error)
	SyncSources(ctx context.Context, collection string) ([]store.Source, error)
	SourceSynced(ctx context.Context, id int64, revision string) error
	SourceFailed(ctx context.Context, id int64, msg string) (int, error)
	DeleteSource(ctx context.Context, id int64) error
	SourceItems(ctx context.Context, sourceID int64) (map[string]store.SourceItem, error)
	SaveSourceItem(ctx context.Context, sourceID int64, it store.SourceItem) error
	SourceItemFailed(ctx context.Context, sourceID int64, key string) (int, error)
	DeleteSourceItem(ctx context.Context, sourceID int64, key string) error
	DeleteDocument(ctx context.Context, collection, source string) (bool, error)
	DocumentSources(ctx context.Context, collection, prefix string) ([]string, error)
}

// Ingester stores documents; *ingest.Ingester is one.
type Ingester interface {
	Ingest(ctx context.Context, collection string, sources []string, opt ingest.Options) (ingest.Summary, error)
	IngestDocuments(ctx context.Context, collection string, docs []*loader.Document, opt ingest.Options) (ingest.Summary, error)
}

// Config holds the runner's settings.
type Config struct {
	// Loader bounds every fetch and parse; AllowPrivate also lets git
	// reach private hosts.
	Loader loader.Options
	// CacheDir holds the mirror clones of remote repositories.
	CacheDir string
	// GitProtocols are the transports git may use; default https and http.
	GitProtocols []string
	Logger       *slog.Logger
}

// Runner adds and re-syncs sources.
type Runner struct {
	store Store
	in    Ingester
	cfg   Config
	git   gitRunner
	hosts hosts // one request at a time per host, across crawls
}

// New returns a Runner.
func New(s Store, in Ingester, cfg Config) *Runner {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if len(cfg.GitProtocols) == 0 {
		cfg.GitProtocols = []string{"https", "http"}
	}
	return &Runner{store: s, in: in, cfg: cfg, git: gitRunner{protocols: cfg.GitProtocols}}
}

// Spec names a source to add.
type Spec struct {
	// Kind is one of the store.SourceKind constants.
	Kind string
	// Location is an absolute path, a URL, or for a remote repository its
	// git+https:// URL.
	Location string
	// Crawl bounds a crawl; only for store.SourceKindCrawl.
	Crawl CrawlOptions
}

// Result is what a sync did to one source.
type Result struct {
	Collection string           `json:"collection"`
	Kind       string           `json:"kind"`
	Location   string           `json:"location"`
	Added      int              `json:"added"`
	Changed    int              `json:"changed"`
	Unchanged  int              `json:"unchanged"`
	Removed    int              `json:"removed"`
	Failed     int              `json:"failed"`
	Failures   []ingest.Failure `json:"failures,omitempty"`
	// Pruned is set when the source itself was removed after failing
	// pruneAfter syncs in a row.
	Pruned bool `json:"pruned,omitempty"`
}

// Summary adds up one run over several sources.
type Summary struct {
	Added     int           `json:"added"`
	Changed   int           `json:"changed"`
	Unchanged int           `json:"unchanged"`
	Removed   int           `json:"removed"`
	Failed    int           `json:"failed"`
	Sources   []Result      `json:"sources"`
	Elapsed   time.Duration `json:"elapsed_ns"`
}

// Progress is reported after each page or file a source reads, with
// Page set, and after each source, with its Result.
type Progress struct {
	// Done counts the sources finished of Total.
	Done, Total int
	// Page is the page, file or document just read; "" when a source is done.
	Page   string
	Result Result
}

// Add remembers the sources of collection and reads each of them now.
func (r *Runner) Add(ctx context.Context, collection string, specs []Spec, progress func(Progress)) (Summary, error) {
	var srcs []store.Source
	for _, sp := range specs {
		shown, fetch := splitLocation(sp.Kind, sp.Location)
		opts, err := sourceOptions(sp, fetch)
		if err != nil {
			return Summary{}, err
		}
		id, err := r.store.SaveSource(ctx, collection, sp.Kind, shown, opts)
		if err != nil {
			return Summary{}, err
		}
		srcs = append(srcs, store.Source{ID: id, Collection: collection, Kind: sp.Kind, Location: shown, Options: opts})
	}
	return r.run(ctx, srcs, progress)
}

// Remember records sources that were just read by other means (a folder
// ingested directly) as synced now.
func (r *Runner) Remember(ctx context.Context, collection string, specs []Spec) error {
	for _, sp := range specs {
		shown, fetch := splitLocation(sp.Kind, sp.Location)
		opts, err := sourceOptions(Spec{Kind: sp.Kind}, fetch)
		if err != nil {
			return err
		}
		id, err := r.store.SaveSource(ctx, collection, sp.Kind, shown, opts)
		if err != nil {
			return err
		}
		if err := r.store.SourceSynced(ctx, id, ""); err != nil {
			return err
		}
	}
	return nil
}

// Sync reads every source of collection again, or of every collection
// when it is empty.
func (r *Runner) Sync(ctx context.Context, collection string, progress func(Progress)) (Summary, error) {
	srcs, err := r.store.SyncSources(ctx, collection)
	if err != nil {
		return Summary{}, err
	}
	return r.run(ctx, srcs, progress)
}

func (r *Runner) run(ctx context.Context, srcs []store.Source, progress func(Progress)) (Summary, error) {
	start := time.Now()
	var sum Summary
	for i, src := range srcs {
		read := func(p string) {
			if progress != nil {
				progress(Progress{Done: i, Total: len(srcs), Page: p,
					Result: Result{Collection: src.Collection, Kind: src.Kind, Location: src.Location}})
			}
		}
		res := r.syncOne(ctx, src, read)
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		sum.Added += res.Added
		sum.Changed += res.Changed
		sum.Unchanged += res.Unchanged
		sum.Removed += res.Removed
		sum.Failed += res.Failed
		sum.Sources = append(sum.Sources, res)
		if progress != nil {
			progress(Progress{Done: i + 1, Total: len(srcs), Result: res})
		}
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
}

// syncOne reads one source; a source that cannot be read at all is
// counted as failed and, the second time in a row, pruned.
// read is told of each page or file read.
func (r *Runner) syncOne(ctx context.Context, src store.Source, read func(string)) Result {
	res := Result{Collection: src.Collection, Kind: src.Kind, Location: src.Location}
	var rev string
	var err error
	switch src.Kind {
	case store.SourceKindPath:
		err = r.syncPath(ctx, src, &res, read)
	case store.SourceKindURL, store.SourceKindCrawl:
		err = r.syncSite(ctx, src, &res, read)
	case store.SourceKindGit:
		rev, err = r.syncGit(ctx, src, &res, read)
	}
	if err == nil {
		err = r.store.SourceSynced(ctx, src.ID, rev)
	} else if ctx.Err() == nil {
		r.sourceFailed(ctx, src, &res, err)
	}
	hideCredentials(&res)
	if err != nil && ctx.Err() == nil && len(res.Failures) > 0 {
		r.cfg.Logger.WarnContext(ctx, "sync source failed", slog.String("collection", src.Collection),
			slog.String("kind", src.Kind), slog.String("location", res.Location), slog.String("err", res.Failures[len(res.Failures)-1].Err))
	}
	res.Failed = len(res.Failures)
	r.cfg.Logger.InfoContext(ctx, "sync source", slog.String("collection", src.Collection),
		slog.String("kind", src.Kind), slog.String("location", res.Location), slog.Int("added", res.Added),
		slog.Int("changed", res.Changed), slog.Int("unchanged", res.Unchanged), slog.Int("removed", res.Removed),
		slog.Int("failed", len(res.Failures)))
	return res
}

// hideCredentials removes the user info of a repository URL
// (git+https://user:token@host/...) from what a result shows: its
// location and failures, git's messages included.
func hideCredentials(res *Result) {
	u, err := url.Parse(strings.TrimPrefix(res.Location, gitPrefix))
	if err != nil || u.User == nil {
		return
	}
	secret := u.User.String() + "@"
	hide := func(s string) string { return strings.ReplaceAll(s, secret, "") }
	res.Location = hide(res.Location)
	for i, f := range res.Failures {
		res.Failures[i] = ingest.Failure{Source: hide(f.Source), Err: hide(f.Err)}
	}
}

// sourceFailed records a failed read of the whole source and prunes it
// at the second in a row.
func (r *Runner) sourceFailed(ctx context.Context, src store.Source, res *Result, cause error) {
	n, err := r.store.SourceFailed(ctx, src.ID, cause.Error())
	if err != nil {
		res.Failures = append(res.Failures, ingest.Failure{Source: src.Location, Err: err.Error()})
		return
	}
	if n < pruneAfter {
		res.Failures = append(res.Failures, ingest.Failure{Source: src.Location, Err: cause.Error()})
		return
	}
	if err := r.prune(ctx, src, res); err != nil {
		res.Failures = append(res.Failures, ingest.Failure{Source: src.Location, Err: err.Error()})
		return
	}
	res.Pruned = true
}

// prune deletes a source's documents and forgets it.
func (r *Runner) prune(ctx context.Context, src store.Source, res *Result) error {
	var docs []string
	if src.Kind == store.SourceKindPath {
		under, err := r.underPath(ctx, src)
		if err != nil {
			return err
		}
		docs = under
	} else {
		items, err := r.store.SourceItems(ctx, src.ID)
		if err != nil {
			return err
		}
		for _, it := range items {
			docs = append(docs, it.Document)
		}
	}
	for _, d := range docs {
		found, err := r.store.DeleteDocument(ctx, src.Collection, d)
		if err != nil {
			return err
		}
		if found {
			res.Removed++
		}
	}
	return r.store.DeleteSource(ctx, src.ID)
}
