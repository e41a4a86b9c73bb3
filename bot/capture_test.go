package bot_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
)

// fakeCapturer records the documents it was given.
type fakeCapturer struct {
	mu   sync.Mutex
	docs map[string][]bot.CapturedDocument // by collection
}

func (f *fakeCapturer) Capture(_ context.Context, coll string, d bot.CapturedDocument) (bot.IngestSummary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.docs == nil {
		f.docs = map[string][]bot.CapturedDocument{}
	}
	f.docs[coll] = append(f.docs[coll], d)
	return bot.IngestSummary{Added: 1, Chunks: 1}, nil
}

func (f *fakeCapturer) captured(coll string) []bot.CapturedDocument {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bot.CapturedDocument(nil), f.docs[coll]...)
}

const threadA = "3001" // a thread under chanA

func startCapture(t *testing.T) (*harness, *fakeCapturer) {
	t.Helper()
	capt := &fakeCapturer{}
	h := start(t, discordtest.Options{}, func(c *bot.Config) { c.Capture = capt })
	h.srv.AddChannel(&discordgo.Channel{ID: threadA, GuildID: guildA, ParentID: chanA, Name: "install-help",
		Type: discordgo.ChannelTypeGuildPublicThread})
	return h, capt
}

func person(id, name string) *discordgo.User { return &discordgo.User{ID: id, Username: name} }

func TestCaptureRegistered(t *testing.T) {
	h, _ := startCapture(t)
	cmds, _ := h.srv.Commands(devGuild)
	for _, c := range cmds {
		if c.Name != "Add to knowledge" {
			continue
		}
		if c.Type != discordgo.MessageApplicationCommand || c.DefaultMemberPermissions == nil ||
			*c.DefaultMemberPermissions != discordgo.PermissionManageGuild || c.Description != "" {
			t.Errorf("Add to knowledge registered as %+v", c)
		}
		return
	}
	t.Errorf("no Add to knowledge command in %d commands", len(cmds))
}

func TestCaptureMessage(t *testing.T) {
	h, capt := startCapture(t)
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	good := h.srv.AddMessage(&discordgo.Message{ChannelID: chanA, GuildID: guildA, Author: person("601", "alice"), Timestamp: at,
		Content: "Restart the worker with `citebot serve --restart`, <@602> confirmed.", Mentions: []*discordgo.User{person("602", "bob")}})
	tests := []struct {
		name   string
		inv    discordtest.Invoker
		target *discordgo.Message
		want   string
	}{
		{"a member is refused", member, good, "“Add to knowledge” needs the Manage Server permission."},
		{"a bot's message is refused", admin, h.srv.AddMessage(&discordgo.Message{ChannelID: chanA, Author: &discordgo.User{ID: "9", Bot: true},
			Content: "I am a bot"}), "That message is from a bot"},
		{"a message without text is refused", admin, h.srv.AddMessage(&discordgo.Message{ChannelID: chanA, Author: person("601", "alice"),
			Attachments: []*discordgo.MessageAttachment{{ID: "1", Filename: "log.txt"}}}), "That message has no text to add"},
		{"a system message is refused", admin, h.srv.AddMessage(&discordgo.Message{ChannelID: chanA, Author: person("601", "alice"),
			Type: discordgo.MessageTypeChannelPinnedMessage, Content: "pinned"}), "That is a system message"},
		{"a person's message is added", admin, good, "Added **#chan-1001 — alice, 2026-11-30**. Answers cite it as " +
			"<https://discord.com/channels/111/1001/" + good.ID + ">; remove it with `/forget document:https://discord.com/channels/111/1001/" + good.ID + "`."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := h.replyText(t, h.srv.MessageCommand(t, tt.inv, "Add to knowledge", tt.target))
			if !strings.Contains(got, tt.want) {
				t.Errorf("reply = %q, want %q", got, tt.want)
			}
		})
	}
	docs := capt.captured(bot.GuildCollection(guildA))
	want := bot.CapturedDocument{Source: "https://discord.com/channels/111/1001/" + good.ID, Title: "#chan-1001 — alice, 2026-11-30",
		Text: "Restart the worker with `citebot serve --restart`, @bob confirmed."}
	if len(docs) != 1 || docs[0] != want {
		t.Errorf("captured %+v, want only %+v", docs, want)
	}
}

// In a thread the command asks first; "Whole thread" reads the thread's
// history page by page and adds the people's messages as one document.
func TestCaptureThread(t *testing.T) {
	h, capt := startCapture(t)
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	var target *discordgo.Message
	for n := range 130 {
		m := &discordgo.Message{ChannelID: threadA, Author: person("601", "alice"), Timestamp: at.Add(time.Duration(n) * time.Minute),
			Content: fmt.Sprintf("message %03d", n)}
		if n%10 == 5 {
			m.Author = &discordgo.User{ID: h.srv.AppID(), Bot: true}
		}
		m = h.srv.AddMessage(m)
		if n == 42 {
			target = m
		}
	}
	inThread := admin
	inThread.ChannelID = threadA
	prompt := h.original(t, h.srv.MessageCommand(t, inThread, "Add to knowledge", target), func(m discordgo.Message) bool { return len(m.Components) > 0 })

	replay := h.srv.Button(t, member.With("503"), customID(t, prompt, "knT:"), &prompt)
	if got := h.replyText(t, replay); !strings.Contains(got, "needs the Manage Server permission") {
		t.Errorf("a member's replayed button = %q", got)
	}
	click := h.srv.Button(t, inThread, customID(t, prompt, "knT:"), &prompt)
	done := h.original(t, click, func(m discordgo.Message) bool { return strings.HasPrefix(m.Content, "Added") })
	if !strings.Contains(done.Content, "#install-help — thread by alice, 2026-11-30") {
		t.Errorf("reply = %q", done.Content)
	}
	if n := len(h.srv.CallsTo("GET /channels/{channel}/messages")); n != 2 {
		t.Errorf("%d history pages read, want 2 (100 + 30)", n)
	}
	docs := capt.captured(bot.GuildCollection(guildA))
	if len(docs) != 1 || docs[0].Source != "https://discord.com/channels/111/"+threadA {
		t.Fatalf("captured %+v, want the thread", docs)
	}
	text := docs[0].Text
	if strings.Contains(text, "message 005") || !strings.Contains(text, "message 004") || strings.Count(text, "**alice**") != 117 ||
		strings.Index(text, "message 000") > strings.Index(text, "message 129") {
		t.Errorf("thread text: want the 117 people's messages oldest first, got %d of them:\n%.300s", strings.Count(text, "**alice**"), text)
	}

	one := h.srv.Button(t, inThread, customID(t, prompt, "kn1:"), &prompt)
	h.original(t, one, func(m discordgo.Message) bool { return strings.HasPrefix(m.Content, "Added") })
	if docs := capt.captured(bot.GuildCollection(guildA)); len(docs) != 2 || docs[1].Text != "message 042" ||
		docs[1].Source != "https://discord.com/channels/111/"+threadA+"/"+target.ID {
		t.Errorf("This message captured %+v", docs[1:])
	}
}

// Without the Message Content intent Discord sends history without text:
// the reply names the switch instead of adding an empty document.
func TestCaptureThreadWithoutContent(t *testing.T) {
	h, capt := startCapture(t)
	target := h.srv.AddMessage(&discordgo.Message{ChannelID: threadA, Author: person("601", "alice"), Content: "the one I clicked"})
	h.srv.AddMessage(&discordgo.Message{ChannelID: threadA, Author: person("602", "bob")}) // content withheld
	inThread := admin
	inThread.ChannelID = threadA
	prompt := h.original(t, h.srv.MessageCommand(t, inThread, "Add to knowledge", target), func(m discordgo.Message) bool { return len(m.Components) > 0 })
	empty := *target
	empty.Content = ""
	h.srv.AddMessage(&empty) // as the history serves it without the intent
	for _, prefix := range []string{"knT:", "kn1:"} {
		click := h.srv.Button(t, inThread, customID(t, prompt, prefix), &prompt)
		got := h.original(t, click, func(m discordgo.Message) bool { return strings.Contains(m.Content, "Intent") })
		if !strings.Contains(got.Content, "Message Content Intent") {
			t.Errorf("%s reply = %q", prefix, got.Content)
		}
	}
	if docs := capt.captured(bot.GuildCollection(guildA)); len(docs) != 0 {
		t.Errorf("captured %+v without text", docs)
	}
}

// A button naming another server's thread reads nothing from it.
func TestCaptureButtonStaysInItsServer(t *testing.T) {
	h, capt := startCapture(t)
	h.srv.AddChannel(&discordgo.Channel{ID: "4001", GuildID: guildB, ParentID: chanB, Name: "b-secrets", Type: discordgo.ChannelTypeGuildPublicThread})
	h.srv.AddMessage(&discordgo.Message{ChannelID: "4001", Author: person("701", "eve"), Content: "guild B only"})
	prompt := discordgo.Message{ID: h.srv.NewID(), ChannelID: chanA, Flags: discordgo.MessageFlagsEphemeral}
	for _, id := range []string{"knT:4001", "kn1:4001:1"} {
		if got := h.replyText(t, h.srv.Button(t, admin, id, &prompt)); !strings.Contains(got, "can't find that thread in this server") {
			t.Errorf("%s: reply = %q", id, got)
		}
	}
	if n := len(h.srv.CallsTo("GET /channels/{channel}/messages")) + len(h.srv.CallsTo("GET /channels/{channel}/messages/{message}")); n != 0 {
		t.Errorf("%d reads of another server's messages", n)
	}
	if docs := capt.captured(bot.GuildCollection(guildA)); len(docs) != 0 {
		t.Errorf("captured %+v", docs)
	}
}
