package bot_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
)

// guildOnShard returns a guild id that Discord routes to shard n of count.
func guildOnShard(n, count int) string {
	return strconv.FormatUint(uint64(700000+n+count*10)<<22|12345, 10)
}

// Two bots with different shard ids on one answer store each answer
// their own shard's guilds: the fake routes a guild's events to shard
// (guild_id >> 22) % 2.
func TestShardsAnswerTheirGuilds(t *testing.T) {
	srv := discordtest.New(t, discordtest.Options{})
	st, lib := &fakeAnswers{}, newLibrary()
	answerers := []*fakeAnswerer{{}, {}}
	for n := range 2 {
		s, err := bot.NewSession(srv.Token(), bot.SessionConfig{APIBase: srv.APIBase(), Intents: bot.Intents(false), ShardID: n, ShardCount: 2})
		if err != nil {
			t.Fatal(err)
		}
		b, err := bot.New(s, bot.Config{Answerer: answerers[n], Library: lib, Answers: st, Logger: discardLogger(), DevGuildID: devGuild,
			ShutdownGrace: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- b.Run(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("shard %d: %v", n, err)
			}
		})
		discordtest.WaitFor(t, func() bool {
			return srv.ShardConnected(n) && len(srv.CallsTo("PUT /applications/{app}/guilds/{guild}/commands")) > n
		}, wait)
	}
	for n := range 2 {
		g := guildOnShard(n, 2)
		if got := discordtest.ShardOf(g, 2); got != n {
			t.Fatalf("guild %s on shard %d, want %d", g, got, n)
		}
		srv.GuildCreate(t, g, "Guild "+g, "90"+strconv.Itoa(n))
		inv := discordtest.Invoker{GuildID: g, ChannelID: "90" + strconv.Itoa(n), UserID: "5"}
		i := srv.Command(t, inv, "ask", discordtest.StringOption("question", "q"+strconv.Itoa(n)))
		(&harness{srv: srv}).original(t, i, answered)
		if reqs := answerers[n].requests(); len(reqs) != 1 || reqs[0].Question != "q"+strconv.Itoa(n) {
			t.Errorf("shard %d answered %+v", n, reqs)
		}
	}
	if len(st.all()) != 2 {
		t.Errorf("stored %d answers, want 2", len(st.all()))
	}
}
