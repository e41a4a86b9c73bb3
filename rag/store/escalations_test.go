package store_test

import (
	"errors"
	"testing"

	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

func TestEscalationRole(t *testing.T) {
	s := storetest.Open(t, dbURL)
	ctx := t.Context()
	steps := []struct {
		name, set, want string
	}{
		{"none at first", "-", ""},
		{"set", "777", "777"},
		{"replaced", "778", "778"},
		{"turned off", "", ""},
		{"off twice", "", ""},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.set != "-" {
				if err := s.SetEscalationRole(ctx, "g1", st.set); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.EscalationRole(ctx, "g1")
			if err != nil || got != st.want {
				t.Errorf("role = %q, %v; want %q", got, err, st.want)
			}
			if other, _ := s.EscalationRole(ctx, "g2"); other != "" {
				t.Errorf("another guild's role = %q", other)
			}
		})
	}
}

func TestEscalateAndResolve(t *testing.T) {
	s := storetest.Open(t, dbURL)
	ctx := t.Context()
	id, err := s.SaveAnswer(ctx, store.Answer{Surface: "discord", Kind: "ask", Collection: "c", GuildID: "g1", ThreadID: "th1",
		Question: "q", Text: "a"})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name         string
		do           func() (store.Escalation, bool, error)
		wantChanged  bool
		escBy, resBy string
		threadOpen   bool // th1 waits for a person
	}{
		{"resolving before any escalation changes nothing", func() (store.Escalation, bool, error) { return s.ResolveAnswer(ctx, id, "u9") }, false, "", "", false},
		{"the first escalation counts", func() (store.Escalation, bool, error) { return s.EscalateAnswer(ctx, id, "u1") }, true, "u1", "", true},
		{"a second one returns the first", func() (store.Escalation, bool, error) { return s.EscalateAnswer(ctx, id, "u2") }, false, "u1", "", true},
		{"resolved", func() (store.Escalation, bool, error) { return s.ResolveAnswer(ctx, id, "u3") }, true, "u1", "u3", false},
		{"resolved once", func() (store.Escalation, bool, error) { return s.ResolveAnswer(ctx, id, "u4") }, false, "u1", "u3", false},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			e, changed, err := st.do()
			if err != nil {
				t.Fatal(err)
			}
			if changed != st.wantChanged || e.EscalatedBy != st.escBy || e.ResolvedBy != st.resBy ||
				e.EscalatedAt.IsZero() != (st.escBy == "") || e.ResolvedAt.IsZero() != (st.resBy == "") {
				t.Errorf("got %+v changed %v, want escalated by %q, resolved by %q, changed %v", e, changed, st.escBy, st.resBy, st.wantChanged)
			}
			read, err := s.AnswerEscalation(ctx, id)
			if err != nil || read != e {
				t.Errorf("read back %+v, %v; want %+v", read, err, e)
			}
			open, err := s.ThreadEscalated(ctx, "th1")
			if err != nil || open != st.threadOpen {
				t.Errorf("thread escalated = %v, %v; want %v", open, err, st.threadOpen)
			}
			if other, _ := s.ThreadEscalated(ctx, ""); other {
				t.Error("the empty thread id counts as escalated")
			}
		})
	}
	if _, _, err := s.EscalateAnswer(ctx, id+1000, "u1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("escalating a missing answer: %v, want ErrNotFound", err)
	}
}
