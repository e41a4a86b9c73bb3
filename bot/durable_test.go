package bot_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
)

// Buttons and thread history come from the answer store: they work for
// an answer given before a restart (or by another replica).
func TestAnswersSurviveRestart(t *testing.T) {
	h := start(t, discordtest.Options{}, func(c *bot.Config) { c.MessageContent = true })
	i := h.srv.Command(t, member, "ask", discordtest.StringOption("question", "q1"))
	m := h.original(t, i, answered)
	h.srv.UserMessage(t, member, "<@"+h.srv.AppID()+"> how do I install?", h.srv.AppID())
	th := h.srv.WaitCalls(t, "POST /channels/{channel}/messages/{message}/threads", 1, wait)[0]
	threadID := strings.Split(th.Path, "/")[4]
	discordtest.WaitFor(t, func() bool { a := h.st.all(); return len(a) == 2 && a[1].ThreadID == threadID }, wait)

	h.restart(t, func(c *bot.Config) { c.MessageContent = true })
	h.srv.GuildCreate(t, guildA, "Guild A", chanA)

	src := h.srv.Button(t, member, customID(t, m, "src:"), &m)
	if v := h.original(t, src, func(discordgo.Message) bool { return true }); len(v.Embeds) != 1 || !strings.Contains(v.Embeds[0].Fields[0].Value, "Run make install.") {
		t.Errorf("sources after restart = %+v", v)
	}
	up := h.srv.Button(t, member, customID(t, m, "fb-:"), &m)
	h.original(t, up, func(m discordgo.Message) bool { return strings.Contains(m.Content, "recorded") })
	if fb := h.lib.feedbacks(); len(fb) != 1 || fb[0].AnswerID != 1 || fb[0].Helpful || fb[0].Question != "q1" {
		t.Errorf("feedback after restart = %+v", fb)
	}
	inThread := member
	inThread.ChannelID = threadID
	h.srv.UserMessage(t, inThread, "and on Windows?") // no mention: the thread is the bot's
	discordtest.WaitFor(t, func() bool { return len(h.ans.requests()) == 3 }, wait)
	if req := h.ans.requests()[2]; len(req.History) != 1 || req.History[0].Question != "how do I install?" {
		t.Errorf("follow-up after restart = %+v, want the thread's first turn as history", req)
	}
}

// A database outage while answering gives the user a short message, and
// the answers stored before it stay usable.
func TestAnswerStoreOutage(t *testing.T) {
	h := start(t, discordtest.Options{}, nil)
	before := h.srv.Command(t, member, "ask", discordtest.StringOption("question", "before"))
	m := h.original(t, before, answered)
	h.st.setDown(true)
	i := h.srv.Command(t, member, "ask", discordtest.StringOption("question", "during"))
	h.original(t, i, func(m discordgo.Message) bool { return strings.Contains(m.Content, "can't reach my database") })
	src := h.srv.Button(t, member, customID(t, m, "src:"), &m)
	h.original(t, src, func(m discordgo.Message) bool { return strings.Contains(m.Content, "can't reach my database") })
	mention := h.srv.UserMessage(t, member, "<@"+h.srv.AppID()+"> mention during", h.srv.AppID())
	h.srv.WaitFor(t, func() bool {
		for _, c := range h.srv.ChannelMessages(chanA) {
			// The reply to the mention, not the /ask failure above, which is
			// a message of the bot's in this channel too.
			reply := c.MessageReference != nil && c.MessageReference.MessageID == mention.ID
			if c.Author.ID == h.srv.AppID() && reply && strings.Contains(c.Content, "can't reach my database") {
				return true
			}
		}
		return false
	}, wait)
	h.st.setDown(false)
	src = h.srv.Button(t, member, customID(t, m, "src:"), &m)
	if v := h.original(t, src, func(discordgo.Message) bool { return true }); len(v.Embeds) != 1 {
		t.Errorf("sources after the outage = %+v", v)
	}
	if got := h.st.all(); len(got) != 1 || got[0].Question != "before" {
		t.Errorf("stored answers = %+v", got)
	}
}

// A button on an answer given over one process's gateway works on another
// process's HTTP interactions endpoint: the answer comes from the store.
func TestButtonOnAnotherReplica(t *testing.T) {
	h := start(t, discordtest.Options{}, nil)
	i := h.srv.Command(t, member, "ask", discordtest.StringOption("question", "q1"))
	m := h.original(t, i, answered)

	s, err := bot.NewSession(h.srv.Token(), bot.SessionConfig{APIBase: h.srv.APIBase()})
	if err != nil {
		t.Fatal(err)
	}
	other, err := bot.New(s, bot.Config{Answerer: &fakeAnswerer{}, Library: h.lib, Answers: h.st, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(nil)
	endpoint := httptest.NewServer(other.InteractionsHandler(bot.HTTPConfig{PublicKey: pub}))
	defer endpoint.Close()
	click := &discordgo.Interaction{Type: discordgo.InteractionMessageComponent, Message: &m,
		Data:    discordgo.MessageComponentInteractionData{CustomID: customID(t, m, "src:"), ComponentType: discordgo.ButtonComponent},
		GuildID: member.GuildID, ChannelID: member.ChannelID,
		Member: &discordgo.Member{GuildID: member.GuildID, User: &discordgo.User{ID: member.UserID}}}
	h.srv.RegisterInteraction(click)
	body, _ := json.Marshal(click)
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest(http.MethodPost, endpoint.URL, bytes.NewReader(body))
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(priv, append([]byte(stamp), body...))))
	req.Header.Set("X-Signature-Timestamp", stamp)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r discordgo.InteractionResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.Data == nil || len(r.Data.Embeds) != 1 ||
		!strings.Contains(r.Data.Embeds[0].Fields[0].Value, "Run make install.") {
		t.Fatalf("sources view from the other replica = %+v, %v", r.Data, err)
	}
}
