package ingest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/faulttest"
)

// faultStore is the real store with hooks before CachedEmbeddings and
// ReplaceDocument calls (numbered from 1), recording how many chunks each
// source was last written with.
type faultStore struct {
	*store.Store
	mu        sync.Mutex
	lookups   int
	writes    int
	written   map[string]int
	onLookup  func(n int)
	onWrite   func(n int, source string)
	lastWrite string
}

func newFaultStore(s *store.Store) *faultStore {
	return &faultStore{Store: s, written: map[string]int{}}
}

func (f *faultStore) CachedEmbeddings(ctx context.Context, modelID int, hashes []string) (map[string][]float32, error) {
	f.mu.Lock()
	f.lookups++
	n, hook := f.lookups, f.onLookup
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return f.Store.CachedEmbeddings(ctx, modelID, hashes)
}

func (f *faultStore) ReplaceDocuments(ctx context.Context, ws []store.DocumentWrite) ([]int64, error) {
	for _, w := range ws {
		f.wrote(w)
	}
	return f.Store.ReplaceDocuments(ctx, ws)
}

// wrote counts a document about to be written and calls onWrite.
func (f *faultStore) wrote(w store.DocumentWrite) {
	f.mu.Lock()
	f.writes++
	f.written[w.Source] = len(w.Chunks)
	n, hook := f.writes, f.onWrite
	f.mu.Unlock()
	if hook != nil {
		hook(n, w.Source)
	}
}

// writeCorpus writes n small Markdown files of a few chunks each.
func writeCorpus(t testing.TB, n int) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		var b strings.Builder
		fmt.Fprintf(&b, "# Runbook %d\n\n", i)
		for p := range 3 {
			fmt.Fprintf(&b, "Service %d step %d: restart worker pool %d after draining queue %d, then verify "+
				"replica %d reports healthy within %d seconds and page the on-call engineer otherwise.\n\n",
				i, p, i*7+p, i*3+p, p, 30+i)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("runbook-%03d.md", i)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	restartDocs  = 40
	blockedWrite = 10 // the write caught mid-transaction by the shutdown
	downUntil    = 15 // documents before this one are read while the server is down
)

// TestIngestSurvivesPostgresRestart stops a private cluster while a
// document's transaction is open (its chunks, vectors and postings written,
// the document-frequency update waiting on a lock), keeps ingesting while the
// server is down, starts it again mid-run, and checks that nothing was
// half-written, that the same store recovered within the run, and that a
// re-run completes the collection without duplicates.
func TestIngestSurvivesPostgresRestart(t *testing.T) {
	pg := faulttest.StartPostgres(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	s := pg.OpenStore(t)
	fs := newFaultStore(s)
	in := ingest.New(fs, &countingModel{name: "count-8d", dim: 8}, ingest.Config{Overlap: 4})
	dir := writeCorpus(t, restartDocs)

	stopped := make(chan struct{})
	var blocked string
	fs.onWrite = func(n int, source string) {
		if n == blockedWrite {
			blocked = source
			lockFrequencies(t, pg.URL, "restart")
			go stopWhenBlocked(t, pg, stopped)
		}
	}
	fs.onLookup = func(n int) {
		switch {
		case n > blockedWrite && n < downUntil:
			<-stopped
		case n == downUntil:
			if err := pg.Start(ctx); err != nil {
				t.Error(err)
			}
		}
	}
	first, err := in.Ingest(ctx, "restart", []string{dir}, ingest.Options{})
	fs.onWrite, fs.onLookup = nil, nil
	if err != nil {
		t.Fatalf("ingest across the restart: %v", err)
	}
	t.Logf("across the restart: %d added, %d failed", first.Added, first.Failed)
	for _, f := range first.Failures {
		t.Logf("failed: %s: %s", filepath.Base(f.Source), f.Err)
	}
	checkFirstRun(t, first, fs, pg.URL, blocked)

	again, err := in.Ingest(ctx, "restart", []string{dir}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Failed != 0 || again.Updated != 0 || again.Added != first.Failed || again.Unchanged != first.Added {
		t.Errorf("re-run after %d added / %d failed: %+v", first.Added, first.Failed, again)
	}
	checkStored(t, fs, pg.URL, "restart", restartDocs)
}

// lockFrequencies locks the collection's document-frequency rows in a
// session of its own, before the next ReplaceDocument starts, so that its
// transaction writes the document, chunks, vectors and postings and then
// waits to update the frequencies of the words it shares with the
// documents already stored. The lock lasts until the session ends.
func lockFrequencies(t *testing.T, dbURL, collection string) {
	ctx := t.Context()
	locker, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { locker.Close(context.Background()) })
	if _, err := locker.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	var n int
	err = locker.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM term_df
		WHERE collection_id = (SELECT id FROM collections WHERE name = $1) FOR UPDATE) x`, collection).Scan(&n)
	if err != nil || n == 0 {
		t.Fatalf("lock document frequencies: %d rows, %v", n, err)
	}
}

// waitForLockWait bounds how long a write may take to reach the lock.
const waitForLockWait = 2 * time.Minute

// stopWhenBlocked waits until PostgreSQL shows a writing transaction (one
// with a transaction id) waiting for a lock, then stops the server, whose
// fast mode rolls that transaction back, and closes stopped.
func stopWhenBlocked(t *testing.T, pg *faulttest.Postgres, stopped chan<- struct{}) {
	defer close(stopped)
	ctx, cancel := context.WithTimeout(context.Background(), waitForLockWait+pgStopTimeout)
	defer cancel()
	// Not the locker's session: pg_stat_activity is a snapshot for the
	// rest of a transaction.
	watcher, err := pgx.Connect(ctx, pg.URL)
	if err != nil {
		t.Error(err)
		return
	}
	defer watcher.Close(context.Background())
	deadline := time.Now().Add(waitForLockWait)
	for {
		var waiting int
		err := watcher.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND backend_xid IS NOT NULL AND query LIKE '%term_df%'`).Scan(&waiting)
		if err != nil {
			t.Error(err)
			return
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("no write waited for the document frequencies within %s: has the store's write path changed?", waitForLockWait)
			break
		}
		time.Sleep(10 * time.Millisecond) // poll, not timing
	}
	if err := pg.Stop(ctx); err != nil {
		t.Error(err)
	}
}

// pgStopTimeout bounds stopping the private cluster.
const pgStopTimeout = 2 * time.Minute

// checkFirstRun checks the run that crossed the restart.
func checkFirstRun(t *testing.T, sum ingest.Summary, fs *faultStore, dbURL, blocked string) {
	t.Helper()
	if sum.Failed < downUntil-blockedWrite || sum.Added+sum.Failed != restartDocs {
		t.Errorf("across the restart: %+v, want the %d documents read while down to fail and the rest added",
			sum, downUntil-blockedWrite)
	}
	for _, f := range sum.Failures {
		if f.Err == "" || strings.Contains(f.Err, "\n") {
			t.Errorf("failure %s: want one line saying why, got %q", f.Source, f.Err)
		}
	}
	docs, err := faulttest.Documents(t.Context(), dbURL, "restart")
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := docs[blocked]; ok {
		t.Errorf("the document whose transaction was cut, %s, is stored with %d chunks", blocked, d.Chunks)
	}
	if len(docs) != sum.Added {
		t.Errorf("%d documents stored, the summary says %d added", len(docs), sum.Added)
	}
	var last string
	for src := range fs.written {
		last = max(last, src)
	}
	if _, ok := docs[last]; !ok {
		t.Errorf("the last document, %s, is missing: the store did not recover within the run", last)
	}
	checkChunkCounts(t, fs, docs)
	faulttest.AssertIntegrity(t, dbURL)
}

// checkStored checks that the collection holds want documents, each with
// the chunks last written for it, and that the index is consistent.
func checkStored(t *testing.T, fs *faultStore, dbURL, collection string, want int) {
	t.Helper()
	docs, err := faulttest.Documents(t.Context(), dbURL, collection)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != want {
		t.Errorf("%d documents stored, want %d", len(docs), want)
	}
	checkChunkCounts(t, fs, docs)
	faulttest.AssertIntegrity(t, dbURL)
}

func checkChunkCounts(t *testing.T, fs *faultStore, docs map[string]faulttest.Doc) {
	t.Helper()
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for src, d := range docs {
		if w, ok := fs.written[src]; !ok || d.Chunks != w {
			t.Errorf("%s: %d chunks stored, %d written", src, d.Chunks, w)
		}
	}
}
