package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
)

func fastJobs(c *bot.Config) {
	c.JobPoll, c.JobLease = 20*time.Millisecond, 300*time.Millisecond
	c.AnswerTimeout = 300 * time.Millisecond
}

func resyncDone(m discordgo.Message) bool { return strings.HasPrefix(m.Content, "Re-sync done") }

// /reingest runs as a job outside the answer deadline, and its progress
// message is edited to completion.
func TestReingestRunsOutsideAnswerDeadline(t *testing.T) {
	h := start(t, discordtest.Options{}, fastJobs)
	hold := make(chan struct{})
	h.ing.setHold(hold)
	i := h.srv.Command(t, admin, "reingest")
	h.original(t, i, func(m discordgo.Message) bool { return strings.Contains(m.Content, "running") })
	time.Sleep(600 * time.Millisecond) // twice the answer deadline
	close(hold)
	if m := h.original(t, i, resyncDone); !strings.Contains(m.Content, "2 updated, 1 unchanged") {
		t.Errorf("summary = %q", m.Content)
	}
	if j := h.jobs.job(1); j.state != "done" || j.Attempts != 1 || j.sum.Updated != 2 {
		t.Errorf("job = %+v", j)
	}
}

// A job running at shutdown is handed back and finished by the next
// process, which edits the same progress message.
func TestJobResumedAfterRestart(t *testing.T) {
	h := start(t, discordtest.Options{}, fastJobs)
	h.ing.setHold(make(chan struct{})) // never finishes in this process
	i := h.srv.Command(t, admin, "reingest")
	h.original(t, i, func(m discordgo.Message) bool { return strings.Contains(m.Content, "running") })
	h.ing.setHold(nil)
	h.restart(t, fastJobs)
	h.original(t, i, resyncDone)
	if j := h.jobs.job(1); j.state != "done" || j.Attempts != 2 {
		t.Errorf("job = %+v, want done on the second attempt", j)
	}
}

// A job whose process died (its lease ran out without a heartbeat) is
// resumed once by a running worker; after the interaction token's 15
// minutes the report goes to a channel message instead.
func TestAbandonedJobResumed(t *testing.T) {
	h := start(t, discordtest.Options{}, fastJobs)
	ctx := context.Background()
	id, _ := h.jobs.EnqueueJob(ctx, bot.Job{Kind: bot.JobResync, Collection: "guild-" + guildA, GuildID: guildA,
		ChannelID: chanA, AppID: h.srv.AppID(), Token: "long-gone", TokenAt: time.Now().Add(-20 * time.Minute)})
	h.jobs.mu.Lock()
	j := h.jobs.jobs[id-1]
	j.state, j.owner, j.lease, j.Attempts = "running", "dead", time.Now().Add(100*time.Millisecond), 1
	h.jobs.mu.Unlock()
	discordtest.WaitFor(t, func() bool { j := h.jobs.job(id); return j.state == "done" && j.MessageID != "" }, wait)
	if got := h.jobs.job(id); got.Attempts != 2 || got.owner == "dead" || got.MessageID == "" {
		t.Fatalf("job = %+v", got)
	}
	var m discordgo.Message
	discordtest.WaitFor(t, func() bool { m, _ = h.srv.Message(h.jobs.job(id).MessageID); return resyncDone(m) }, wait)
	if m.ChannelID != chanA {
		t.Errorf("channel report in %s, want %s", m.ChannelID, chanA)
	}
	if n := h.ing.resyncCount(); n != 1 {
		t.Errorf("resync ran %d times, want once", n)
	}
	if n := len(h.srv.CallsTo("PATCH /webhooks/{app}/{token}/messages/{message}")); n != 0 {
		t.Errorf("%d edits with an expired token", n)
	}
}

// A job interrupted more often than MaxJobAttempts is failed and reported.
func TestJobGivenUpAfterAttempts(t *testing.T) {
	h := start(t, discordtest.Options{}, func(c *bot.Config) { fastJobs(c); c.MaxJobAttempts = 2 })
	id, _ := h.jobs.EnqueueJob(context.Background(), bot.Job{Kind: bot.JobResync, Collection: "guild-" + guildA, ChannelID: chanA})
	h.jobs.mu.Lock()
	j := h.jobs.jobs[id-1]
	j.state, j.owner, j.lease, j.Attempts = "running", "dead", time.Now(), 2
	h.jobs.mu.Unlock()
	discordtest.WaitFor(t, func() bool { j := h.jobs.job(id); return j.state == "failed" && j.MessageID != "" }, wait)
	if got := h.jobs.job(id); !strings.Contains(got.failure, "interrupted 2 times") || h.ing.resyncCount() != 0 {
		t.Errorf("job = %+v, resyncs %d", got, h.ing.resyncCount())
	}
	discordtest.WaitFor(t, func() bool {
		m, _ := h.srv.Message(h.jobs.job(id).MessageID)
		return strings.Contains(m.Content, "failed")
	}, wait)
}
