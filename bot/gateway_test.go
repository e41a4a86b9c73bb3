package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
)

func TestMentionThreadFollowUp(t *testing.T) {
	tests := []struct {
		name           string
		messageContent bool
		followMention  bool
	}{
		{"content intent", true, false},
		{"no content intent", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := start(t, discordtest.Options{}, func(c *bot.Config) { c.MessageContent = tt.messageContent })
			q := h.srv.UserMessage(t, member, "<@"+h.srv.AppID()+"> how do I install?", h.srv.AppID())
			reply := h.srv.WaitCalls(t, "POST /channels/{channel}/messages", 1, wait)[0]
			var sent struct {
				Content         string                            `json:"content"`
				Reference       *discordgo.MessageReference       `json:"message_reference"`
				AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
			}
			if err := json.Unmarshal(reply.Body, &sent); err != nil {
				t.Fatal(err)
			}
			if sent.Content != "Answer to how do I install? [1]." || sent.Reference == nil || sent.Reference.MessageID != q.ID {
				t.Fatalf("reply = %+v", sent)
			}
			if sent.AllowedMentions == nil || len(sent.AllowedMentions.Parse) != 0 {
				t.Errorf("allowed_mentions = %+v, want parse none", sent.AllowedMentions)
			}
			h.srv.WaitCalls(t, "POST /channels/{channel}/messages/{message}/threads", 1, wait)
			if len(h.srv.CallsTo("POST /channels/{channel}/typing")) == 0 {
				t.Error("no typing indicator")
			}
			threadID := strings.Split(h.srv.CallsTo("POST /channels/{channel}/messages/{message}/threads")[0].Path, "/")[4]
			inThread := member
			inThread.ChannelID = threadID
			follow, mentions := "and on Windows?", []string(nil)
			if tt.followMention {
				follow, mentions = "<@"+h.srv.AppID()+"> and on Windows?", []string{h.srv.AppID()}
			}
			h.srv.UserMessage(t, inThread, follow, mentions...)
			discordtest.WaitFor(t, func() bool { return len(h.ans.requests()) == 2 }, wait)
			req := h.ans.requests()[1]
			if req.Question != "and on Windows?" || len(req.History) != 1 || req.History[0].Question != "how do I install?" {
				t.Errorf("follow-up request = %+v", req)
			}
			h.srv.WaitFor(t, func() bool {
				ms := h.srv.ChannelMessages(threadID)
				return len(ms) == 2 && ms[1].Author.ID == h.srv.AppID() && ms[1].Content == "Answer to and on Windows? [1]."
			}, wait)
		})
	}
}

func TestMessageWithoutMentionIgnored(t *testing.T) {
	h := start(t, discordtest.Options{}, func(c *bot.Config) { c.MessageContent = true })
	h.srv.UserMessage(t, member, "just chatting")
	probe := h.srv.Command(t, member, "help")
	h.original(t, probe, func(discordgo.Message) bool { return true })
	if n := len(h.ans.requests()); n != 0 {
		t.Errorf("answered %d unaddressed messages", n)
	}
}

func TestRESTRateLimitRetried(t *testing.T) {
	h := start(t, discordtest.Options{}, nil)
	h.srv.RateLimitNext("PATCH /webhooks/{app}/{token}/messages/{message}", 2, 100*time.Millisecond)
	i := h.srv.Command(t, member, "ask", discordtest.StringOption("question", "q"))
	h.original(t, i, answered)
	var statuses []int
	for _, c := range h.srv.CallsTo("PATCH /webhooks/{app}/{token}/messages/{message}") {
		statuses = append(statuses, c.Status)
	}
	if len(statuses) < 3 || statuses[0] != 429 || statuses[1] != 429 {
		t.Errorf("statuses = %v, want two 429s then success", statuses)
	}
}

func TestGatewayDropMidAnswer(t *testing.T) {
	h := start(t, discordtest.Options{}, nil)
	h.ans.hold = make(chan struct{})
	first := h.srv.Command(t, member, "ask", discordtest.StringOption("question", "first"))
	discordtest.WaitFor(t, func() bool { return len(h.ans.requests()) == 1 }, wait)
	h.srv.DropConnection(t)
	second := h.srv.Command(t, member.With("2"), "ask", discordtest.StringOption("question", "second"))
	// Discord may deliver an event twice around a resume.
	h.srv.Dispatch(t, "INTERACTION_CREATE", first)
	discordtest.WaitFor(t, func() bool { return h.srv.Resumes() == 1 }, wait)
	h.srv.Dispatch(t, "INTERACTION_CREATE", second)
	close(h.ans.hold)
	h.original(t, first, answered)
	h.original(t, second, answered)
	probe := h.srv.Command(t, member, "help")
	h.original(t, probe, func(discordgo.Message) bool { return true })
	if n := len(h.ans.requests()); n != 2 {
		t.Errorf("%d answers, want 2", n)
	}
	for _, i := range []*discordgo.Interaction{first, second} {
		if n := len(h.callbacks(i)); n != 1 {
			t.Errorf("interaction %s acknowledged %d times", i.ID, n)
		}
	}
}

func TestReconnects(t *testing.T) {
	tests := []struct {
		name      string
		heartbeat time.Duration
		act       func(t *testing.T, srv *discordtest.Server)
	}{
		{"op7", 0, func(t *testing.T, srv *discordtest.Server) { srv.RequestReconnect(t) }},
		{"op9", 0, func(t *testing.T, srv *discordtest.Server) { srv.InvalidateSession(t, false) }},
		{"zombie", 300 * time.Millisecond, func(t *testing.T, srv *discordtest.Server) { srv.Zombie(t) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := start(t, discordtest.Options{HeartbeatInterval: tt.heartbeat}, nil)
			before := h.srv.Readies() + h.srv.Resumes()
			tt.act(t, h.srv)
			discordtest.WaitFor(t, func() bool { return h.srv.Readies()+h.srv.Resumes() > before && h.srv.Connected() }, wait)
			i := h.srv.Command(t, member, "ask", discordtest.StringOption("question", "after"))
			h.original(t, i, answered)
		})
	}
}

func TestDisallowedIntentFatal(t *testing.T) {
	srv := discordtest.New(t, discordtest.Options{DisallowedIntents: discordgo.IntentMessageContent})
	s, err := bot.NewSession(srv.Token(), bot.SessionConfig{APIBase: srv.APIBase(), Intents: bot.Intents(true)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bot.New(s, bot.Config{Answerer: &fakeAnswerer{}, Library: newLibrary(), Answers: &fakeAnswers{}, MessageContent: true, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	err = b.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "Message Content Intent") || !strings.Contains(err.Error(), "4014") {
		t.Fatalf("run error = %v, want the 4014 explanation", err)
	}
}

func TestShutdownFinishesAnswers(t *testing.T) {
	h := start(t, discordtest.Options{}, nil)
	h.ans.hold = make(chan struct{})
	i := h.srv.Command(t, member, "ask", discordtest.StringOption("question", "late"))
	discordtest.WaitFor(t, func() bool { return len(h.ans.requests()) == 1 }, wait)
	stopped := make(chan struct{})
	stop := h.stop
	h.stop = nil
	go func() { stop(); close(stopped) }()
	time.Sleep(100 * time.Millisecond) // let shutdown begin; the answer is still held
	close(h.ans.hold)
	<-stopped
	if m, _ := h.srv.Original(i.Token); !answered(m) {
		t.Errorf("answer in flight lost at shutdown: %q", m.Content)
	}
}
