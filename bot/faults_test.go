package bot_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
)

// A thread that cannot be opened must not turn its channel into a bot
// thread: later unaddressed messages there stay unanswered.
func TestThreadNotOpenedLeavesChannelAlone(t *testing.T) {
	h := start(t, discordtest.Options{}, func(c *bot.Config) { c.MessageContent = true })
	h.srv.FailNext("POST /channels/{channel}/messages/{message}/threads", 1, http.StatusForbidden, discordtest.CodeMissingPermissions, "Missing Permissions")
	h.srv.UserMessage(t, member, "<@"+h.srv.AppID()+"> how do I install?", h.srv.AppID())
	h.srv.WaitCalls(t, "POST /channels/{channel}/messages/{message}/threads", 1, wait)
	discordtest.WaitFor(t, func() bool { return len(h.srv.ChannelMessages(chanA)) == 2 }, wait) // question + answer
	h.srv.UserMessage(t, member, "hey team, is anyone up for lunch at noon?")
	probe := h.srv.Command(t, member, "help")
	h.original(t, probe, func(discordgo.Message) bool { return true })
	if n := len(h.ans.requests()); n != 1 {
		t.Errorf("%d answers, want 1: an unrelated message in the channel was answered", n)
	}
}

// When Discord rejects the final edit of a deferred reply, the user gets
// a plain message saying something went wrong instead of "thinking...".
func TestFinalEditRejectedFallsBack(t *testing.T) {
	const route = "PATCH /webhooks/{app}/{token}/messages/{message}"
	tests := []struct {
		name    string
		rejects int
		cmd     func(h *harness) *discordgo.Interaction
		want    string
	}{
		{"ask, plain answer accepted", 1, func(h *harness) *discordgo.Interaction {
			return h.srv.Command(t, member, "ask", discordtest.StringOption("question", "q"))
		}, "Answer to q [1]."},
		{"ask, only the notice accepted", 2, func(h *harness) *discordgo.Interaction {
			return h.srv.Command(t, member, "ask", discordtest.StringOption("question", "q"))
		}, "went wrong"},
		{"summary, plain text accepted", 1, func(h *harness) *discordgo.Interaction {
			return h.srv.Command(t, member, "summary", discordtest.StringOption("document", "a.md"))
		}, "Summary of a.md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := start(t, discordtest.Options{}, func(c *bot.Config) { c.EditInterval = time.Hour })
			h.srv.FailNext(route, tt.rejects, http.StatusBadRequest, discordtest.CodeInvalidFormBody, "Invalid Form Body")
			i := tt.cmd(h)
			m := h.original(t, i, func(m discordgo.Message) bool { return m.Flags&discordgo.MessageFlagsLoading == 0 })
			if !strings.Contains(m.Content, tt.want) || !strings.Contains(m.Content, "went wrong") {
				t.Errorf("shown %q, want %q and a note that something went wrong", m.Content, tt.want)
			}
		})
	}
}
