package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

// staleFixture is a collection of documents (source → chunk texts, each
// chunk's hash its text, as ingestion hashes text) and answers citing
// their chunks by text.
type staleFixture struct {
	t  *testing.T
	s  *store.Store
	m  store.Model
	id map[string]int64 // answer ids by name
}

func (f *staleFixture) doc(coll, src string, texts ...string) store.DocumentWrite {
	w := store.DocumentWrite{Collection: coll, Source: src, ContentHash: src + "|" + strings.Join(texts, "|"), Model: f.m}
	for i, txt := range texts {
		w.Chunks = append(w.Chunks, store.ChunkWrite{Position: i, Text: txt, Hash: "h-" + txt, Tokens: 1, End: len(txt),
			Embedding: []float32{1, 0, 1, 0}})
	}
	return w
}

func (f *staleFixture) write(ws ...store.DocumentWrite) {
	f.t.Helper()
	if _, err := f.s.ReplaceDocuments(f.t.Context(), ws); err != nil {
		f.t.Fatal(err)
	}
}

// chunkID is the id of the chunk of coll holding text.
func (f *staleFixture) chunkID(coll, src, text string) int64 {
	f.t.Helper()
	ps, err := f.s.DocumentPassages(f.t.Context(), coll, src)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, p := range ps {
		if p.Text == text {
			return p.ChunkID
		}
	}
	f.t.Fatalf("no chunk %q in %s", text, src)
	return 0
}

// answer stores an answer called name citing the chunks of src holding texts.
func (f *staleFixture) answer(name, coll, src string, texts ...string) {
	f.t.Helper()
	a := store.Answer{Surface: "ask", Kind: "ask", Collection: coll, Question: name + "?", Text: name}
	for i, txt := range texts {
		a.Citations = append(a.Citations, store.Citation{N: i + 1, ChunkID: f.chunkID(coll, src, txt), Source: src, Text: txt})
	}
	id, err := f.s.SaveAnswer(f.t.Context(), a)
	if err != nil {
		f.t.Fatal(err)
	}
	f.id[name] = id
}

// stale returns the names of the stale answers, sorted.
func (f *staleFixture) stale() []string {
	f.t.Helper()
	var out []string
	for name, id := range f.id {
		a, err := f.s.Answer(f.t.Context(), id)
		if err != nil {
			f.t.Fatal(err)
		}
		if !a.StaleAt.IsZero() {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func TestStaleFlags(t *testing.T) {
	tests := []struct {
		name   string
		change func(ctx context.Context, f *staleFixture) error
		want   []string
	}{
		{"a rewritten cited sentence flags exactly the answers citing it", func(ctx context.Context, f *staleFixture) error {
			f.write(f.doc("st", "a.md", "alpha one", "alpha 2"))
			return nil
		}, []string{"two"}},
		{"an unrelated change flags nothing", func(ctx context.Context, f *staleFixture) error {
			f.write(f.doc("st", "c.md", "gamma"), f.doc("st", "a.md", "alpha one", "alpha two", "alpha three"))
			_, err := f.s.DeleteDocument(ctx, "st", "c.md")
			return err
		}, nil},
		{"a cited sentence moved to another document flags nothing", func(ctx context.Context, f *staleFixture) error {
			f.write(f.doc("st", "a.md", "alpha one"), f.doc("st", "c.md", "alpha two"))
			return nil
		}, nil},
		{"a cited sentence moved in two writes flags nothing", func(ctx context.Context, f *staleFixture) error {
			f.write(f.doc("st", "c.md", "alpha two"))
			f.write(f.doc("st", "a.md", "alpha one"))
			return nil
		}, nil},
		{"a sentence moved to another collection is gone from this one", func(ctx context.Context, f *staleFixture) error {
			f.write(f.doc("other", "a.md", "alpha two"))
			f.write(f.doc("st", "a.md", "alpha one"))
			return nil
		}, []string{"two"}},
		{"forgetting a document flags the answers citing it", func(ctx context.Context, f *staleFixture) error {
			_, err := f.s.DeleteDocument(ctx, "st", "b.md")
			return err
		}, []string{"both", "three"}},
		{"a bulk load flags as any write", func(ctx context.Context, f *staleFixture) error {
			b, err := f.s.BeginBulkLoad(ctx, f.m)
			if err != nil {
				return err
			}
			f.write(f.doc("st", "b.md", "beta 1"))
			return b.End(ctx)
		}, []string{"both", "three"}},
		{"a collection swapped wholesale flags what its new version lacks", func(ctx context.Context, f *staleFixture) error {
			// As a gated re-ingest leaves it: every chunk new, some texts kept.
			if err := f.s.ExecForTest(ctx, `DELETE FROM chunks WHERE collection_id = (SELECT id FROM collections WHERE name = 'st')`); err != nil {
				return err
			}
			f.write(f.doc("st", "a2.md", "alpha one", "alpha two"), f.doc("st", "b2.md", "beta 1"))
			n, err := f.s.FlagStaleForTest(ctx, "st")
			if n != 2 {
				f.t.Errorf("flagStale flagged %d answers, want 2", n)
			}
			return err
		}, []string{"both", "three"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := storetest.Open(t, dbURL)
			f := &staleFixture{t: t, s: s, m: testModel(t, s), id: map[string]int64{}}
			f.write(f.doc("st", "a.md", "alpha one", "alpha two"), f.doc("st", "b.md", "beta one"))
			f.answer("one", "st", "a.md", "alpha one")
			f.answer("two", "st", "a.md", "alpha two")
			f.answer("three", "st", "b.md", "beta one")
			f.answer("both", "st", "b.md", "beta one")
			if err := tt.change(t.Context(), f); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, f.stale()); diff != "" {
				t.Errorf("stale answers (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStaleFollowsMovedText checks that a citation whose text moved is
// flagged when that text later changes in its new place.
func TestStaleFollowsMovedText(t *testing.T) {
	s := storetest.Open(t, dbURL)
	f := &staleFixture{t: t, s: s, m: testModel(t, s), id: map[string]int64{}}
	f.write(f.doc("st", "a.md", "alpha one", "alpha two"))
	f.answer("one", "st", "a.md", "alpha one")
	f.write(f.doc("st", "a.md", "alpha zero", "alpha one", "alpha two")) // new ids, same text
	if got := f.stale(); len(got) != 0 {
		t.Fatalf("re-chunked unchanged text flagged %v", got)
	}
	f.write(f.doc("st", "a.md", "alpha zero", "alpha 1", "alpha two"))
	if diff := cmp.Diff([]string{"one"}, f.stale()); diff != "" {
		t.Errorf("stale answers after the moved text changed (-want +got):\n%s", diff)
	}
}

// TestStaleConcurrentWriters rewrites and deletes documents from several
// writers at once, sharing texts, while answers cite them: no writer may
// fail or deadlock, and no answer whose cited text is gone may be missed.
func TestStaleConcurrentWriters(t *testing.T) {
	s := storetest.Open(t, dbURL)
	f := &staleFixture{t: t, s: s, m: testModel(t, s), id: map[string]int64{}}
	texts := []string{"river one", "river two", "river three", "river four"}
	for d := range 4 {
		f.write(f.doc("busy", fmt.Sprint("doc-", d), texts[d], texts[(d+1)%4]))
	}
	for d := range 4 {
		for _, txt := range []string{texts[d], texts[(d+1)%4]} {
			f.answer(fmt.Sprint(d, txt), "busy", fmt.Sprint("doc-", d), txt)
		}
	}
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := range 20 {
				src := fmt.Sprint("doc-", (w+i)%4)
				var err error
				if i%4 == 3 {
					_, err = s.DeleteDocument(t.Context(), "busy", src)
				} else {
					_, err = s.ReplaceDocuments(t.Context(), []store.DocumentWrite{f.doc("busy", src, texts[(w+i)%4], fmt.Sprint("new ", w, i))})
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for name, id := range f.id {
		a, err := s.Answer(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.QueryRowForTest(t.Context(), fmt.Sprintf(`SELECT count(*) FROM chunks k JOIN collections l ON l.id = k.collection_id AND l.name = 'busy'
			JOIN answer_citations c ON c.answer_id = %d AND k.content_hash = c.content_hash`, id), &n); err != nil {
			t.Fatal(err)
		}
		if n == 0 && a.StaleAt.IsZero() {
			t.Errorf("answer %s cites text that is gone, and is not stale", name)
		}
	}
}
