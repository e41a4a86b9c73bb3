package bot_test

import (
	"sync"
	"testing"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
)

// countingObserver counts the events the bot reports.
type countingObserver struct {
	mu      sync.Mutex
	limited map[string]int
}

func (o *countingObserver) RateLimited(scope string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.limited[scope]++
}
func (o *countingObserver) QueueDepth(int) {}
func (o *countingObserver) Error(string)   {}

func (o *countingObserver) count(scope string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.limited[scope]
}

func TestObserverAndConnected(t *testing.T) {
	obs := &countingObserver{limited: map[string]int{}}
	var b *bot.Bot
	h := start(t, discordtest.Options{}, func(c *bot.Config) {
		c.Observer = obs
		c.UserRate = bot.Rate{Burst: 1, Every: 1 << 40}
	})
	b = h.bot
	h.srv.WaitFor(t, b.Connected, wait)
	first := h.srv.Command(t, member, "ask", discordtest.StringOption("question", "one"))
	h.original(t, first, answered)
	h.srv.Command(t, member, "ask", discordtest.StringOption("question", "two"))
	h.srv.WaitFor(t, func() bool { return obs.count("user") == 1 }, wait)
}
