package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
	"github.com/google/go-cmp/cmp"
)

var (
	week1 = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC) // a Monday
	week2 = week1.AddDate(0, 0, 7)
)

func TestDigestClaims(t *testing.T) {
	s := storetest.Open(t, dbURL)
	ctx := t.Context()
	if err := s.SetDigestChannel(ctx, "g", "c", week1); err != nil {
		t.Fatal(err)
	}
	t.Run("the week it was turned on in is not due", func(t *testing.T) {
		if due, err := s.DueDigests(ctx, week1); err != nil || len(due) != 0 {
			t.Errorf("due = %v, %v", due, err)
		}
		if _, ok, _ := s.ClaimDigest(ctx, "g", week1, "a", time.Minute); ok {
			t.Error("the enabling week was claimed")
		}
	})
	t.Run("moving the channel keeps the posted week", func(t *testing.T) {
		if err := s.SetDigestChannel(ctx, "g", "c2", week2); err != nil {
			t.Fatal(err)
		}
		if ch, ok, err := s.DigestChannel(ctx, "g"); ch != "c2" || !ok || err != nil {
			t.Errorf("channel = %q, %v, %v", ch, ok, err)
		}
		if due, _ := s.DueDigests(ctx, week2); !cmp.Equal(due, []string{"g"}) {
			t.Errorf("due = %v, want [g]", due)
		}
	})
	t.Run("of many claimers exactly one wins", func(t *testing.T) {
		var mu sync.Mutex
		var won []string
		var wg sync.WaitGroup
		for _, owner := range []string{"a", "b", "c", "d", "e", "f"} {
			wg.Go(func() {
				ch, ok, err := s.ClaimDigest(ctx, "g", week2, owner, time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					won = append(won, owner+":"+ch)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(won) != 1 {
			t.Fatalf("winners = %v, want one", won)
		}
		if due, _ := s.DueDigests(ctx, week2); len(due) != 0 {
			t.Errorf("a claimed digest is due: %v", due)
		}
	})
	t.Run("a claim whose owner died is taken again after its lease", func(t *testing.T) {
		// The winner never reports back, and its lease runs out.
		if err := s.ExecForTest(ctx, `UPDATE digests SET claim_until = now() - interval '1 second' WHERE guild_id = 'g'`); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.ClaimDigest(ctx, "g", week2, "z", time.Minute); !ok || err != nil {
			t.Fatalf("reclaim = %v, %v", ok, err)
		}
	})
	t.Run("a posted week is never claimed again", func(t *testing.T) {
		if err := s.DigestPosted(ctx, "g", week2, "z"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.ClaimDigest(ctx, "g", week2, "y", time.Minute); ok {
			t.Error("a posted week was claimed")
		}
		if due, _ := s.DueDigests(ctx, week2.AddDate(0, 0, 7)); !cmp.Equal(due, []string{"g"}) {
			t.Errorf("next week due = %v", due)
		}
	})
	t.Run("off removes it", func(t *testing.T) {
		if ok, err := s.DisableDigest(ctx, "g"); !ok || err != nil {
			t.Errorf("disable = %v, %v", ok, err)
		}
		if ok, _ := s.DisableDigest(ctx, "g"); ok {
			t.Error("disabled twice")
		}
		if _, ok, _ := s.DigestChannel(ctx, "g"); ok {
			t.Error("digest still on")
		}
	})
}

func TestDigestStats(t *testing.T) {
	s := storetest.Open(t, dbURL)
	ctx := t.Context()
	in, before := week1.Add(50*time.Hour), week1.Add(-time.Hour)
	counts := []struct {
		collection      string
		day             time.Time
		asked, refusals int
	}{
		{"guild-g", in, 2, 1},
		{"guild-g-faq", in, 1, 0}, // a named collection of the guild
		{"guild-g", before, 5, 0}, // outside the week
		{"guild-gh", in, 7, 0},    // another guild whose id starts alike
		{"guild-h", in, 7, 0},     // another guild
		{"guild-g", week2, 9, 0},  // the next week
	}
	for _, c := range counts {
		if err := s.ExecForTest(ctx, `INSERT INTO answer_counts (collection, day, surface, asked, refused) VALUES ($1, $2::date, 'discord', $3, $4)`,
			c.collection, c.day, c.asked, c.refusals); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []struct {
		collection string
		helpful    bool
		at         time.Time
	}{{"guild-g", true, in}, {"guild-g-faq", true, in}, {"guild-g", false, in}, {"guild-g", false, before}, {"guild-h", false, in}} {
		if err := s.SaveFeedback(ctx, store.Feedback{Collection: f.collection, GuildID: "g", Question: "q", Answer: "a",
			Helpful: f.helpful, At: f.at}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.DigestStats(ctx, "guild-g", week1, week2)
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.DigestStats{Questions: 3, Refused: 1, Helpful: 2, Unhelpful: 1}); got != want {
		t.Errorf("stats = %+v, want %+v", got, want)
	}
}
