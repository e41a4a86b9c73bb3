package store_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

func titled(t *testing.T, s *store.Store, m store.Model, coll, src, title string, texts ...string) {
	t.Helper()
	w := store.DocumentWrite{Collection: coll, Source: src, Title: title, ContentHash: src, Model: m}
	for i, txt := range texts {
		w.Chunks = append(w.Chunks, store.ChunkWrite{Position: i, Text: txt, Hash: src + txt, Tokens: 1,
			Embedding: []float32{1, 0, 0, 0}})
	}
	if _, err := s.ReplaceDocument(t.Context(), w); err != nil {
		t.Fatal(err)
	}
}

func TestLibrary(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	ctx := t.Context()
	titled(t, s, m, "lib", "/docs/onboarding.md", "Onboarding guide", "first day", "second day")
	titled(t, s, m, "lib", "/docs/expenses.md", "Expense policy", "receipts")
	titled(t, s, m, "lib-other", "/docs/secret.md", "Onboarding secrets", "hidden")

	t.Run("documents are paginated by title", func(t *testing.T) {
		docs, total, err := s.Documents(ctx, "lib", 1, 1)
		if err != nil || total != 2 || len(docs) != 1 || docs[0].Title != "Onboarding guide" || docs[0].Chunks != 2 {
			t.Fatalf("Documents = %+v, %d, %v", docs, total, err)
		}
	})
	t.Run("autocomplete stays in the collection", func(t *testing.T) {
		docs, err := s.SearchDocuments(ctx, "lib", "onboard", 25)
		if err != nil || len(docs) != 1 || docs[0].Source != "/docs/onboarding.md" {
			t.Fatalf("SearchDocuments = %+v, %v", docs, err)
		}
		docs, err = s.SearchDocuments(ctx, "lib", "%", 25)
		if err != nil || len(docs) != 0 {
			t.Fatalf("SearchDocuments(%%) = %+v, %v; want none: %% is no wildcard", docs, err)
		}
	})
	t.Run("document passages in order", func(t *testing.T) {
		ps, err := s.DocumentPassages(ctx, "lib", "/docs/onboarding.md")
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, p := range ps {
			texts = append(texts, p.Text)
		}
		if diff := cmp.Diff([]string{"first day", "second day"}, texts); diff != "" {
			t.Errorf("passages (-want +got):\n%s", diff)
		}
		if ps, _ := s.DocumentPassages(ctx, "lib", "/docs/secret.md"); len(ps) != 0 {
			t.Errorf("another collection's document was listed: %+v", ps)
		}
	})
	t.Run("summary cache", func(t *testing.T) {
		if _, ok, err := s.Summary(ctx, "k1"); ok || err != nil {
			t.Fatalf("Summary before Put = %v, %v", ok, err)
		}
		if err := s.PutSummary(ctx, "k1", "short"); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := s.Summary(ctx, "k1"); got != "short" || !ok || err != nil {
			t.Fatalf("Summary = %q, %v, %v", got, ok, err)
		}
	})
	t.Run("channel mapping", func(t *testing.T) {
		if err := s.MapChannel(ctx, "g1", "c1", "lib-other"); err != nil {
			t.Fatal(err)
		}
		got, ok, err := s.ChannelCollection(ctx, "g1", "c1")
		if got != "lib-other" || !ok || err != nil {
			t.Fatalf("ChannelCollection = %q, %v, %v", got, ok, err)
		}
		if _, ok, _ := s.ChannelCollection(ctx, "g2", "c1"); ok {
			t.Error("a mapping leaked to another guild")
		}
	})
	t.Run("feedback", func(t *testing.T) {
		f := store.Feedback{Collection: "lib", GuildID: "g1", Question: "q?", Answer: "a [1]", ChunkIDs: []int64{1, 2}, Helpful: true}
		if err := s.SaveFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.QueryRowForTest(ctx, `SELECT count(*) FROM feedback WHERE helpful AND chunk_ids = '{1,2}'`, &n); err != nil || n != 1 {
			t.Fatalf("feedback rows = %d, %v", n, err)
		}
	})
}
