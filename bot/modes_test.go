package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
	"github.com/google/go-cmp/cmp"
)

// fakeModes keeps channel modes in memory, as the store does.
type fakeModes struct {
	mu    sync.Mutex
	modes map[string]string
}

func (f *fakeModes) ChannelMode(_ context.Context, guildID, channelID string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m, ok := f.modes[guildID+"/"+channelID]; ok {
		return m, nil
	}
	return bot.ModeMentions, nil
}

func (f *fakeModes) SetChannelMode(_ context.Context, guildID, channelID, mode string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.modes == nil {
		f.modes = map[string]string{}
	}
	delete(f.modes, guildID+"/"+channelID)
	if mode != bot.ModeMentions {
		f.modes[guildID+"/"+channelID] = mode
	}
	return nil
}

func (f *fakeModes) get(guildID, channelID string) string {
	m, _ := f.ChannelMode(context.Background(), guildID, channelID)
	return m
}

const (
	forumA  = "1002"
	portal  = "Developer Portal → Bot → Privileged Gateway Intents → **Message Content Intent**"
	setting = "`--message-content`"
)

// modeHarness runs a bot with channel modes and, when messageContent, the
// Message Content intent.
func modeHarness(t *testing.T, opts discordtest.Options, messageContent bool) (*harness, *fakeModes) {
	t.Helper()
	modes := &fakeModes{}
	h := start(t, opts, func(c *bot.Config) { c.Modes, c.MessageContent = modes, messageContent })
	h.srv.AddForum(guildA, forumA)
	return h, modes
}

// say runs /mode and returns the ephemeral reply.
func (h *harness) say(t *testing.T, inv discordtest.Invoker, opts ...*discordgo.ApplicationCommandInteractionDataOption) string {
	t.Helper()
	i := h.srv.Command(t, inv, "mode", opts...)
	m := h.original(t, i, func(m discordgo.Message) bool { return m.Content != "" })
	if m.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("/mode reply %q is not ephemeral", m.Content)
	}
	return m.Content
}

func TestModeCommand(t *testing.T) {
	h, modes := modeHarness(t, discordtest.Options{}, true)
	mode := func(m string) *discordgo.ApplicationCommandInteractionDataOption {
		return discordtest.StringOption("mode", m)
	}
	tests := []struct {
		name     string
		inv      discordtest.Invoker
		opts     []*discordgo.ApplicationCommandInteractionDataOption
		want     string // in the reply
		channel  string // whose mode is then checked
		wantMode string
	}{
		{"members may not set modes", member, []*discordgo.ApplicationCommandInteractionDataOption{mode("all")},
			"/mode needs the Manage Server permission.", chanA, bot.ModeMentions},
		{"a channel starts on mentions", admin, nil, "<#" + chanA + "> answers only when mentioned.", chanA, bot.ModeMentions},
		{"every message in a text channel", admin, []*discordgo.ApplicationCommandInteractionDataOption{mode("all")},
			"<#" + chanA + "> now answers every message", chanA, bot.ModeAll},
		{"the current mode is shown", admin, nil, "answers every message that looks like a question", chanA, bot.ModeAll},
		{"forum mode needs a forum", admin, []*discordgo.ApplicationCommandInteractionDataOption{mode("forum")},
			"is not a forum channel", chanA, bot.ModeAll},
		{"a forum gets forum mode, not all", admin, []*discordgo.ApplicationCommandInteractionDataOption{mode("all"), discordtest.ChannelOption("channel", forumA)},
			"is a forum channel; use `forum`", forumA, bot.ModeMentions},
		{"forum mode on a forum, from another channel", admin, []*discordgo.ApplicationCommandInteractionDataOption{mode("forum"), discordtest.ChannelOption("channel", forumA)},
			"<#" + forumA + "> now answers every new post", forumA, bot.ModeForum},
		{"another guild's channel is refused", admin, []*discordgo.ApplicationCommandInteractionDataOption{mode("all"), discordtest.ChannelOption("channel", chanB)},
			"I can't see that channel", chanB, bot.ModeMentions},
		{"mentions resets", admin, []*discordgo.ApplicationCommandInteractionDataOption{mode("mentions")},
			"<#" + chanA + "> now answers only when mentioned.", chanA, bot.ModeMentions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := h.say(t, tt.inv, tt.opts...); !strings.Contains(got, tt.want) {
				t.Errorf("reply = %q, want it to contain %q", got, tt.want)
			}
			g := guildA
			if tt.channel == chanB {
				g = guildB
			}
			if got := modes.get(g, tt.channel); got != tt.wantMode {
				t.Errorf("mode of %s = %q, want %q", tt.channel, got, tt.wantMode)
			}
		})
	}
}

// Without the Message Content intent, forum and every-message modes are
// refused with the switches to turn on: the portal's only when READY's
// application flags show it off.
func TestModeNeedsMessageContent(t *testing.T) {
	tests := []struct {
		name       string
		flags      int
		wantPortal bool
	}{
		{"portal switch off", 0, true},
		{"portal switch on (under 100 servers)", discordtest.AppFlagMessageContentLimited, false},
		{"verified app's intent on", discordtest.AppFlagMessageContent, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, modes := modeHarness(t, discordtest.Options{AppFlags: tt.flags}, false)
			if id := h.srv.Identifies(); len(id) != 1 || id[0].Intents&discordgo.IntentMessageContent != 0 {
				t.Fatalf("IDENTIFY = %+v, want no Message Content intent", id)
			}
			for _, m := range []string{"all", "forum"} {
				opts := []*discordgo.ApplicationCommandInteractionDataOption{discordtest.StringOption("mode", m)}
				if m == "forum" {
					opts = append(opts, discordtest.ChannelOption("channel", forumA))
				}
				got := h.say(t, admin, opts...)
				if !strings.Contains(got, setting) || strings.Contains(got, portal) != tt.wantPortal {
					t.Errorf("/mode %s reply = %q, want the citebot setting and the portal switch: %v", m, got, tt.wantPortal)
				}
			}
			if len(modes.modes) != 0 {
				t.Errorf("modes set without the intent: %v", modes.modes)
			}
			if got := h.say(t, admin, discordtest.StringOption("mode", "mentions")); !strings.Contains(got, "only when mentioned") {
				t.Errorf("mentions without the intent = %q", got)
			}
		})
	}
}

// questions returns the questions the answerer was asked, in order.
func (h *harness) questions() []string {
	var out []string
	for _, r := range h.ans.requests() {
		out = append(out, r.Question)
	}
	return out
}

// settle sends a mention in guild B and waits for it to be answered:
// messages dispatched before it that were going to be answered are by
// then (each is answered at once by the fake answerer).
func (h *harness) settle(t *testing.T, n int) {
	t.Helper()
	inv := member
	inv.GuildID, inv.ChannelID = guildB, chanB
	h.srv.UserMessage(t, inv, "<@"+h.srv.AppID()+"> marker", h.srv.AppID())
	discordtest.WaitFor(t, func() bool { return len(h.ans.requests()) >= n }, wait)
}

func TestEveryMessageMode(t *testing.T) {
	h, modes := modeHarness(t, discordtest.Options{EchoMessages: true}, true)
	if id := h.srv.Identifies(); len(id) != 1 || id[0].Intents&discordgo.IntentMessageContent == 0 {
		t.Fatalf("IDENTIFY = %+v, want the Message Content intent", id)
	}
	if got := h.say(t, admin, discordtest.StringOption("mode", "all")); !strings.Contains(got, "now answers every message") {
		t.Fatalf("/mode all = %q", got)
	}
	q := h.srv.UserMessage(t, member, "how do I install it")
	th := h.srv.WaitCalls(t, "POST /channels/{channel}/messages/{message}/threads", 1, wait)[0]
	threadID := strings.Split(th.Path, "/")[4]
	reply, _ := h.srv.Message(threadID) // the thread is opened on the reply
	if reply.MessageReference == nil || reply.MessageReference.MessageID != q.ID || reply.Content != "Answer to how do I install it [1]." {
		t.Errorf("reply = %+v", reply)
	}

	self := &discordgo.User{ID: h.srv.AppID(), Username: "citebot", Bot: true}
	other := &discordgo.User{ID: "777", Username: "otherbot", Bot: true}
	person := &discordgo.User{ID: "501", Username: "user501"}
	for _, m := range []*discordgo.Message{
		{Author: other, Content: "how do I install it? (bot)"},
		{Author: self, Content: "how do I install it? (self)"},
		{Author: &discordgo.User{ID: "888", Username: "hook"}, WebhookID: "888", Content: "how do I install it? (webhook)"},
		{Author: person, Type: discordgo.MessageTypeChannelPinnedMessage, Content: "how do I install it? (system)"},
		{Author: person, Content: "thanks!"},
		{Author: person, Content: "+1"},
		{Author: person, Content: "ok cool"},
	} {
		m.ChannelID, m.GuildID = chanA, guildA
		h.srv.SendMessage(t, m)
	}
	h.srv.UserMessage(t, member, "is there a Windows build?")
	discordtest.WaitFor(t, func() bool { return len(h.ans.requests()) == 2 }, wait)
	h.settle(t, 3)

	inThread := member
	inThread.ChannelID = threadID
	h.srv.UserMessage(t, inThread, "and on Windows?") // a follow-up in the bot's thread, as in mentions mode
	discordtest.WaitFor(t, func() bool { return len(h.ans.requests()) == 4 }, wait)
	h.settle(t, 5)
	want := []string{"how do I install it", "is there a Windows build?", "marker", "and on Windows?", "marker"}
	if diff := cmp.Diff(want, h.questions()); diff != "" {
		t.Errorf("questions answered (-want +got):\n%s", diff)
	}
	if req := h.ans.requests()[3]; len(req.History) != 1 || req.History[0].Question != "how do I install it" {
		t.Errorf("follow-up history = %+v", req.History)
	}
	if modes.get(guildB, chanB) != bot.ModeMentions {
		t.Error("guild B's channel changed mode")
	}
}

func TestForumMode(t *testing.T) {
	h, _ := modeHarness(t, discordtest.Options{EchoMessages: true}, true)
	const quietForum = "1003"
	h.srv.AddForum(guildA, quietForum)
	if got := h.say(t, admin, discordtest.StringOption("mode", "forum"), discordtest.ChannelOption("channel", forumA)); !strings.Contains(got, "now answers every new post") {
		t.Fatalf("/mode forum = %q", got)
	}
	quiet, _ := h.srv.ForumPost(t, member, quietForum, "Unanswered forum", "how do I install it?")
	post, starter := h.srv.ForumPost(t, member, forumA, "Install on Linux", "which package do I need?")
	discordtest.WaitFor(t, func() bool { return len(h.srv.ChannelMessages(post.ID)) >= 2 }, wait)
	reply := h.srv.ChannelMessages(post.ID)[1]
	if reply.Author.ID != h.srv.AppID() || reply.MessageReference == nil || reply.MessageReference.MessageID != starter.ID {
		t.Errorf("reply in the post = %+v", reply)
	}
	if got := h.questions(); len(got) != 1 || got[0] != "Install on Linux\nwhich package do I need?" {
		t.Errorf("questions = %q, want the post's title and text", got)
	}
	if n := len(h.srv.CallsTo("POST /channels/{channel}/messages/{message}/threads")); n != 0 {
		t.Errorf("%d threads opened; a forum post is its own thread", n)
	}

	inPost, inQuiet := member, member
	inPost.ChannelID, inQuiet.ChannelID = post.ID, quiet.ID
	h.srv.UserMessage(t, inQuiet, "anyone know how to install it?") // not the starter, in a forum without the mode
	h.srv.UserMessage(t, inPost, "and on Debian?")                  // a follow-up in a post the bot answered
	discordtest.WaitFor(t, func() bool { return len(h.ans.requests()) == 2 }, wait)
	h.settle(t, 3)
	want := []string{"Install on Linux\nwhich package do I need?", "and on Debian?", "marker"}
	if diff := cmp.Diff(want, h.questions()); diff != "" {
		t.Errorf("questions answered (-want +got):\n%s", diff)
	}
	if req := h.ans.requests()[1]; len(req.History) != 1 {
		t.Errorf("follow-up history = %+v, want the post's answer", req.History)
	}
}

// A mode stored while the bot had the intent does nothing once it runs
// without it (the message text is empty then): only mentions are answered.
func TestModeIgnoredWithoutIntent(t *testing.T) {
	h, modes := modeHarness(t, discordtest.Options{}, false)
	if err := modes.SetChannelMode(context.Background(), guildA, chanA, bot.ModeAll); err != nil {
		t.Fatal(err)
	}
	h.srv.UserMessage(t, member, "how do I install it?")
	h.settle(t, 1)
	if got := h.questions(); !cmp.Equal(got, []string{"marker"}) {
		t.Errorf("questions = %q, want only the mention", got)
	}
}
