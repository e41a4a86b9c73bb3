package bot_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"io"
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

func TestInteractionsHandler(t *testing.T) {
	srv := discordtest.New(t, discordtest.Options{})
	s, err := bot.NewSession(srv.Token(), bot.SessionConfig{APIBase: srv.APIBase()})
	if err != nil {
		t.Fatal(err)
	}
	ans := &fakeAnswerer{hold: make(chan struct{})}
	lib := newLibrary()
	stored := &fakeAnswers{}
	b, err := bot.New(s, bot.Config{Answerer: ans, Library: lib, Answers: stored, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(nil)
	_, otherPriv, _ := ed25519.GenerateKey(nil)
	now := time.Unix(1_800_000_000, 0)
	h := httptest.NewServer(b.InteractionsHandler(bot.HTTPConfig{PublicKey: pub, DeferAfter: 200 * time.Millisecond, Now: func() time.Time { return now }}))
	defer h.Close()
	post := func(key ed25519.PrivateKey, ts time.Time, body []byte) (int, []byte) {
		stamp := strconv.FormatInt(ts.Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, h.URL, bytes.NewReader(body))
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, append([]byte(stamp), body...))))
		req.Header.Set("X-Signature-Timestamp", stamp)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}
	ping := []byte(`{"id":"1","type":1,"token":"t","application_id":"` + srv.AppID() + `"}`)
	tests := []struct {
		name   string
		key    ed25519.PrivateKey
		ts     time.Time
		status int
		body   string
	}{
		{"ping", priv, now, 200, `{"type":1}`},
		{"bad signature", otherPriv, now, 401, ""},
		{"stale", priv, now.Add(-6 * time.Minute), 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := post(tt.key, tt.ts, ping)
			if code != tt.status || (tt.body != "" && strings.TrimSpace(string(body)) != tt.body) {
				t.Errorf("got %d %s, want %d %s", code, body, tt.status, tt.body)
			}
		})
	}
	// send posts i and checks the response type.
	send := func(t *testing.T, i *discordgo.Interaction, want discordgo.InteractionResponseType) []byte {
		t.Helper()
		raw, _ := json.Marshal(i)
		_, body := post(priv, now, raw)
		var r discordgo.InteractionResponse
		if err := json.Unmarshal(body, &r); err != nil || r.Type != want {
			t.Fatalf("response %s (%v), want type %d", body, err, want)
		}
		return body
	}
	t.Run("help answered inline", func(t *testing.T) {
		send(t, srv.NewCommand(member, "help"), discordgo.InteractionResponseChannelMessageWithSource)
	})
	// A command's deferral is public: a late private reply must stay
	// private (a followup only the user sees), and the public "thinking…"
	// goes.
	t.Run("slow private reply is a private followup", func(t *testing.T) {
		lib.setDelay(500 * time.Millisecond)
		defer lib.setDelay(0)
		i := srv.NewCommand(admin, "collection", discordtest.Subcommand("show"))
		srv.Acknowledge(t, i, send(t, i, discordgo.InteractionResponseDeferredChannelMessageWithSource))
		m := waitFollowup(t, srv, i, "answers from `guild-111`")
		if m.Flags&discordgo.MessageFlagsEphemeral == 0 {
			t.Errorf("late private reply sent public: flags %d", m.Flags)
		}
		discordtest.WaitFor(t, func() bool { _, ok := srv.Original(i.Token); return !ok }, wait)
	})
	var asked *discordgo.Interaction
	t.Run("slow ask deferred then edited", func(t *testing.T) {
		i := srv.NewCommand(member, "ask", discordtest.StringOption("question", "slow"))
		srv.Acknowledge(t, i, send(t, i, discordgo.InteractionResponseDeferredChannelMessageWithSource))
		close(ans.hold)
		discordtest.WaitFor(t, func() bool { m, ok := srv.Original(i.Token); return ok && answered(m) }, wait)
		if n := len(srv.CallsTo("POST /interactions/{id}/{token}/callback")); n != 0 {
			t.Errorf("%d REST callbacks for an HTTP interaction", n)
		}
		asked = i
	})
	// A button's deferral stands for the answer it is on: the late Sources
	// list must arrive as its own message and leave the answer as it was.
	t.Run("slow button reply leaves the answer", func(t *testing.T) {
		if asked == nil {
			t.Fatal("no answer to press a button on")
		}
		msg, _ := srv.Original(asked.Token)
		stored.setReadDelay(500 * time.Millisecond)
		defer stored.setReadDelay(0)
		i := &discordgo.Interaction{Type: discordgo.InteractionMessageComponent, GuildID: member.GuildID, ChannelID: member.ChannelID,
			Member:  &discordgo.Member{GuildID: member.GuildID, User: &discordgo.User{ID: member.UserID}, Permissions: member.Permissions},
			Data:    discordgo.MessageComponentInteractionData{CustomID: "src:1", ComponentType: discordgo.ButtonComponent},
			Message: &msg}
		srv.RegisterInteraction(i)
		srv.Acknowledge(t, i, send(t, i, discordgo.InteractionResponseDeferredMessageUpdate))
		waitFollowup(t, srv, i, "")
		if got, _ := srv.Message(msg.ID); got.Content != msg.Content {
			t.Errorf("answer overwritten by the late button reply: %q, was %q", got.Content, msg.Content)
		}
	})
}

// waitFollowup waits for a followup message to interaction i holding want
// and returns it.
func waitFollowup(t *testing.T, srv *discordtest.Server, i *discordgo.Interaction, want string) discordgo.Message {
	t.Helper()
	var found discordgo.Message
	discordtest.WaitFor(t, func() bool {
		for _, c := range srv.CallsTo("POST /webhooks/{app}/{token}") {
			if !strings.HasSuffix(c.Path, "/"+i.Token) || c.Status != http.StatusOK {
				continue
			}
			var m discordgo.Message
			if json.Unmarshal(c.Body, &m) == nil && strings.Contains(m.Content, want) {
				found = m
				return true
			}
		}
		return false
	}, wait)
	return found
}

// TestInteractionsBodyLimits checks the body a client without credentials
// can send: over 1 MiB is refused with 413, and one that drips in is cut
// off at BodyTimeout rather than holding the connection.
func TestInteractionsBodyLimits(t *testing.T) {
	srv := discordtest.New(t, discordtest.Options{})
	s, err := bot.NewSession(srv.Token(), bot.SessionConfig{APIBase: srv.APIBase()})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bot.New(s, bot.Config{Answerer: &fakeAnswerer{}, Library: newLibrary(), Answers: &fakeAnswers{}, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	pub, _, _ := ed25519.GenerateKey(nil)
	h := httptest.NewServer(b.InteractionsHandler(bot.HTTPConfig{PublicKey: pub, BodyTimeout: 300 * time.Millisecond}))
	defer h.Close()
	tests := []struct {
		name   string
		body   io.Reader
		status int
	}{
		{"too large", bytes.NewReader(make([]byte, 1<<20+1)), http.StatusRequestEntityTooLarge},
		{"dripping", &dripReader{n: 1000, every: 100 * time.Millisecond}, http.StatusRequestTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, tt.body)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				if ctx.Err() != nil {
					t.Fatalf("post: %v: the body was not cut off", err)
				}
				return // the server closed the connection while the body dripped: also cut off
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
}

// dripReader yields n bytes, one every every.
type dripReader struct {
	n     int
	every time.Duration
}

func (d *dripReader) Read(p []byte) (int, error) {
	if d.n == 0 {
		return 0, io.EOF
	}
	time.Sleep(d.every)
	d.n--
	p[0] = 'x'
	return 1, nil
}
