package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

func TestAnswers(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	ctx := t.Context()
	titled(t, s, m, "ans", "/docs/a.md", "A", "alpha text")
	ps, err := s.DocumentPassages(ctx, "ans", "/docs/a.md")
	if err != nil || len(ps) != 1 {
		t.Fatal(ps, err)
	}
	cite := store.Citation{N: 1, ChunkID: ps[0].ChunkID, DocumentID: ps[0].DocumentID, Title: "A", Source: "/docs/a.md",
		HeadingPath: []string{"H"}, Text: "alpha text"}
	save := func(thread, q string, private bool) int64 {
		t.Helper()
		id, err := s.SaveAnswer(ctx, store.Answer{Surface: "discord", Kind: "ask", Collection: "ans", GuildID: "g", ChannelID: "c",
			ThreadID: thread, Question: q, Query: q + "?", Text: "ans " + q, Mode: "extractive", Private: private,
			Latency: 1500 * time.Millisecond, Citations: []store.Citation{cite}})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	first := save("", "q1", false)
	if err := s.AnswerPosted(ctx, first, "th", "m1"); err != nil {
		t.Fatal(err)
	}
	save("th", "q2", true) // private: never history
	save("th", "q3", false)
	save("other", "q4", false)

	t.Run("an answer reads back with its citations and their hashes", func(t *testing.T) {
		a, err := s.Answer(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		want := cite
		want.ContentHash = "/docs/a.mdalpha text" // what titled stores as the chunk hash
		if diff := cmp.Diff([]store.Citation{want}, a.Citations); diff != "" {
			t.Errorf("citations (-want +got):\n%s", diff)
		}
		if a.ThreadID != "th" || a.MessageID != "m1" || a.Query != "q1?" || a.Latency != 1500*time.Millisecond || !a.StaleAt.IsZero() {
			t.Errorf("answer = %+v", a)
		}
	})
	t.Run("thread history is the public turns, oldest first", func(t *testing.T) {
		turns, err := s.ThreadTurns(ctx, "th", 6)
		want := []store.Turn{{Question: "q1", Answer: "ans q1"}, {Question: "q3", Answer: "ans q3"}}
		if err != nil || !cmp.Equal(want, turns) {
			t.Errorf("turns = %+v, %v; want %+v", turns, err, want)
		}
		if turns, _ := s.ThreadTurns(ctx, "th", 1); len(turns) != 1 || turns[0].Question != "q3" {
			t.Errorf("last turn = %+v", turns)
		}
		if turns, _ := s.ThreadTurns(ctx, "", 6); len(turns) != 0 {
			t.Errorf("answers outside threads made a history: %+v", turns)
		}
	})
	t.Run("list filters", func(t *testing.T) {
		all, err := s.ListAnswers(ctx, store.AnswerFilter{Collection: "ans"})
		if err != nil || len(all) != 4 || all[0].Question != "q4" {
			t.Errorf("ListAnswers = %d answers, %v", len(all), err)
		}
		if none, _ := s.ListAnswers(ctx, store.AnswerFilter{Surface: "chat"}); len(none) != 0 {
			t.Errorf("surface filter: %d", len(none))
		}
	})
	t.Run("retention deletes old answers and their feedback", func(t *testing.T) {
		if err := s.SaveFeedback(ctx, store.Feedback{Collection: "ans", Question: "q1", Answer: "ans q1", Helpful: true, AnswerID: first}); err != nil {
			t.Fatal(err)
		}
		n, err := s.DeleteAnswersBefore(ctx, time.Now().Add(time.Hour))
		if err != nil || n != 4 {
			t.Fatalf("deleted %d, %v", n, err)
		}
		if _, err := s.Answer(ctx, first); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Answer after retention: %v, want ErrNotFound", err)
		}
	})
}
