package source_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/source"
	"github.com/citebot/citebot/rag/store"
)

func TestPathSource(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "handbook")
	write := func(name, text string) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("parking.md", "# Parking\n\nVisitors park in the north lot.\n")
	write("expenses.txt", "Receipts are due within thirty days.\n")
	r, s := newRunner(t, source.Config{})
	ctx := t.Context()
	sum, err := r.Add(ctx, "path", []source.Spec{{Kind: store.SourceKindPath, Location: dir}}, nil)
	if err != nil || countsOf(sum) != (counts{Added: 2}) {
		t.Fatalf("add = %+v, %v", countsOf(sum), err)
	}
	t.Run("documents carry their source's last sync", func(t *testing.T) {
		docs, _, err := s.Documents(ctx, "path", 0, 10)
		if err != nil || len(docs) != 2 {
			t.Fatalf("Documents = %v, %v", docs, err)
		}
		for _, d := range docs {
			if time.Since(d.SyncedAt) > time.Hour {
				t.Errorf("%s synced at %v", d.Source, d.SyncedAt)
			}
		}
	})
	steps := []struct {
		name   string
		change func()
		want   counts
		docs   int
	}{
		{"unchanged files cost nothing", func() {}, counts{Unchanged: 2}, 2},
		{"a file removed from the folder goes", func() { os.Remove(filepath.Join(dir, "expenses.txt")) }, counts{Unchanged: 1, Removed: 1}, 1},
		{"a vanished folder fails once and keeps its documents", func() { os.RemoveAll(dir) }, counts{Failed: 1}, 1},
		{"and is pruned at the second failure", func() {}, counts{Removed: 1}, 0},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.change()
			sum, err := r.Sync(ctx, "path", nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := countsOf(sum); got != st.want {
				t.Errorf("summary = %+v, want %+v", got, st.want)
			}
			if got := len(documents(t, s, "path")); got != st.docs {
				t.Errorf("%d documents, want %d", got, st.docs)
			}
		})
	}
	if srcs, err := s.SyncSources(ctx, "path"); err != nil || len(srcs) != 0 {
		t.Errorf("sources after pruning = %+v, %v", srcs, err)
	}
}

func TestResyncKeepsTrackedAndReadsUntracked(t *testing.T) {
	repo := newGitRepo(t)
	repo.commit(map[string]string{"guide.md": "# Guide\n\nThe guide lives in git.\n"})
	dir := t.TempDir()
	old := filepath.Join(dir, "old.md")
	kept := filepath.Join(dir, "kept.md")
	for _, p := range []string{old, kept} {
		if err := os.WriteFile(p, []byte("# Old\n\nStored before sources were remembered: "+p+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, s := newRunner(t, source.Config{})
	ctx := t.Context()
	in := ingest.New(s, wordModel{}, ingest.Config{})
	if _, err := in.Ingest(ctx, "mixed", []string{old, kept}, ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Add(ctx, "mixed", []source.Spec{{Kind: store.SourceKindGit, Location: repo.dir}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(old); err != nil {
		t.Fatal(err)
	}
	sum, err := r.Resync(ctx, s, "mixed", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := countsOf(sum); got != (counts{Unchanged: 2, Removed: 1}) {
		t.Errorf("summary = %+v (%+v)", got, sum.Sources)
	}
	if docs := documents(t, s, "mixed"); len(docs) != 2 || docs[1] != kept {
		t.Errorf("documents = %v, want the repository's file and %s", docs, kept)
	}
}
