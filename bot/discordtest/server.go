// Package discordtest is an honest fake of Discord for tests: an httptest
// REST server and a gorilla/websocket gateway that a real
// *discordgo.Session connects to. It enforces the Discord rules citebot
// depends on (one acknowledgement per interaction, the 3-second window,
// message limits, allowed_mentions, rate-limit headers) with Discord's own
// JSON error bodies, records every call, and lets tests push gateway
// events, inject 429s, drop connections and play a zombie gateway.
package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Options configure a Server; zero values take the defaults noted.
type Options struct {
	// Token is the bot token without the "Bot " prefix; default "test-token".
	Token string
	// AppID is the application id and the bot user's id; default
	// "900000000000000001".
	AppID string
	// DisallowedIntents are intents the application may not use: an
	// IDENTIFY asking for any of them is closed with 4014.
	DisallowedIntents discordgo.Intent
	// InteractionWindow is how long after dispatch an interaction may be
	// acknowledged; default 3 s, as on Discord.
	InteractionWindow time.Duration
	// HeartbeatInterval is sent in HELLO; default 41.25 s, as on Discord.
	// discordgo declares a zombie after 5 intervals without an ACK, so
	// zombie tests shorten it; keep it long otherwise: discordgo v0.29
	// races its heartbeat goroutine against op 7 handling when heartbeats
	// fall inside the 1 s it waits while closing, and can then loop
	// reconnecting.
	HeartbeatInterval time.Duration
	// AppFlags are the application's flags sent in READY, e.g.
	// AppFlagMessageContentLimited when the portal's Message Content switch
	// is on.
	AppFlags int
	// EchoMessages dispatches MESSAGE_CREATE for the bot's own channel
	// messages too, as Discord does.
	EchoMessages bool
}

// APIPrefix is the path the fake REST API is served under.
const APIPrefix = "/api/v10"

// Call is one recorded REST request.
type Call struct {
	Method string
	// Path is the request path without APIPrefix.
	Path string
	// Route is the route pattern that served it, e.g.
	// "POST /channels/{channel}/messages".
	Route  string
	Body   []byte    // request body
	Status int       // response status
	At     time.Time // when the request arrived
}

// Server is the fake Discord. Create it with New; it closes itself when
// the test ends.
type Server struct {
	t    testing.TB
	opts Options
	http *httptest.Server
	gw   *gateway
	ids  atomic.Int64

	mu           sync.Mutex
	calls        []Call
	commands     map[string][]*discordgo.ApplicationCommand
	rawCommands  map[string]json.RawMessage
	interactions map[string]*interactionState
	messages     map[string]*discordgo.Message
	channels     map[string]*discordgo.Channel
	attachments  map[string][]byte
	limits       map[string]*injected
	faults       map[string]*fault
	// allowedMentions is each created message's allowed_mentions (history.go).
	allowedMentions map[string]*discordgo.MessageAllowedMentions

	oauth oauthState // the fake OAuth2 provider (oauth.go)
}

type interactionState struct {
	i        *discordgo.Interaction
	sentAt   time.Time
	acked    bool
	original *discordgo.Message
}

type injected struct {
	n          int
	retryAfter time.Duration
}

// New starts a fake Discord for t.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Token == "" {
		opts.Token = "test-token"
	}
	if opts.AppID == "" {
		opts.AppID = "900000000000000001"
	}
	if opts.InteractionWindow == 0 {
		opts.InteractionWindow = 3 * time.Second
	}
	if opts.HeartbeatInterval == 0 {
		opts.HeartbeatInterval = 41250 * time.Millisecond
	}
	s := &Server{
		t: t, opts: opts,
		commands:     map[string][]*discordgo.ApplicationCommand{},
		rawCommands:  map[string]json.RawMessage{},
		interactions: map[string]*interactionState{},
		messages:     map[string]*discordgo.Message{},
		channels:     map[string]*discordgo.Channel{},
		attachments:  map[string][]byte{},
		limits:       map[string]*injected{},
		faults:       map[string]*fault{},
	}
	s.ids.Store(1_000_000_000_000_000)
	s.gw = newGateway(s)
	s.http = httptest.NewServer(s.mux())
	t.Cleanup(s.Close)
	return s
}

// Close stops the gateway and the REST server.
func (s *Server) Close() {
	s.gw.closeAll()
	s.http.CloseClientConnections()
	s.http.Close()
}

// Token is the bot token the fake accepts, without the "Bot " prefix.
func (s *Server) Token() string { return s.opts.Token }

// AppID is the application id, also the bot user's id.
func (s *Server) AppID() string { return s.opts.AppID }

// URL is the server root, e.g. "http://127.0.0.1:1234".
func (s *Server) URL() string { return s.http.URL }

// APIBase is the REST root to give bot.SessionConfig.APIBase.
func (s *Server) APIBase() string { return s.http.URL + APIPrefix }

// NewID returns a fresh snowflake-like id.
func (s *Server) NewID() string { return strconv.FormatInt(s.ids.Add(1), 10) }

// Calls returns a copy of every recorded REST call.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsTo returns the recorded calls served by route, e.g.
// "POST /channels/{channel}/messages".
func (s *Server) CallsTo(route string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Route == route {
			out = append(out, c)
		}
	}
	return out
}

// Commands returns the last bulk-overwritten commands for guildID ("" is
// global) as decoded, and ok false when none were registered.
func (s *Server) Commands(guildID string) ([]*discordgo.ApplicationCommand, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.commands[guildID]
	return c, ok
}

// RawCommands returns the last bulk-overwrite payload for guildID verbatim.
func (s *Server) RawCommands(guildID string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rawCommands[guildID]
}

// Message returns a copy of a stored message (channel message, original
// interaction response or followup) by id.
func (s *Server) Message(id string) (discordgo.Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[id]
	if !ok {
		return discordgo.Message{}, false
	}
	return *m, true
}

// Original returns the current original response of an interaction.
func (s *Server) Original(interactionToken string) (discordgo.Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.interactions[interactionToken]
	if !ok || st.original == nil {
		return discordgo.Message{}, false
	}
	return *st.original, true
}

// ChannelMessages returns copies of the messages stored in a channel, in
// creation order.
func (s *Server) ChannelMessages(channelID string) []discordgo.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []discordgo.Message
	for _, m := range s.messages {
		if m.ChannelID == channelID {
			out = append(out, *m)
		}
	}
	sortMessages(out)
	return out
}

// AddChannel registers a channel GET /channels/{id} serves.
func (s *Server) AddChannel(c *discordgo.Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := *c
	s.channels[c.ID] = &cp
}

// Channel returns a registered or created channel (threads included).
func (s *Server) Channel(id string) (discordgo.Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[id]
	if !ok {
		return discordgo.Channel{}, false
	}
	return *c, true
}

// AddAttachment serves data on the fake CDN and returns an attachment
// pointing at it.
func (s *Server) AddAttachment(filename, contentType string, data []byte) *discordgo.MessageAttachment {
	id := s.NewID()
	s.mu.Lock()
	s.attachments[id] = append([]byte(nil), data...)
	s.mu.Unlock()
	u := fmt.Sprintf("%s/attachments/%s/%s", s.http.URL, id, filename)
	return &discordgo.MessageAttachment{ID: id, Filename: filename, ContentType: contentType, Size: len(data), URL: u, ProxyURL: u}
}

// RateLimitNext makes the next n calls to route answer 429 with
// retry_after, as Discord does for an exhausted bucket.
func (s *Server) RateLimitNext(route string, n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits[route] = &injected{n: n, retryAfter: retryAfter}
}

// fault is an error injected on a route.
type fault struct {
	n            int
	status, code int
	message      string
}

// FailNext makes the next n calls to route answer status with Discord's
// JSON error body {code, message}, e.g. 403 / 50013 "Missing Permissions"
// or 400 / 50035 "Invalid Form Body".
func (s *Server) FailNext(route string, n, status, code int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[route] = &fault{n: n, status: status, code: code, message: message}
}

func (s *Server) takeFault(route string) (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.faults[route]
	if !ok || f.n <= 0 {
		return fault{}, false
	}
	f.n--
	return *f, true
}

// WaitFor polls pred until it holds, failing the test after timeout.
func (s *Server) WaitFor(t testing.TB, pred func() bool, timeout time.Duration) {
	t.Helper()
	WaitFor(t, pred, timeout)
}

// WaitFor polls pred until it holds, failing the test after timeout.
func WaitFor(t testing.TB, pred func() bool, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !pred() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// WaitCalls waits until route has served at least n calls and returns them.
func (s *Server) WaitCalls(t testing.TB, route string, n int, timeout time.Duration) []Call {
	t.Helper()
	var got []Call
	deadline := time.Now().Add(timeout)
	for {
		got = s.CallsTo(route)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d calls to %s within %v, want %d", len(got), route, timeout, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// apiError is Discord's JSON error body.
type apiError struct {
	Message string         `json:"message"`
	Code    int            `json:"code"`
	Errors  map[string]any `json:"errors,omitempty"`
}

// Discord error codes the fake answers with.
const (
	CodeUnknownChannel      = 10003
	CodeUnknownMessage      = 10008
	CodeUnknownWebhook      = 10015
	CodeUnknownInteraction  = 10062
	CodeInvalidFormBody     = 50035
	CodeAlreadyAcknowledged = 40060
	CodeMissingPermissions  = 50013
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, apiError{Message: msg, Code: code})
}

func formError(w http.ResponseWriter, field, msg string) {
	writeJSON(w, http.StatusBadRequest, apiError{
		Message: "Invalid Form Body", Code: CodeInvalidFormBody,
		Errors: map[string]any{field: map[string]any{"_errors": []map[string]string{{"code": "BASE_TYPE_BAD_LENGTH", "message": msg}}}},
	})
}

func routeKey(pattern string) string {
	method, path, _ := strings.Cut(pattern, " ")
	return method + " " + strings.TrimPrefix(path, APIPrefix)
}
