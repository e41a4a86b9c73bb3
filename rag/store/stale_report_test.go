package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

func TestStaleReport(t *testing.T) {
	s := storetest.Open(t, dbURL)
	f := &staleFixture{t: t, s: s, m: testModel(t, s), id: map[string]int64{}}
	ctx := t.Context()
	f.write(f.doc("st", "a.md", "alpha one", "alpha two"), f.doc("st", "b.md", "beta one"))
	f.write(f.doc("other", "a.md", "alpha two"))
	f.answer("two", "st", "a.md", "alpha one", "alpha two")
	f.answer("three", "st", "b.md", "beta one")
	f.answer("kept", "st", "a.md", "alpha one")
	f.answer("elsewhere", "other", "a.md", "alpha two")
	before := time.Now().Add(-time.Minute)
	f.write(f.doc("st", "a.md", "alpha one", "alpha 2"))
	if _, err := s.DeleteDocument(ctx, "st", "b.md"); err != nil {
		t.Fatal(err)
	}
	type change struct {
		Answer  string
		N       int
		Source  string
		Text    string
		Removed bool
	}
	tests := []struct {
		name string
		f    store.ReportFilter
		want []change
	}{
		{"one collection", store.ReportFilter{Collection: "st", Since: before}, []change{
			{"three?", 1, "b.md", "beta one", true}, {"two?", 2, "a.md", "alpha two", false}}},
		{"all collections", store.ReportFilter{Since: before}, []change{
			{"three?", 1, "b.md", "beta one", true}, {"two?", 2, "a.md", "alpha two", false}}},
		{"an unchanged collection", store.ReportFilter{Collection: "other", Since: before}, nil},
		{"since after the changes", store.ReportFilter{Since: time.Now().Add(time.Hour)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := s.StaleReport(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []change
			for _, a := range rep {
				if a.StaleAt.Before(before) || len(a.Changes) == 0 {
					t.Errorf("answer %q: stale at %v with %d changes", a.Question, a.StaleAt, len(a.Changes))
				}
				for _, c := range a.Changes {
					got = append(got, change{a.Question, c.N, c.Source, c.Text, c.Removed})
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNotifyStale(t *testing.T) {
	s := storetest.Open(t, dbURL)
	f := &staleFixture{t: t, s: s, m: testModel(t, s), id: map[string]int64{}}
	ctx := t.Context()
	f.write(f.doc("st", "a.md", "alpha one"))
	chunk := f.chunkID("st", "a.md", "alpha one")
	save := func(surface, message string) int64 {
		id, err := s.SaveAnswer(ctx, store.Answer{Surface: surface, Kind: "ask", Collection: "st", Question: "q", Text: "a",
			ChannelID: "c1", MessageID: message, Citations: []store.Citation{{N: 1, ChunkID: chunk}}})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	var want []int64
	for i := range 6 {
		want = append(want, save("discord", "m"+string(rune('a'+i))))
	}
	save("discord", "") // never posted: no message to edit
	save("ask", "")     // the command line's
	f.write(f.doc("st", "a.md", "alpha 1"))

	t.Run("a failed edit leaves the answer for later", func(t *testing.T) {
		boom := errors.New("discord down")
		ok, err := s.NotifyStale(ctx, func(context.Context, store.StaleNotice) error { return boom })
		if !ok || !errors.Is(err, boom) {
			t.Fatalf("NotifyStale = %v, %v; want a claim and the edit's error", ok, err)
		}
	})
	t.Run("each stale posted answer is notified once across workers", func(t *testing.T) {
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				for {
					ok, err := s.NotifyStale(ctx, func(_ context.Context, n store.StaleNotice) error {
						if n.ChannelID != "c1" || n.MessageID == "" || n.StaleAt.IsZero() {
							t.Errorf("notice %+v", n)
						}
						mu.Lock()
						seen[n.AnswerID]++
						mu.Unlock()
						time.Sleep(5 * time.Millisecond) // hold the claim while others claim
						return nil
					})
					if err != nil {
						t.Error(err)
					}
					if !ok || err != nil {
						return
					}
				}
			})
		}
		wg.Wait()
		got := map[int64]int{}
		for _, id := range want {
			got[id] = 1
		}
		if diff := cmp.Diff(got, seen); diff != "" {
			t.Errorf("notices per answer (-want +got):\n%s", diff)
		}
	})
}
