package discordtest_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
	"github.com/gorilla/websocket"
)

const wait = 15 * time.Second

func open(t *testing.T, srv *discordtest.Server, intents discordgo.Intent) *discordgo.Session {
	t.Helper()
	s, err := bot.NewSession(srv.Token(), bot.SessionConfig{APIBase: srv.APIBase(), Intents: intents})
	if err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		s.LogLevel = discordgo.LogInformational
	}
	if err := s.Open(); err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// seenMessages counts MESSAGE_CREATE events by id.
type seenMessages struct {
	mu sync.Mutex
	n  map[string]int
}

func (m *seenMessages) count(id string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n[id]
}

func watch(s *discordgo.Session) *seenMessages {
	m := &seenMessages{n: map[string]int{}}
	s.AddHandler(func(_ *discordgo.Session, e *discordgo.MessageCreate) {
		m.mu.Lock()
		m.n[e.ID]++
		m.mu.Unlock()
	})
	return m
}

func TestConnectReady(t *testing.T) {
	srv := discordtest.New(t, discordtest.Options{})
	s := open(t, srv, discordgo.IntentsGuilds|discordgo.IntentsGuildMessages)
	if got := s.State.User.ID; got != srv.AppID() {
		t.Errorf("ready user %q, want %q", got, srv.AppID())
	}
	ids := srv.Identifies()
	if len(ids) != 1 || ids[0].Intents != discordgo.IntentsGuilds|discordgo.IntentsGuildMessages {
		t.Errorf("identifies = %+v", ids)
	}
	if len(srv.CallsTo("GET /gateway")) != 1 {
		t.Errorf("gateway url not fetched over REST: %+v", srv.Calls())
	}
}

func TestResumeReplaysMissedEvents(t *testing.T) {
	srv := discordtest.New(t, discordtest.Options{})
	s := open(t, srv, discordgo.IntentsGuildMessages)
	seen := watch(s)
	inv := discordtest.Invoker{GuildID: "1", ChannelID: "2", UserID: "3"}
	m1 := srv.UserMessage(t, inv, "one")
	discordtest.WaitFor(t, func() bool { return seen.count(m1.ID) == 1 }, wait)
	srv.DropConnection(t)
	m2 := srv.UserMessage(t, inv, "two")
	m3 := srv.UserMessage(t, inv, "three")
	discordtest.WaitFor(t, func() bool { return srv.Resumes() == 1 }, wait)
	discordtest.WaitFor(t, func() bool { return seen.count(m2.ID) == 1 && seen.count(m3.ID) == 1 }, wait)
	m4 := srv.UserMessage(t, inv, "four")
	discordtest.WaitFor(t, func() bool { return seen.count(m4.ID) == 1 }, wait)
	for _, id := range []string{m1.ID, m2.ID, m3.ID, m4.ID} {
		if n := seen.count(id); n != 1 {
			t.Errorf("message %s seen %d times, want 1", id, n)
		}
	}
	if srv.Readies() != 1 {
		t.Errorf("readies = %d, want 1 (resume, not re-identify)", srv.Readies())
	}
}

func TestReconnectOps(t *testing.T) {
	tests := []struct {
		name        string
		heartbeat   time.Duration
		act         func(t *testing.T, srv *discordtest.Server)
		wantReadies int
		wantResumes int
	}{
		{"op7", 0, func(t *testing.T, srv *discordtest.Server) { srv.RequestReconnect(t) }, 1, 1},
		{"op9", 0, func(t *testing.T, srv *discordtest.Server) { srv.InvalidateSession(t, false) }, 2, 0},
		{"zombie", 300 * time.Millisecond, func(t *testing.T, srv *discordtest.Server) { srv.Zombie(t) }, 1, 1},
		{"close4000", 0, func(t *testing.T, srv *discordtest.Server) { srv.CloseConnection(t, 4000, "Unknown error.") }, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := discordtest.New(t, discordtest.Options{HeartbeatInterval: tt.heartbeat})
			s := open(t, srv, discordgo.IntentsGuildMessages)
			seen := watch(s)
			tt.act(t, srv)
			discordtest.WaitFor(t, func() bool {
				return srv.Readies() == tt.wantReadies && srv.Resumes() == tt.wantResumes && srv.Connected()
			}, wait)
			m := srv.UserMessage(t, discordtest.Invoker{GuildID: "1", ChannelID: "2", UserID: "3"}, "after")
			discordtest.WaitFor(t, func() bool { return seen.count(m.ID) == 1 }, wait)
		})
	}
}

func TestDisallowedIntents(t *testing.T) {
	srv := discordtest.New(t, discordtest.Options{DisallowedIntents: discordgo.IntentMessageContent})
	s, err := bot.NewSession(srv.Token(), bot.SessionConfig{APIBase: srv.APIBase(), Intents: discordgo.IntentMessageContent})
	if err != nil {
		t.Fatal(err)
	}
	s.ShouldReconnectOnError = false
	err = s.Open()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != discordtest.CloseDisallowedIntents {
		t.Fatalf("open error = %v, want close 4014", err)
	}
}

func TestBadTokenClosed4004(t *testing.T) {
	srv := discordtest.New(t, discordtest.Options{})
	s, err := bot.NewSession("wrong", bot.SessionConfig{APIBase: srv.APIBase()})
	if err != nil {
		t.Fatal(err)
	}
	// The REST call for the gateway URL is refused first.
	if _, err := s.Gateway(); err == nil {
		t.Fatal("gateway with a bad token succeeded")
	}
}

func restCode(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return -1
}

func TestRESTRules(t *testing.T) {
	srv := discordtest.New(t, discordtest.Options{})
	s := open(t, srv, discordgo.IntentsGuilds)
	inv := discordtest.Invoker{GuildID: "1", ChannelID: "2", UserID: "3"}
	none := &discordgo.MessageAllowedMentions{}
	t.Run("already acknowledged", func(t *testing.T) {
		i := srv.Command(t, inv, "ask")
		defer5 := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
		if err := s.InteractionRespond(i, defer5); err != nil {
			t.Fatal(err)
		}
		if code := restCode(s.InteractionRespond(i, defer5)); code != discordtest.CodeAlreadyAcknowledged {
			t.Errorf("second ack code %d, want 40060", code)
		}
		content := "done"
		if _, err := s.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &content, AllowedMentions: none}); err != nil {
			t.Fatal(err)
		}
		if m, _ := srv.Original(i.Token); m.Content != "done" {
			t.Errorf("original = %q", m.Content)
		}
	})
	t.Run("too late", func(t *testing.T) {
		late := discordtest.New(t, discordtest.Options{InteractionWindow: 50 * time.Millisecond})
		ls := open(t, late, discordgo.IntentsGuilds)
		i := late.Command(t, inv, "ask")
		time.Sleep(100 * time.Millisecond) // only ever later than the window
		err := ls.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
		if code := restCode(err); code != discordtest.CodeUnknownInteraction {
			t.Errorf("late ack code %d, want 10062", code)
		}
	})
	t.Run("limits", func(t *testing.T) {
		cases := []*discordgo.MessageSend{
			{Content: strings.Repeat("a", 2001), AllowedMentions: none},
			{Embeds: []*discordgo.MessageEmbed{{Description: strings.Repeat("a", 4097)}}, AllowedMentions: none},
			{Embeds: []*discordgo.MessageEmbed{{Description: strings.Repeat("a", 4000)}, {Description: strings.Repeat("a", 2001)}}, AllowedMentions: none},
		}
		for _, m := range cases {
			if code := restCode(sendErr(s, m)); code != discordtest.CodeInvalidFormBody {
				t.Errorf("oversized message code %d, want 50035", code)
			}
		}
	})
	t.Run("429 retried", func(t *testing.T) {
		srv.RateLimitNext("POST /channels/{channel}/messages", 1, 50*time.Millisecond)
		if err := sendErr(s, &discordgo.MessageSend{Content: "hi", AllowedMentions: none}); err != nil {
			t.Fatal(err)
		}
		calls := srv.CallsTo("POST /channels/{channel}/messages")
		last := calls[len(calls)-2:]
		if last[0].Status != 429 || last[1].Status != 200 {
			t.Errorf("statuses %d, %d; want 429 then 200", last[0].Status, last[1].Status)
		}
	})
}

func sendErr(s *discordgo.Session, m *discordgo.MessageSend) error {
	_, err := s.ChannelMessageSendComplex("2", m)
	return err
}
