package discordtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

type handler func(w http.ResponseWriter, r *http.Request, body []byte)

func (s *Server) mux() *http.ServeMux {
	m := http.NewServeMux()
	routes := map[string]handler{
		"GET /gateway":                                        s.getGateway,
		"GET /gateway/bot":                                    s.getGateway,
		"PUT /applications/{app}/commands":                    s.putCommands,
		"PUT /applications/{app}/guilds/{guild}/commands":     s.putCommands,
		"POST /interactions/{id}/{token}/callback":            s.postCallback,
		"GET /webhooks/{app}/{token}/messages/{message}":      s.getWebhookMessage,
		"PATCH /webhooks/{app}/{token}/messages/{message}":    s.patchWebhookMessage,
		"DELETE /webhooks/{app}/{token}/messages/{message}":   s.deleteWebhookMessage,
		"POST /webhooks/{app}/{token}":                        s.postFollowup,
		"POST /channels/{channel}/messages":                   s.postChannelMessage,
		"PATCH /channels/{channel}/messages/{message}":        s.patchChannelMessage,
		"POST /channels/{channel}/typing":                     s.postTyping,
		"POST /channels/{channel}/messages/{message}/threads": s.postThread,
		"GET /channels/{channel}":                             s.getChannel,
		"GET /channels/{channel}/messages":                    s.getChannelMessages,
		"GET /channels/{channel}/messages/{message}":          s.getChannelMessage,
	}
	for pattern, h := range routes {
		method, path, _ := strings.Cut(pattern, " ")
		m.Handle(method+" "+APIPrefix+path, s.wrap(pattern, h))
	}
	m.HandleFunc("GET /gateway-ws", s.gw.serve)
	m.HandleFunc("GET /gateway-ws/", s.gw.serve)
	m.HandleFunc("GET /attachments/{id}/{name}", s.getAttachment)
	s.oauthRoutes(m)
	m.HandleFunc("/", s.unknownRoute)
	return m
}

func (s *Server) unknownRoute(w http.ResponseWriter, r *http.Request) {
	s.t.Errorf("discordtest: unexpected request %s %s", r.Method, r.URL.Path)
	writeError(w, http.StatusNotFound, 0, "404: Not Found")
}

// wrap checks authorization, records the call, sets rate-limit headers
// and injects 429s.
func (s *Server) wrap(route string, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			s.mu.Lock()
			s.calls = append(s.calls, Call{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, APIPrefix), Route: route, Body: body, Status: rec.status, At: time.Now()})
			s.mu.Unlock()
		}()
		setRateHeaders(rec.Header(), route)
		if got := r.Header.Get("Authorization"); got != "Bot "+s.opts.Token {
			writeError(rec, http.StatusUnauthorized, 0, "401: Unauthorized")
			return
		}
		if ra, ok := s.takeLimit(route); ok {
			secs := strconv.FormatFloat(ra.Seconds(), 'f', 3, 64)
			rec.Header().Set("Retry-After", strconv.Itoa(int(ra.Seconds()+0.999)))
			rec.Header().Set("X-RateLimit-Remaining", "0")
			rec.Header().Set("X-RateLimit-Reset-After", secs)
			rec.Header().Set("X-RateLimit-Scope", "user")
			writeJSON(rec, http.StatusTooManyRequests, map[string]any{"message": "You are being rate limited.", "retry_after": ra.Seconds(), "global": false})
			return
		}
		if f, ok := s.takeFault(route); ok {
			writeError(rec, f.status, f.code, f.message)
			return
		}
		h(rec, r, body)
	})
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func setRateHeaders(h http.Header, route string) {
	f := fnv.New64a()
	f.Write([]byte(route))
	now := time.Now().Add(time.Second)
	h.Set("X-RateLimit-Limit", "50")
	h.Set("X-RateLimit-Remaining", "49")
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(now.UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", "1.000")
	h.Set("X-RateLimit-Bucket", fmt.Sprintf("%016x", f.Sum64()))
}

func (s *Server) takeLimit(route string) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.limits[route]
	if !ok || l.n <= 0 {
		return 0, false
	}
	l.n--
	return l.retryAfter, true
}

func (s *Server) getGateway(w http.ResponseWriter, r *http.Request, _ []byte) {
	u := "ws" + strings.TrimPrefix(s.http.URL, "http") + "/gateway-ws"
	if strings.HasSuffix(r.URL.Path, "/bot") {
		writeJSON(w, http.StatusOK, map[string]any{"url": u, "shards": 1, "session_start_limit": map[string]int{"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"url": u})
}

func (s *Server) putCommands(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.PathValue("app") != s.opts.AppID {
		writeError(w, http.StatusForbidden, 50001, "Missing Access")
		return
	}
	var cmds []*discordgo.ApplicationCommand
	if err := json.Unmarshal(body, &cmds); err != nil {
		formError(w, "_root", "invalid json: "+err.Error())
		return
	}
	if field, msg := validateCommands(cmds); field != "" {
		formError(w, field, msg)
		return
	}
	for _, c := range cmds {
		c.ID, c.ApplicationID, c.Version = s.NewID(), s.opts.AppID, s.NewID()
		if g := r.PathValue("guild"); g != "" {
			c.GuildID = g
		}
	}
	s.mu.Lock()
	s.commands[r.PathValue("guild")] = cmds
	s.rawCommands[r.PathValue("guild")] = json.RawMessage(bytes.Clone(body))
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, cmds)
}

func (s *Server) getAttachment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	data, ok := s.attachments[r.PathValue("id")]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request, _ []byte) {
	c, ok := s.Channel(r.PathValue("channel"))
	if !ok {
		writeError(w, http.StatusNotFound, CodeUnknownChannel, "Unknown Channel")
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) postTyping(w http.ResponseWriter, r *http.Request, _ []byte) {
	w.WriteHeader(http.StatusNoContent)
}

func sortMessages(ms []discordgo.Message) {
	sort.Slice(ms, func(i, j int) bool {
		a, _ := strconv.ParseInt(ms[i].ID, 10, 64)
		b, _ := strconv.ParseInt(ms[j].ID, 10, 64)
		return a < b
	})
}
