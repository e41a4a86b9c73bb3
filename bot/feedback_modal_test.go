package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
)

// fakeReasons keeps feedback and reasons in memory, as the store does.
type fakeReasons struct {
	mu      sync.Mutex
	fb      []bot.Feedback
	reasons map[int64]string
}

func (f *fakeReasons) RecordFeedback(_ context.Context, fb bot.Feedback) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fb = append(f.fb, fb)
	return int64(len(f.fb)), nil
}

func (f *fakeReasons) SetFeedbackReason(_ context.Context, id int64, userID, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id < 1 || id > int64(len(f.fb)) || f.fb[id-1].UserID != userID {
		return bot.ErrNoFeedback
	}
	if f.reasons == nil {
		f.reasons = map[int64]string{}
	}
	f.reasons[id] = reason
	return nil
}

func (f *fakeReasons) state() ([]bot.Feedback, map[int64]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := map[int64]string{}
	for k, v := range f.reasons {
		r[k] = v
	}
	return append([]bot.Feedback(nil), f.fb...), r
}

func TestThumbsDownAsksWhy(t *testing.T) {
	reasons := &fakeReasons{}
	h := start(t, discordtest.Options{}, func(c *bot.Config) { c.Reasons = reasons })
	i := h.srv.Command(t, member, "ask", discordtest.StringOption("question", "q1"))
	m := h.original(t, i, answered)

	down := h.srv.Button(t, member, customID(t, m, "fb-:"), &m)
	var modal discordtest.Modal
	discordtest.WaitFor(t, func() bool { var ok bool; modal, ok = h.srv.Modal(down.Token); return ok }, wait)
	if len(modal.Inputs) != 1 || modal.Inputs[0].Required || modal.Inputs[0].Style != discordgo.TextInputParagraph {
		t.Errorf("modal = %+v, want one optional paragraph input", modal)
	}
	fb, _ := reasons.state()
	want := []bot.Feedback{{GuildID: guildA, ChannelID: chanA, UserID: member.UserID, Collection: "guild-" + guildA,
		Question: "q1", Answer: "Answer to q1 [1].", ChunkIDs: []int64{42}, Helpful: false, AnswerID: 1}}
	if diff := cmp.Diff(want, fb, cmpIgnoreAt); diff != "" {
		t.Errorf("the 👎 is not stored before the modal is answered (-want +got):\n%s", diff)
	}

	tests := []struct {
		name   string
		inv    discordtest.Invoker
		values map[string]string
		reply  string
		want   map[int64]string
	}{
		{"another user cannot add to it", member.With("777"), map[string]string{"reason": "spoof"}, "no longer stored", map[int64]string{}},
		{"an empty form keeps the 👎 alone", member, map[string]string{"reason": "  "}, "Thanks — your feedback was recorded.", map[int64]string{}},
		{"the reason is stored with the feedback", member, map[string]string{"reason": " It quoted the old policy. "},
			"feedback and note were recorded", map[int64]string{1: "It quoted the old policy."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := h.srv.ModalSubmit(t, tt.inv, modal.CustomID, tt.values, &m)
			r := h.original(t, sub, func(m discordgo.Message) bool { return m.Content != "" })
			if !strings.Contains(r.Content, tt.reply) || r.Flags&discordgo.MessageFlagsEphemeral == 0 {
				t.Errorf("reply = %q (flags %v), want an ephemeral %q", r.Content, r.Flags, tt.reply)
			}
			if _, got := reasons.state(); !cmp.Equal(tt.want, got) {
				t.Errorf("reasons = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("a 👍 asks nothing", func(t *testing.T) {
		up := h.srv.Button(t, member, customID(t, m, "fb+:"), &m)
		r := h.original(t, up, func(m discordgo.Message) bool { return m.Content != "" })
		if _, ok := h.srv.Modal(up.Token); ok || !strings.Contains(r.Content, "recorded") {
			t.Errorf("👍 answered %q, modal %v", r.Content, ok)
		}
		if lib := h.lib.feedbacks(); len(lib) != 1 || !lib[0].Helpful {
			t.Errorf("👍 stored as %+v", lib)
		}
	})
	t.Run("a stale form is refused politely", func(t *testing.T) {
		sub := h.srv.ModalSubmit(t, member, "other:1", map[string]string{"reason": "x"}, &m)
		r := h.original(t, sub, func(m discordgo.Message) bool { return m.Content != "" })
		if !strings.Contains(r.Content, "older version") {
			t.Errorf("reply = %q", r.Content)
		}
	})
}
