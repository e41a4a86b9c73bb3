package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Source kinds, as stored in sources.kind (migration 005's CHECK).
const (
	SourceKindPath  = "path"
	SourceKindURL   = "url"
	SourceKindCrawl = "crawl"
	SourceKindGit   = "git"
)

// syncLock is the advisory lock key held by the one replica that runs a
// scheduled re-sync ("citesync").
const syncLock = 0x6369746573796e63

// Source is one remembered origin of a collection's documents.
type Source struct {
	ID         int64
	Collection string
	Kind       string
	Location   string
	// Options are the kind's settings (crawl depth, page cap...), as JSON.
	Options  json.RawMessage
	Revision string
	// Failures counts consecutive syncs that could not read the source.
	Failures  int
	LastError string
	// LastSynced is the last sync that read it; zero if none has.
	LastSynced time.Time
}

// SourceItem is one document a source produced, with what a re-sync needs.
type SourceItem struct {
	Key string
	// Document is the documents.source it is stored as; "" when it is
	// only an alias of another item's document, or not indexed.
	Document     string
	ContentHash  string
	ETag         string
	LastModified string
	Links        []string
	Failures     int
}

// SaveSource registers a source of collection (creating the collection)
// or updates the options of the one already there, and returns its id.
func (s *Store) SaveSource(ctx context.Context, collection, kind, location string, options json.RawMessage) (int64, error) {
	collID, err := s.EnsureCollection(ctx, collection)
	if err != nil {
		return 0, err
	}
	if len(options) == 0 {
		options = json.RawMessage("{}")
	}
	var id int64
	err = s.pool.QueryRow(ctx, `
		INSERT INTO sources (collection_id, kind, location, options) VALUES ($1, $2, $3, $4)
		ON CONFLICT (collection_id, kind, location) DO UPDATE SET options = EXCLUDED.options
		RETURNING id`, collID, kind, location, options).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("save source %s: %w", location, err)
	}
	return id, nil
}

// SyncSources lists the remembered sources of collection, or of every live
// collection (no shadow, see BeginShadow) when it is empty, by collection
// and location.
func (s *Store) SyncSources(ctx context.Context, collection string) ([]Source, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT s.id, k.name, s.kind, s.location, s.options, s.revision, s.failures, s.last_error,
			coalesce(s.last_synced_at, 'epoch')
		FROM sources s JOIN collections k ON k.id = s.collection_id
		WHERE ($1 = '' AND k.shadow_of IS NULL) OR k.name = $1
		ORDER BY k.name, s.location, s.kind`, collection)
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	var out []Source
	var src Source
	_, err = pgx.ForEachRow(rows, []any{&src.ID, &src.Collection, &src.Kind, &src.Location, &src.Options,
		&src.Revision, &src.Failures, &src.LastError, &src.LastSynced}, func() error {
		if src.LastSynced.Equal(time.Unix(0, 0)) {
			src.LastSynced = time.Time{}
		}
		out = append(out, src)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	return out, nil
}

// SourceSynced records a sync that read the source: failures reset, and
// revision (a repository's commit) kept when not empty.
func (s *Store) SourceSynced(ctx context.Context, id int64, revision string) error {
	_, err := s.pool.Exec(ctx, `
		UPDATE sources SET failures = 0, last_error = '', last_synced_at = now(), last_attempt_at = now(),
			revision = CASE WHEN $2 = '' THEN revision ELSE $2 END
		WHERE id = $1`, id, revision)
	if err != nil {
		return fmt.Errorf("mark source synced: %w", err)
	}
	return nil
}

// SourceFailed records a sync that could not read the source and returns
// its consecutive failures so far.
func (s *Store) SourceFailed(ctx context.Context, id int64, msg string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `
		UPDATE sources SET failures = failures + 1, last_error = $2, last_attempt_at = now()
		WHERE id = $1 RETURNING failures`, id, msg).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("mark source failed: %w", err)
	}
	return n, nil
}

// DeleteSource forgets a source and its items; its documents stay until
// deleted with DeleteDocument.
func (s *Store) DeleteSource(ctx context.Context, id int64) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sources WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete source: %w", err)
	}
	return nil
}

// SourceItems returns the items of a source by key.
func (s *Store) SourceItems(ctx context.Context, sourceID int64) (map[string]SourceItem, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT key, document, content_hash, etag, last_modified, links, failures
		FROM source_items WHERE source_id = $1`, sourceID)
	if err != nil {
		return nil, fmt.Errorf("list source items: %w", err)
	}
	out := map[string]SourceItem{}
	var it SourceItem
	_, err = pgx.ForEachRow(rows, []any{&it.Key, &it.Document, &it.ContentHash, &it.ETag, &it.LastModified, &it.Links, &it.Failures}, func() error {
		out[it.Key] = it
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list source items: %w", err)
	}
	return out, nil
}

// SaveSourceItem stores an item as read now (its failures reset).
func (s *Store) SaveSourceItem(ctx context.Context, sourceID int64, it SourceItem) error {
	if it.Links == nil {
		it.Links = []string{}
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO source_items (source_id, key, document, content_hash, etag, last_modified, links, failures)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 0)
		ON CONFLICT (source_id, key) DO UPDATE SET document = EXCLUDED.document,
			content_hash = EXCLUDED.content_hash, etag = EXCLUDED.etag,
			last_modified = EXCLUDED.last_modified, links = EXCLUDED.links, failures = 0`,
		sourceID, it.Key, it.Document, it.ContentHash, it.ETag, it.LastModified, it.Links)
	if err != nil {
		return fmt.Errorf("save source item %s: %w", it.Key, err)
	}
	return nil
}

// SourceItemFailed counts a failed read of an item and returns its
// consecutive failures so far.
func (s *Store) SourceItemFailed(ctx context.Context, sourceID int64, key string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `
		UPDATE source_items SET failures = failures + 1 WHERE source_id = $1 AND key = $2
		RETURNING failures`, sourceID, key).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("mark source item failed: %w", err)
	}
	return n, nil
}

// DeleteSourceItem forgets one item of a source.
func (s *Store) DeleteSourceItem(ctx context.Context, sourceID int64, key string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM source_items WHERE source_id = $1 AND key = $2`, sourceID, key); err != nil {
		return fmt.Errorf("delete source item: %w", err)
	}
	return nil
}

// WithSyncLock runs fn while holding the sync advisory lock on one
// connection, unless another session holds it: then it returns false at
// once without running fn.
func (s *Store) WithSyncLock(ctx context.Context, fn func(ctx context.Context) error) (bool, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return false, fmt.Errorf("sync lock: %w", err)
	}
	defer conn.Release()
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, int64(syncLock)).Scan(&got); err != nil {
		return false, fmt.Errorf("sync lock: %w", err)
	}
	if !got {
		return false, nil
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(syncLock))
	return true, fn(ctx)
}

// LastSyncRun returns when the latest finished sync run started; zero if
// none has finished. A run whose process died never finishes, so it does
// not count: the next check, in any process, runs the sync again.
func (s *Store) LastSyncRun(ctx context.Context) (time.Time, error) {
	var t *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT max(started_at) FROM sync_runs WHERE finished_at IS NOT NULL`).Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("last sync run: %w", err)
	}
	if t == nil {
		return time.Time{}, nil
	}
	return *t, nil
}

// StartSyncRun records a sync run beginning now and returns its id.
func (s *Store) StartSyncRun(ctx context.Context) (int64, error) {
	var id int64
	if err := s.pool.QueryRow(ctx, `INSERT INTO sync_runs DEFAULT VALUES RETURNING id`).Scan(&id); err != nil {
		return 0, fmt.Errorf("start sync run: %w", err)
	}
	return id, nil
}

// FinishSyncRun records a run's end and its summary (JSON).
func (s *Store) FinishSyncRun(ctx context.Context, id int64, summary json.RawMessage) error {
	_, err := s.pool.Exec(ctx, `UPDATE sync_runs SET finished_at = now(), summary = $2 WHERE id = $1`, id, summary)
	if err != nil {
		return fmt.Errorf("finish sync run: %w", err)
	}
	return nil
}

// DocumentSources lists the sources of the collection's documents that
// begin with prefix.
func (s *Store) DocumentSources(ctx context.Context, collection, prefix string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT d.source FROM documents d JOIN collections k ON k.id = d.collection_id
		WHERE k.name = $1 AND starts_with(d.source, $2) ORDER BY d.source`, collection, prefix)
	if err != nil {
		return nil, fmt.Errorf("list document sources: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list document sources: %w", err)
	}
	return out, nil
}

// UntrackedDocuments lists the sources of the collection's documents that
// no remembered source accounts for: neither an item of one nor under a
// folder or file source. They were ingested before sources were kept,
// or uploaded.
func (s *Store) UntrackedDocuments(ctx context.Context, collection string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT d.source FROM documents d JOIN collections k ON k.id = d.collection_id
		WHERE k.name = $1
		AND NOT EXISTS (SELECT 1 FROM source_items i JOIN sources s ON s.id = i.source_id
			WHERE s.collection_id = k.id AND i.document = d.source)
		AND NOT EXISTS (SELECT 1 FROM sources s WHERE s.collection_id = k.id AND s.kind = $2
			AND (d.source = s.location OR starts_with(d.source, rtrim(s.location, '/') || '/')))
		ORDER BY d.source`, collection, SourceKindPath)
	if err != nil {
		return nil, fmt.Errorf("list untracked documents: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list untracked documents: %w", err)
	}
	return out, nil
}
