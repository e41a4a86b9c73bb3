package bot_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
)

// fakeStale keeps stale notices as the store does: each handed out until
// notify succeeds for it.
type fakeStale struct {
	mu       sync.Mutex
	pending  []bot.StaleNotice
	notified map[int64]int
}

func (f *fakeStale) flag(n bot.StaleNotice) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = append(f.pending, n)
}

func (f *fakeStale) NotifyStale(ctx context.Context, notify func(context.Context, bot.StaleNotice) error) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.pending) == 0 {
		return false, nil
	}
	n := f.pending[0]
	if err := notify(ctx, n); err != nil {
		return true, err
	}
	f.pending = f.pending[1:]
	if f.notified == nil {
		f.notified = map[int64]int{}
	}
	f.notified[n.AnswerID]++
	return true, nil
}

func (f *fakeStale) count(id int64) (notified int, pending int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.notified[id], len(f.pending)
}

const staleLine = "⚠️ A source of this answer changed on 2026-03-04."

func TestStaleAnswerMessage(t *testing.T) {
	stale := &fakeStale{}
	h := start(t, discordtest.Options{}, func(c *bot.Config) { c.Stale, c.StalePoll = stale, 20*time.Millisecond })
	first := h.original(t, h.srv.Command(t, member, "ask", discordtest.StringOption("question", "q1")), answered)
	other := h.original(t, h.srv.Command(t, member, "ask", discordtest.StringOption("question", "q2")), answered)
	ids := h.st.all()
	if len(ids) != 2 {
		t.Fatalf("stored answers = %+v", ids)
	}
	at := time.Date(2026, 3, 3, 23, 30, 0, 0, time.FixedZone("", -5*3600)) // 2026-03-04 in UTC, whose date the line gives
	stale.flag(bot.StaleNotice{AnswerID: ids[0].ID, ChannelID: chanA, MessageID: first.ID, StaleAt: at})

	var edited discordgo.Message
	h.srv.WaitFor(t, func() bool {
		edited, _ = h.srv.Message(first.ID)
		return strings.Contains(edited.Content, staleLine)
	}, wait)
	t.Run("the message gains the line and an Ask again button", func(t *testing.T) {
		golden(t, "stale_answer", struct {
			Content    string                       `json:"content"`
			Embeds     []*discordgo.MessageEmbed    `json:"embeds"`
			Components []discordgo.MessageComponent `json:"components"`
		}{edited.Content, edited.Embeds, edited.Components})
		if m, _ := h.srv.Message(other.ID); m.Content != other.Content || len(m.Components) != len(other.Components) {
			t.Errorf("an answer that is not stale was edited: %+v", m)
		}
	})
	t.Run("the message is edited once", func(t *testing.T) {
		time.Sleep(100 * time.Millisecond) // several polls
		if n, pending := stale.count(ids[0].ID); n != 1 || pending != 0 {
			t.Errorf("notified %d times, %d pending; want once", n, pending)
		}
		var edits int
		for _, c := range h.srv.CallsTo("PATCH /channels/{channel}/messages/{message}") {
			if strings.HasSuffix(c.Path, "/"+first.ID) {
				edits++
			}
		}
		if edits != 1 {
			t.Errorf("%d edits of the stale answer's message, want 1", edits)
		}
	})
	t.Run("Ask again answers the question afresh", func(t *testing.T) {
		again := h.srv.Button(t, member, customID(t, edited, "again:"), &edited)
		m := h.original(t, again, answered)
		if !strings.HasPrefix(m.Content, "Answer to q1") || strings.Contains(m.Content, staleLine) {
			t.Errorf("fresh answer = %q", m.Content)
		}
		reqs := h.ans.requests()
		if q := reqs[len(reqs)-1].Question; q != "q1" {
			t.Errorf("asked %q again, want q1", q)
		}
		if all := h.st.all(); len(all) != 3 || all[2].Question != "q1" || all[2].ChannelID != chanA {
			t.Errorf("stored answers after Ask again = %+v", all)
		}
	})
	t.Run("a message that is gone counts as done", func(t *testing.T) {
		stale.flag(bot.StaleNotice{AnswerID: 99, ChannelID: chanA, MessageID: "404404", StaleAt: at})
		h.srv.WaitFor(t, func() bool { n, pending := stale.count(99); return n == 1 && pending == 0 }, wait)
	})
}

// A mention's answer opens a thread on its first message, which sits in
// the parent channel: Ask again there answers in the thread.
func TestAskAgainInThread(t *testing.T) {
	stale := &fakeStale{}
	h := start(t, discordtest.Options{}, func(c *bot.Config) { c.Stale, c.StalePoll = stale, 20*time.Millisecond })
	h.srv.UserMessage(t, member, "<@"+h.srv.AppID()+"> how do I install?", h.srv.AppID())
	var rec bot.StoredAnswer
	discordtest.WaitFor(t, func() bool {
		a := h.st.all()
		if len(a) == 1 && a[0].ThreadID != "" && a[0].MessageID != "" {
			rec = a[0]
			return true
		}
		return false
	}, wait)
	stale.flag(bot.StaleNotice{AnswerID: rec.ID, ChannelID: chanA, MessageID: rec.MessageID, StaleAt: time.Now()})
	var edited discordgo.Message
	h.srv.WaitFor(t, func() bool {
		edited, _ = h.srv.Message(rec.MessageID)
		return strings.Contains(edited.Content, "A source of this answer changed on")
	}, wait)

	i := h.srv.Button(t, member, customID(t, edited, "again:"), &edited)
	if m := h.original(t, i, func(m discordgo.Message) bool { return m.Content != "" }); m.Content != "Answered again in <#"+rec.ThreadID+">." ||
		m.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("reply to the presser = %q (flags %d), want a private pointer to the thread", m.Content, m.Flags)
	}
	var fresh []string
	for _, m := range h.srv.ChannelMessages(rec.ThreadID) {
		if m.Author.ID == h.srv.AppID() && strings.HasPrefix(m.Content, "Answer to how do I install?") {
			fresh = append(fresh, m.ID)
		}
	}
	if len(fresh) != 1 {
		t.Errorf("fresh answers in the thread = %d, want 1", len(fresh))
	}
	all := h.st.all()
	if len(all) != 2 || all[1].ThreadID != rec.ThreadID || all[1].Question != rec.Question || len(fresh) == 1 && all[1].MessageID != fresh[0] {
		t.Errorf("stored answers = %+v", all)
	}
	if req := h.ans.requests()[1]; len(req.History) != 1 || req.History[0].Question != rec.Question {
		t.Errorf("asked again with history %+v, want the thread's turn", req.History)
	}
}

// golden compares v, as indented JSON, with testdata/name.golden; -update
// (render_test.go's flag) rewrites it.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name+".golden")
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}
