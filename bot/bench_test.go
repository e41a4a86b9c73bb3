package bot_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
)

// BenchmarkConcurrentAsk sends 50 /ask at once per iteration through the
// fake gateway and reports the p99 time from dispatch to the deferral.
func BenchmarkConcurrentAsk(b *testing.B) {
	const concurrent = 50
	h := start(b, discordtest.Options{}, func(c *bot.Config) { c.Workers, c.QueueSize = 8, 64 })
	var lat []time.Duration
	n := 0
	for b.Loop() {
		sent := map[string]time.Time{}
		var is []*discordgo.Interaction
		for k := range concurrent {
			inv := member.With(fmt.Sprint(1000 + k))
			at := time.Now()
			i := h.srv.Command(b, inv, "ask", discordtest.StringOption("question", fmt.Sprintf("q%d-%d", n, k)))
			sent[i.ID], is = at, append(is, i)
		}
		n++
		for _, i := range is {
			h.original(b, i, answered)
		}
		for _, c := range h.srv.CallsTo("POST /interactions/{id}/{token}/callback") {
			id := strings.Split(c.Path, "/")[2]
			if at, ok := sent[id]; ok {
				lat = append(lat, c.At.Sub(at))
			}
		}
	}
	b.StopTimer()
	if got, want := len(h.ans.requests()), n*concurrent; got != want || len(lat) != want {
		b.Fatalf("%d answers and %d deferrals for %d questions", got, len(lat), want)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p99 := lat[(len(lat)*99)/100-1]
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-defer-ms")
}
