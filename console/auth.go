package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/citebot/citebot/rag/store"
)

// Cookie names and lifetimes.
const (
	sessionCookie = "citebot_console"
	preCookie     = "citebot_console_pre"
	stateCookie   = "citebot_console_oauth"
	sessionTTL    = 12 * time.Hour
	stateTTL      = 10 * time.Minute
	// guildTTL is how long a user's guild list, as Discord gave it, is
	// trusted before it is fetched again.
	guildTTL = 30 * time.Second
	// guildPrefix + a guild id names a guild's collection.
	guildPrefix = "guild-"
)

// principal is who a request comes from.
type principal struct {
	operator bool
	userID   string
	name     string
	// sid identifies the cookie session ("" for a bearer token); CSRF
	// tokens are tied to it.
	sid string
	// guilds are the guilds the user may manage, as Discord listed them.
	guilds []store.ConsoleGuild
}

// canSee reports whether p may open collection: the operator may open
// any, a Discord user only guild-<id> of a guild they may manage.
func (p *principal) canSee(collection string) (store.ConsoleGuild, bool) {
	if p.operator {
		return store.ConsoleGuild{}, true
	}
	id, ok := strings.CutPrefix(collection, guildPrefix)
	if !ok {
		return store.ConsoleGuild{}, false
	}
	for _, g := range p.guilds {
		if g.ID == id && g.Manage {
			return g, true
		}
	}
	return store.ConsoleGuild{}, false
}

// cookiePayload is what a signed cookie carries.
type cookiePayload struct {
	SID      string `json:"sid"`
	Operator bool   `json:"op,omitempty"`
	State    string `json:"state,omitempty"`
	Next     string `json:"next,omitempty"`
	Exp      int64  `json:"exp"`
}

func (s *Server) sign(msg string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// encode signs a payload as payload.signature, both base64url.
func (s *Server) encode(p cookiePayload) string {
	b, _ := json.Marshal(p)
	body := base64.RawURLEncoding.EncodeToString(b)
	return body + "." + s.sign(body)
}

// decode verifies a signed value and its expiry.
func (s *Server) decode(v string) (cookiePayload, bool) {
	body, sig, ok := strings.Cut(v, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.sign(body))) {
		return cookiePayload{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	var p cookiePayload
	if err != nil || json.Unmarshal(b, &p) != nil || s.now().Unix() >= p.Exp {
		return cookiePayload{}, false
	}
	return p, true
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(ttl.Seconds()),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

func (s *Server) readCookie(r *http.Request, name string) (cookiePayload, bool) {
	c, err := r.Cookie(name)
	if err != nil {
		return cookiePayload{}, false
	}
	return s.decode(c.Value)
}

func randomID() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfToken is the token every form of a session carries.
func (s *Server) csrfToken(sid string) string { return s.sign("csrf:" + sid) }

func (s *Server) checkCSRF(r *http.Request, sid string) bool {
	got := r.PostFormValue("csrf")
	return got != "" && hmac.Equal([]byte(got), []byte(s.csrfToken(sid)))
}

// errSignedOut means a request carries no valid sign-in.
var errSignedOut = errors.New("not signed in")

// authenticate finds who r comes from: a bearer token, or a session
// cookie whose Discord guilds are refreshed when older than guildTTL.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || s.cfg.Token == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.Token)) != 1 {
			return nil, errSignedOut
		}
		return &principal{operator: true, name: "operator"}, nil
	}
	c, ok := s.readCookie(r, sessionCookie)
	if !ok {
		return nil, errSignedOut
	}
	if c.Operator {
		if s.cfg.Token == "" {
			return nil, errSignedOut
		}
		return &principal{operator: true, name: "operator", sid: c.SID}, nil
	}
	if s.oauth == nil {
		return nil, errSignedOut
	}
	cs, err := s.cfg.Sessions.ConsoleSessionByID(r.Context(), c.SID)
	if errors.Is(err, store.ErrNoSession) {
		return nil, errSignedOut
	}
	if err != nil {
		return nil, err
	}
	if s.now().Sub(cs.GuildsAt) >= guildTTL {
		if cs.Guilds, err = s.refreshGuilds(r, cs); err != nil {
			return nil, err
		}
	}
	return &principal{userID: cs.UserID, name: cs.UserName, sid: cs.ID, guilds: cs.Guilds}, nil
}

// refreshGuilds asks Discord again which guilds the user may manage; a
// token Discord no longer accepts ends the session.
func (s *Server) refreshGuilds(r *http.Request, cs store.ConsoleSession) ([]store.ConsoleGuild, error) {
	guilds, err := s.fetchGuilds(r, cs.AccessToken)
	if errors.Is(err, errTokenRejected) || errors.Is(err, errUnsealable) {
		if derr := s.cfg.Sessions.DeleteConsoleSession(r.Context(), cs.ID); derr != nil {
			return nil, derr
		}
		return nil, errSignedOut
	}
	if err != nil {
		return nil, err
	}
	if err := s.cfg.Sessions.SetConsoleGuilds(r.Context(), cs.ID, guilds, s.now()); err != nil {
		return nil, err
	}
	return guilds, nil
}

func (s *Server) fetchGuilds(r *http.Request, sealed string) ([]store.ConsoleGuild, error) {
	tok, err := s.unseal(sealed)
	if err != nil {
		return nil, err
	}
	return s.oauth.guilds(r.Context(), tok)
}

// auth runs h for signed-in requests only. Others are sent to the sign-in
// page (GET) or refused (401). A form post must carry the session's CSRF
// token; a bearer-token request carries no cookie and needs none.
func (s *Server) auth(h func(w http.ResponseWriter, r *http.Request, v *view)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(w, r)
		if errors.Is(err, errSignedOut) {
			s.clearCookie(w, sessionCookie)
			if r.Method == http.MethodGet && r.Header.Get("Authorization") == "" {
				http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		if err != nil {
			s.log.ErrorContext(r.Context(), "console sign-in check", "err", err)
			http.Error(w, "could not check your sign-in with Discord; try again shortly", http.StatusBadGateway)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxUpload+1<<20)
			if tooLarge(r) {
				http.Error(w, "the form is larger than 32 MiB", http.StatusRequestEntityTooLarge)
				return
			}
		}
		if r.Method == http.MethodPost && p.sid != "" && !s.checkCSRF(r, p.sid) {
			http.Error(w, "this form has expired: reload the page and try again", http.StatusForbidden)
			return
		}
		h(w, r, &view{Who: p.name, Operator: p.operator, CSRF: s.csrfToken(p.sid), p: p})
	})
}

// inCollection runs h for a collection the principal may see; any other
// answers 404, as if it did not exist.
func (s *Server) inCollection(h func(w http.ResponseWriter, r *http.Request, v *view)) func(w http.ResponseWriter, r *http.Request, v *view) {
	return func(w http.ResponseWriter, r *http.Request, v *view) {
		coll := r.PathValue("coll")
		g, ok := v.p.canSee(coll)
		if !ok {
			s.render(w, r, http.StatusNotFound, "error", v, "No such collection, or you may not manage its server.")
			return
		}
		v.Collection, v.GuildName = coll, g.Name
		h(w, r, v)
	}
}

// tooLarge parses a posted form and reports whether its body went over
// the MaxBytesReader limit.
func tooLarge(r *http.Request) bool {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(32 << 20)
	} else {
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// safeNext keeps a post-sign-in redirect on the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	return next
}

func atoi64(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}
