package discordtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Gateway close codes the fake sends.
const (
	CloseAuthenticationFailed = 4004
	CloseInvalidShard         = 4010
	CloseDisallowedIntents    = 4014
)

type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  int64           `json:"s,omitempty"`
	T  string          `json:"t,omitempty"`
}

type gwSession struct {
	id      string
	seq     int64
	log     []frame
	invalid bool
}

// gwShard is one shard's session and live connection.
type gwShard struct {
	conn    *gwConn
	session *gwSession
}

type gwConn struct {
	ws     *websocket.Conn
	wmu    sync.Mutex
	zombie atomic.Bool
	beats  atomic.Int64
}

func (c *gwConn) write(f frame) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(f)
}

func (c *gwConn) closeWith(code int, text string) {
	c.wmu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	c.wmu.Unlock()
	_ = c.ws.UnderlyingConn().Close()
}

type gateway struct {
	s  *Server
	up websocket.Upgrader

	mu  sync.Mutex
	all []*gwConn
	// shards are the identified shards by id; count is the shard count
	// they identified with (1 without sharding).
	shards     map[int]*gwShard
	count      int
	identifies []discordgo.Identify
	readies    int
	resumes    int
}

func newGateway(s *Server) *gateway { return &gateway{s: s, shards: map[int]*gwShard{}, count: 1} }

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (g *gateway) serve(w http.ResponseWriter, r *http.Request) {
	ws, err := g.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gwConn{ws: ws}
	g.mu.Lock()
	g.all = append(g.all, c)
	g.mu.Unlock()
	defer g.lost(c)
	hello := map[string]int64{"heartbeat_interval": g.s.opts.HeartbeatInterval.Milliseconds()}
	if c.write(frame{Op: 10, D: mustJSON(hello)}) != nil {
		return
	}
	for {
		var f frame
		if err := ws.ReadJSON(&f); err != nil {
			return
		}
		if !g.handle(c, f) {
			return
		}
	}
}

func (g *gateway) lost(c *gwConn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, sh := range g.shards {
		if sh.conn == c {
			sh.conn = nil
		}
	}
	_ = c.ws.Close()
}

func (g *gateway) handle(c *gwConn, f frame) bool {
	switch f.Op {
	case 1:
		c.beats.Add(1)
		if !c.zombie.Load() {
			_ = c.write(frame{Op: 11})
		}
	case 2:
		return g.identify(c, f.D)
	case 6:
		return g.resume(c, f.D)
	}
	return true
}

func (g *gateway) tokenOK(tok string) bool {
	return strings.TrimPrefix(tok, "Bot ") == g.s.opts.Token
}

func (g *gateway) identify(c *gwConn, d json.RawMessage) bool {
	var raw struct {
		Token    string           `json:"token"`
		Intents  discordgo.Intent `json:"intents"`
		Shard    *[2]int          `json:"shard"`
		Compress bool             `json:"compress"`
	}
	err := json.Unmarshal(d, &raw)
	id := discordgo.Identify{Token: raw.Token, Intents: raw.Intents, Shard: raw.Shard, Compress: raw.Compress}
	if err != nil {
		c.closeWith(4002, "Error while decoding payload.")
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.identifies = append(g.identifies, id)
	switch {
	case !g.tokenOK(id.Token):
		c.closeWith(CloseAuthenticationFailed, "Authentication failed.")
		return false
	case id.Intents&g.s.opts.DisallowedIntents != 0:
		c.closeWith(CloseDisallowedIntents, "Disallowed intent(s).")
		return false
	case id.Shard != nil && (id.Shard[1] < 1 || id.Shard[0] >= id.Shard[1]):
		c.closeWith(CloseInvalidShard, "Invalid shard.")
		return false
	}
	shard := shardOf(id)
	sh := &gwShard{conn: c, session: &gwSession{id: g.s.NewID()}}
	g.shards[shard[0]], g.count = sh, shard[1]
	g.readies++
	ready := map[string]any{
		"v": 10, "session_id": sh.session.id,
		"resume_gateway_url": "ws" + strings.TrimPrefix(g.s.http.URL, "http") + "/gateway-ws",
		"user":               map[string]any{"id": g.s.opts.AppID, "username": "citebot", "discriminator": "0", "bot": true},
		"application":        map[string]any{"id": g.s.opts.AppID, "flags": g.s.opts.AppFlags},
		"guilds":             []any{},
		"shard":              shard,
	}
	g.dispatchLocked(sh, "READY", mustJSON(ready))
	return true
}

func shardOf(id discordgo.Identify) [2]int {
	if id.Shard != nil {
		return *id.Shard
	}
	return [2]int{0, 1}
}

func (g *gateway) resume(c *gwConn, d json.RawMessage) bool {
	var r struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	if err := json.Unmarshal(d, &r); err != nil {
		c.closeWith(4002, "Error while decoding payload.")
		return false
	}
	if !g.tokenOK(r.Token) {
		c.closeWith(CloseAuthenticationFailed, "Authentication failed.")
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	var sh *gwShard
	for _, x := range g.shards {
		if x.session.id == r.SessionID && !x.session.invalid {
			sh = x
		}
	}
	if sh == nil {
		_ = c.write(frame{Op: 9, D: mustJSON(false)})
		return true
	}
	sh.conn = c
	g.resumes++
	for _, f := range sh.session.log {
		if f.S > r.Seq {
			_ = c.write(f)
		}
	}
	_ = c.write(frame{Op: 0, T: "RESUMED", S: sh.session.seq, D: mustJSON(map[string]any{})})
	return true
}

func (g *gateway) dispatchLocked(sh *gwShard, typ string, d json.RawMessage) int64 {
	sh.session.seq++
	f := frame{Op: 0, T: typ, S: sh.session.seq, D: d}
	sh.session.log = append(sh.session.log, f)
	if sh.conn != nil {
		_ = sh.conn.write(f)
	}
	return f.S
}

// ShardOf is the shard Discord routes a guild's events to:
// (guild_id >> 22) % shard count; DMs go to shard 0.
func ShardOf(guildID string, count int) int {
	id, err := strconv.ParseUint(guildID, 10, 64)
	if err != nil || count < 1 {
		return 0
	}
	return int((id >> 22) % uint64(count))
}

// route returns the shard a dispatch of d belongs to.
func (g *gateway) route(typ string, d json.RawMessage) int {
	var ids struct {
		ID      string `json:"id"`
		GuildID string `json:"guild_id"`
	}
	_ = json.Unmarshal(d, &ids)
	if typ == "GUILD_CREATE" {
		ids.GuildID = ids.ID
	}
	return ShardOf(ids.GuildID, g.count)
}

func (g *gateway) closeAll() {
	g.mu.Lock()
	all := g.all
	for _, sh := range g.shards {
		sh.conn = nil
	}
	g.mu.Unlock()
	for _, c := range all {
		_ = c.ws.UnderlyingConn().Close()
	}
}

// Dispatch sends a dispatch event of type typ with payload d, numbered in
// the session of the shard its guild belongs to (ShardOf). While that
// shard has no live connection the event is only logged, and a RESUME
// replays it. It returns the event's sequence.
func (s *Server) Dispatch(t testing.TB, typ string, d any) int64 {
	t.Helper()
	g := s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	raw := mustJSON(d)
	n := g.route(typ, raw)
	sh, ok := g.shards[n]
	if !ok {
		t.Fatalf("discordtest: dispatch %s to shard %d before its IDENTIFY", typ, n)
	}
	return g.dispatchLocked(sh, typ, raw)
}

// ShardConnected reports whether shard n has a live connection.
func (s *Server) ShardConnected(n int) bool {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	sh, ok := s.gw.shards[n]
	return ok && sh.conn != nil
}

// current returns shard 0's live connection once its client has sent a first
// heartbeat (so it is fully started, as it always is by the time Discord
// acts on a connection), or fails the test.
func (s *Server) current(t testing.TB) *gwConn {
	t.Helper()
	var c *gwConn
	WaitFor(t, func() bool {
		s.gw.mu.Lock()
		defer s.gw.mu.Unlock()
		if sh, ok := s.gw.shards[0]; ok {
			c = sh.conn
		}
		return c != nil && c.beats.Load() > 0
	}, 10*time.Second)
	return c
}

// DropConnection closes the live gateway connection abruptly, without a
// close frame, as a network failure would.
func (s *Server) DropConnection(t testing.TB) {
	t.Helper()
	c := s.current(t)
	s.gw.mu.Lock()
	s.gw.shards[0].conn = nil
	s.gw.mu.Unlock()
	_ = c.ws.UnderlyingConn().Close()
}

// CloseConnection closes the live connection with a close code.
func (s *Server) CloseConnection(t testing.TB, code int, text string) {
	t.Helper()
	c := s.current(t)
	s.gw.mu.Lock()
	s.gw.shards[0].conn = nil
	s.gw.mu.Unlock()
	c.closeWith(code, text)
}

// RequestReconnect sends op 7 RECONNECT on the live connection.
func (s *Server) RequestReconnect(t testing.TB) {
	t.Helper()
	_ = s.current(t).write(frame{Op: 7, D: mustJSON(nil)})
}

// InvalidateSession sends op 9 INVALID_SESSION; unless resumable, the
// session can no longer be resumed.
func (s *Server) InvalidateSession(t testing.TB, resumable bool) {
	t.Helper()
	c := s.current(t)
	if !resumable {
		s.gw.mu.Lock()
		s.gw.shards[0].session.invalid = true
		s.gw.mu.Unlock()
	}
	_ = c.write(frame{Op: 9, D: mustJSON(resumable)})
}

// Zombie stops acknowledging heartbeats on the live connection; later
// connections are acknowledged normally.
func (s *Server) Zombie(t testing.TB) {
	t.Helper()
	s.current(t).zombie.Store(true)
}

// Identifies returns every IDENTIFY payload received.
func (s *Server) Identifies() []discordgo.Identify {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return append([]discordgo.Identify(nil), s.gw.identifies...)
}

// Readies counts the READY events sent (one per successful IDENTIFY).
func (s *Server) Readies() int {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return s.gw.readies
}

// Resumes counts the successful RESUMEs.
func (s *Server) Resumes() int {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return s.gw.resumes
}

// Connected reports whether a gateway connection is live and identified
// or resumed.
func (s *Server) Connected() bool {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	sh, ok := s.gw.shards[0]
	return ok && sh.conn != nil
}
