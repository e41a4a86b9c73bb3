package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

// digestStore adapts the store's digest counts to the bot's, as cli does.
type digestStore struct{ *store.Store }

func (d digestStore) DigestStats(ctx context.Context, collection string, from, to time.Time) (bot.DigestStats, error) {
	st, err := d.Store.DigestStats(ctx, collection, from, to)
	return bot.DigestStats{Questions: st.Questions, Refused: st.Refused, Helpful: st.Helpful, Unhelpful: st.Unhelpful}, err
}

// fakeClock is the schedule's injected clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// digests returns the digest messages posted in a channel.
func digests(srv *discordtest.Server, channelID string) []discordgo.Message {
	var out []discordgo.Message
	for _, m := range srv.ChannelMessages(channelID) {
		if strings.HasPrefix(m.Content, "📊 **Weekly digest**") {
			out = append(out, m)
		}
	}
	return out
}

// nextMonday is the Monday 00:00 UTC after t's week.
func nextMonday(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for d = d.AddDate(0, 0, 1); d.Weekday() != time.Monday; d = d.AddDate(0, 0, 1) {
	}
	return d
}

// The digest of a week is posted once however many replicas look for it,
// a failed post is retried rather than skipped, and neither a restart nor
// a later look repeats it.
func TestDigestOncePerWeek(t *testing.T) {
	s := storetest.Open(t, dbURL)
	ctx := t.Context()
	start0 := time.Now() // the answers below are stored now, in this week
	clock := &fakeClock{t: start0}
	gaps := func(_ context.Context, guildID string, _ time.Time) ([]bot.DigestGap, error) {
		return []bot.DigestGap{{Count: 2, Example: "how do I rotate keys in " + guildID + "?"}}, nil
	}
	digest := bot.DigestConfig{Store: digestStore{s}, Gaps: gaps, Now: clock.now, Poll: 10 * time.Millisecond, Lease: 3 * time.Second}
	tweak := func(c *bot.Config) { c.Digest = digest }
	h := start(t, discordtest.Options{}, tweak)
	for i, refused := range []bool{false, true} {
		if _, err := s.SaveAnswer(ctx, store.Answer{Surface: "discord", Kind: "ask", Collection: bot.GuildCollection(guildA),
			GuildID: guildA, Question: "q", Text: "a", Refused: refused}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveFeedback(ctx, store.Feedback{Collection: bot.GuildCollection(guildA), GuildID: guildA,
			Question: "q", Answer: "a", Helpful: i == 0, At: start0}); err != nil {
			t.Fatal(err)
		}
	}
	other := replica(t, h, digest)

	say := func(inv discordtest.Invoker, opts ...*discordgo.ApplicationCommandInteractionDataOption) string {
		i := h.srv.Command(t, inv, "digest", opts...)
		return h.original(t, i, func(m discordgo.Message) bool { return m.Content != "" }).Content
	}
	if got := say(member, discordtest.ChannelOption("channel", chanA)); got != "/digest needs the Manage Server permission." {
		t.Errorf("member's /digest = %q", got)
	}
	if got := say(admin, discordtest.ChannelOption("channel", chanA)); !strings.Contains(got, "goes to <#"+chanA+"> every Monday") ||
		!strings.Contains(got, nextMonday(start0).Format("Mon 2 Jan 2006")) {
		t.Errorf("/digest channel = %q", got)
	}
	lookBoth := func() int {
		a, err1 := h.bot.PostDueDigests(ctx)
		b, err2 := other.PostDueDigests(ctx)
		if err1 != nil || err2 != nil {
			t.Errorf("PostDueDigests: %v, %v", err1, err2)
		}
		return a + b
	}
	if n := lookBoth(); n != 0 {
		t.Errorf("%d digests posted during the week they were turned on in", n)
	}

	// The week is over. The first post fails (e.g. a permission missing for
	// a moment): the claim runs out and a replica posts it then.
	h.srv.FailNext("POST /channels/{channel}/messages", 1, 403, discordtest.CodeMissingPermissions, "Missing Permissions")
	clock.set(nextMonday(start0).Add(time.Second))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { lookBoth() })
	}
	wg.Wait()
	discordtest.WaitFor(t, func() bool { return len(digests(h.srv, chanA)) > 0 }, wait)
	if n := lookBoth(); n != 0 {
		t.Errorf("%d more digests posted after the first", n)
	}
	h.restart(t, tweak)
	if n := lookBoth(); n != 0 {
		t.Errorf("%d digests posted again after a restart", n)
	}
	got := digests(h.srv, chanA)
	if len(got) != 1 {
		t.Fatalf("%d digests posted, want 1", len(got))
	}
	for _, want := range []string{"**Questions asked:** 2 (1 without an answer", "**Helpful rate:** 50% (1 👍, 1 👎)", "1. 2× “how do I rotate keys in " + guildA + "?”"} {
		if !strings.Contains(got[0].Content, want) {
			t.Errorf("digest %q lacks %q", got[0].Content, want)
		}
	}
	if got := digests(h.srv, chanB); len(got) != 0 {
		t.Errorf("guild B, which has no digest, got %d", len(got))
	}

	clock.set(nextMonday(start0).AddDate(0, 0, 7).Add(time.Hour))
	discordtest.WaitFor(t, func() bool { return len(digests(h.srv, chanA)) == 2 }, wait)
	if got := say(admin, discordtest.BoolOption("off", true)); got != "The weekly digest is off." {
		t.Errorf("/digest off = %q", got)
	}
	clock.set(nextMonday(start0).AddDate(0, 0, 14).Add(time.Hour))
	if n := lookBoth(); n != 0 || len(digests(h.srv, chanA)) != 2 {
		t.Errorf("a digest was posted after /digest off")
	}
}

// replica is a second bot process on the same fake Discord and database,
// which only runs the digest schedule.
func replica(t *testing.T, h *harness, digest bot.DigestConfig) *bot.Bot {
	t.Helper()
	s, err := bot.NewSession(h.srv.Token(), bot.SessionConfig{APIBase: h.srv.APIBase()})
	if err != nil {
		t.Fatal(err)
	}
	other, err := bot.New(s, bot.Config{Answerer: &fakeAnswerer{}, Library: h.lib, Answers: h.st, Logger: discardLogger(), Digest: digest})
	if err != nil {
		t.Fatal(err)
	}
	return other
}
