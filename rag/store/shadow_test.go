package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/faulttest"
	"github.com/citebot/citebot/rag/store/storetest"
)

// shadowFixture is a live collection "docs" of two documents, mapped to a
// channel, with a helpful answer citing the river passage.
func shadowFixture(t *testing.T) (*store.Store, store.Model, int64) {
	t.Helper()
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	put(t, s, m, "docs", "river.md", []string{"the river floods in spring"}, [][]float32{{1, 0, 0, 0}})
	put(t, s, m, "docs", "hill.md", []string{"the hill is steep and green"}, [][]float32{{0, 1, 0, 0}})
	if err := s.MapChannel(t.Context(), "g1", "c1", "docs"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveSource(t.Context(), "docs", store.SourceKindPath, "/srv/docs", nil); err != nil {
		t.Fatal(err)
	}
	hits := search(t, s, store.SearchParams{Collection: "docs", Mode: rag.ModeText, Text: "river floods", Model: m, K: 1})
	if len(hits) != 1 {
		t.Fatalf("fixture search: %v", hits)
	}
	id, err := s.SaveAnswer(t.Context(), store.Answer{Surface: "discord", Kind: "ask", Collection: "docs",
		Question: "When does the river flood?", Text: "In spring [1].",
		Citations: []store.Citation{{N: 1, ChunkID: hits[0].ChunkID, Source: "river.md", Text: hits[0].Text}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveFeedback(t.Context(), store.Feedback{Collection: "docs", AnswerID: id, Helpful: true,
		Question: "When does the river flood?", Answer: "In spring [1]."}); err != nil {
		t.Fatal(err)
	}
	return s, m, id
}

// beginShadow starts a gated run whose shadow is closed when the test
// ends, whatever happened (an open run would keep the pool from closing).
func beginShadow(t *testing.T, s *store.Store, live string) *store.Shadow {
	t.Helper()
	sh, err := s.BeginShadow(t.Context(), live)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sh.Close(context.WithoutCancel(t.Context())) })
	return sh
}

func texts(t *testing.T, s *store.Store, m store.Model, coll string) []string {
	t.Helper()
	var out []string
	for _, p := range search(t, s, store.SearchParams{Collection: coll, Mode: rag.ModeText, Text: "river hill lake", Model: m, K: 10}) {
		out = append(out, p.Text)
	}
	slices.Sort(out)
	return out
}

func collectionNames(t *testing.T, s *store.Store) []string {
	t.Helper()
	cs, err := s.Collections(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func TestShadowIsACopyNobodySees(t *testing.T) {
	s, m, _ := shadowFixture(t)
	sh := beginShadow(t, s, "docs")
	if !strings.HasPrefix(sh.Name(), "docs") || sh.Name() == "docs" || sh.Live() != "docs" {
		t.Errorf("shadow name %q of %q", sh.Name(), sh.Live())
	}
	if diff := cmp.Diff(texts(t, s, m, "docs"), texts(t, s, m, sh.Name())); diff != "" {
		t.Errorf("shadow differs from live (-live +shadow):\n%s", diff)
	}
	if got := collectionNames(t, s); !slices.Equal(got, []string{"docs"}) {
		t.Errorf("collections listed = %q, want only the live one", got)
	}
	srcs, err := s.SyncSources(t.Context(), "")
	if err != nil || len(srcs) != 1 || srcs[0].Collection != "docs" {
		t.Errorf("sources of every collection = %+v, %v; want the live one's only", srcs, err)
	}
	if own, err := s.SyncSources(t.Context(), sh.Name()); err != nil || len(own) != 1 {
		t.Errorf("the shadow's own sources = %+v, %v; want the copied one", own, err)
	}
	if _, err := s.BeginShadow(t.Context(), "docs"); !errors.Is(err, store.ErrGateBusy) {
		t.Errorf("second gated run = %v, want ErrGateBusy", err)
	}
	if _, err := s.EnsureCollection(t.Context(), "docs\x1fgate-x"); err == nil {
		t.Error("a live collection took a shadow's name")
	}
	faulttest.AssertIntegrity(t, dbURL)
}

func TestShadowPromoteSwapsAtomically(t *testing.T) {
	s, m, answerID := shadowFixture(t)
	sh := beginShadow(t, s, "docs")
	if _, err := s.DeleteDocument(t.Context(), sh.Name(), "river.md"); err != nil {
		t.Fatal(err)
	}
	put(t, s, m, sh.Name(), "lake.md", []string{"the lake is cold"}, [][]float32{{0, 0, 1, 0}})
	if got := texts(t, s, m, "docs"); !slices.Contains(got, "the river floods in spring") {
		t.Fatalf("live changed before the swap: %q", got)
	}
	if err := sh.Promote(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := sh.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := []string{"the hill is steep and green", "the lake is cold"}
	if diff := cmp.Diff(want, texts(t, s, m, "docs")); diff != "" {
		t.Errorf("live after the swap (-want +got):\n%s", diff)
	}
	if got := collectionNames(t, s); !slices.Equal(got, []string{"docs"}) {
		t.Errorf("collections after the swap = %q", got)
	}
	if name, ok, err := s.ChannelCollection(t.Context(), "g1", "c1"); err != nil || !ok || name != "docs" {
		t.Errorf("channel mapping after the swap = %q, %v, %v", name, ok, err)
	}
	a, err := s.Answer(t.Context(), answerID)
	if err != nil || a.StaleAt.IsZero() {
		t.Errorf("the answer citing the removed passage is not stale: %+v, %v", a, err)
	}
	helpful, err := s.HelpfulAnswers(t.Context(), "docs", 0)
	if err != nil || len(helpful) != 1 {
		t.Errorf("feedback did not follow the swap: %d helpful answers, %v", len(helpful), err)
	}
	var n int
	if err := s.QueryRowForTest(t.Context(), `SELECT count(*) FROM collections`, &n); err != nil || n != 1 {
		t.Errorf("%d collection rows after Close (%v), want the live one", n, err)
	}
	faulttest.AssertIntegrity(t, dbURL)
}

func TestShadowHeldBackOrInterruptedLeavesLiveUntouched(t *testing.T) {
	tests := []struct {
		name string
		end  func(t *testing.T, s *store.Store, sh *store.Shadow)
	}{
		{"closed without promotion", func(t *testing.T, s *store.Store, sh *store.Shadow) {
			if err := sh.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
		}},
		{"process died: the next run drops the leftover", func(t *testing.T, s *store.Store, sh *store.Shadow) {
			if err := sh.AbandonForTest(t.Context()); err != nil {
				t.Fatal(err)
			}
			next := beginShadow(t, s, "docs")
			if err := next.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
		}},
		{"process died: another collection's run drops the leftover", func(t *testing.T, s *store.Store, sh *store.Shadow) {
			if err := sh.AbandonForTest(t.Context()); err != nil {
				t.Fatal(err)
			}
			other := beginShadow(t, s, "other")
			if err := other.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			if err := s.ExecForTest(t.Context(), `DELETE FROM collections WHERE name = 'other'`); err != nil {
				t.Fatal(err)
			}
		}},
		{"process died: a sweep drops the leftover", func(t *testing.T, s *store.Store, sh *store.Shadow) {
			if err := sh.AbandonForTest(t.Context()); err != nil {
				t.Fatal(err)
			}
			if n, err := s.SweepShadows(t.Context()); err != nil || n != 1 {
				t.Errorf("swept %d, %v; want 1", n, err)
			}
		}},
		{"context cancelled before the swap", func(t *testing.T, s *store.Store, sh *store.Shadow) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			if err := sh.Promote(ctx); err == nil {
				t.Error("promoted under a cancelled context")
			}
			if err := sh.Close(ctx); err != nil {
				t.Fatal(err)
			}
		}},
		{"live written meanwhile", func(t *testing.T, s *store.Store, sh *store.Shadow) {
			put(t, s, testModel(t, s), "docs", "hill.md", []string{"the hill is steep"}, [][]float32{{0, 1, 0, 0}})
			if err := sh.Promote(t.Context()); !errors.Is(err, store.ErrLiveChanged) {
				t.Errorf("promote = %v, want ErrLiveChanged", err)
			}
			if err := sh.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, m, answerID := shadowFixture(t)
			before := texts(t, s, m, "docs")
			sh := beginShadow(t, s, "docs")
			if _, err := s.DeleteDocument(t.Context(), sh.Name(), "river.md"); err != nil {
				t.Fatal(err)
			}
			tt.end(t, s, sh)
			if tt.name != "live written meanwhile" {
				if diff := cmp.Diff(before, texts(t, s, m, "docs")); diff != "" {
					t.Errorf("live changed (-before +after):\n%s", diff)
				}
			}
			var n int
			if err := s.QueryRowForTest(t.Context(), `SELECT count(*) FROM collections WHERE shadow_of IS NOT NULL`, &n); err != nil || n != 0 {
				t.Errorf("%d shadows left (%v)", n, err)
			}
			if a, err := s.Answer(t.Context(), answerID); err != nil || !a.StaleAt.IsZero() {
				t.Errorf("answer flagged stale though live kept its passage: %+v, %v", a, err)
			}
			faulttest.AssertIntegrity(t, dbURL)
		})
	}
}

// TestShadowCoversEveryCollectionKey fails when a table gains a key to
// collections that the shadow neither copies (a version's content) nor
// moves on a swap (the collection's own records): add it to copySQL or
// movedSQL in shadow.go, and here.
func TestShadowCoversEveryCollectionKey(t *testing.T) {
	s := storetest.Open(t, dbURL)
	var got []string
	err := s.QueryRowForTest(t.Context(), `SELECT coalesce(array_agg(conrelid::regclass::text ORDER BY conrelid::regclass::text), '{}')
		FROM pg_constraint WHERE contype = 'f' AND confrelid = 'collections'::regclass`, &got)
	if err != nil {
		t.Fatal(err)
	}
	copied := []string{"chunks", "documents", "sources", "term_df"}
	moved := []string{"channel_collections", "console_ingest_runs", "eval_qa_sets", "eval_runs", "feedback"}
	want := append(append([]string{"collections"}, copied...), moved...)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tables keyed to collections (-handled by the shadow +in the schema):\n%s", diff)
	}
}
