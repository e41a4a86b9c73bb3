package console

import (
	"crypto/hmac"
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/citebot/citebot/rag/store"
)

// signinView is what the sign-in page shows.
type signinView struct {
	view
	Next    string
	Discord bool
	Token   bool
	Error   string
}

// preSession returns the sign-in form's CSRF nonce, setting its cookie
// when missing.
func (s *Server) preSession(w http.ResponseWriter, r *http.Request) string {
	if c, ok := s.readCookie(r, preCookie); ok {
		return c.SID
	}
	sid := randomID()
	s.setCookie(w, preCookie, s.encode(cookiePayload{SID: sid, Exp: s.now().Add(time.Hour).Unix()}), time.Hour)
	return sid
}

func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	s.showSignin(w, r, http.StatusOK, "")
}

func (s *Server) showSignin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	sid := s.preSession(w, r)
	v := &signinView{view: view{CSRF: s.csrfToken(sid)}, Next: safeNext(r.FormValue("next")),
		Discord: s.oauth != nil, Token: s.cfg.Token != "", Error: msg}
	s.render(w, r, status, "signin", &v.view, v)
}

// signinToken signs the operator in with CITEBOT_CONSOLE_TOKEN.
func (s *Server) signinToken(w http.ResponseWriter, r *http.Request) {
	pre, ok := s.readCookie(r, preCookie)
	if !ok || !s.checkCSRF(r, pre.SID) {
		s.showSignin(w, r, http.StatusForbidden, "The sign-in form expired; try again.")
		return
	}
	tok := r.PostFormValue("token")
	if s.cfg.Token == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.Token)) != 1 {
		s.showSignin(w, r, http.StatusUnauthorized, "That token is not the console token.")
		return
	}
	s.clearCookie(w, preCookie)
	s.setCookie(w, sessionCookie, s.encode(cookiePayload{SID: randomID(), Operator: true,
		Exp: s.now().Add(sessionTTL).Unix()}), sessionTTL)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// authStart sends the browser to Discord with a fresh state, kept in a
// signed cookie to be checked on the way back.
func (s *Server) authStart(w http.ResponseWriter, r *http.Request) {
	if s.oauth == nil {
		http.NotFound(w, r)
		return
	}
	state := randomID()
	s.setCookie(w, stateCookie, s.encode(cookiePayload{State: state, Next: safeNext(r.FormValue("next")),
		Exp: s.now().Add(stateTTL).Unix()}), stateTTL)
	http.Redirect(w, r, s.oauth.authorizeURL(state), http.StatusFound)
}

// authCallback finishes the authorization code flow: the state must be
// the one this browser was sent with; the code is exchanged for a token
// kept server-side, and the user's guilds are read.
func (s *Server) authCallback(w http.ResponseWriter, r *http.Request) {
	if s.oauth == nil {
		http.NotFound(w, r)
		return
	}
	st, ok := s.readCookie(r, stateCookie)
	s.clearCookie(w, stateCookie)
	q := r.URL.Query()
	if !ok || st.State == "" || !hmac.Equal([]byte(q.Get("state")), []byte(st.State)) {
		s.showSignin(w, r, http.StatusBadRequest, "The Discord sign-in could not be verified (state mismatch); try again.")
		return
	}
	if q.Get("error") != "" || q.Get("code") == "" {
		s.showSignin(w, r, http.StatusUnauthorized, "Discord did not authorise the sign-in.")
		return
	}
	cs, err := s.discordSession(r, q.Get("code"))
	if err != nil {
		s.log.ErrorContext(r.Context(), "console discord sign-in", "err", err)
		s.showSignin(w, r, http.StatusBadGateway, "Signing in with Discord failed; try again.")
		return
	}
	s.setCookie(w, sessionCookie, s.encode(cookiePayload{SID: cs.ID, Exp: cs.ExpiresAt.Unix()}), cs.ExpiresAt.Sub(s.now()))
	http.Redirect(w, r, st.Next, http.StatusSeeOther)
}

func (s *Server) discordSession(r *http.Request, code string) (store.ConsoleSession, error) {
	ctx := r.Context()
	tok, ttl, err := s.oauth.exchange(ctx, code)
	if err != nil {
		return store.ConsoleSession{}, err
	}
	uid, name, err := s.oauth.user(ctx, tok)
	if err != nil {
		return store.ConsoleSession{}, err
	}
	guilds, err := s.oauth.guilds(ctx, tok)
	if err != nil {
		return store.ConsoleSession{}, err
	}
	if ttl <= 0 || ttl > sessionTTL {
		ttl = sessionTTL
	}
	now := s.now()
	cs := store.ConsoleSession{ID: randomID(), UserID: uid, UserName: name, AccessToken: s.seal(tok),
		Guilds: guilds, GuildsAt: now, ExpiresAt: now.Add(ttl)}
	return cs, s.cfg.Sessions.PutConsoleSession(ctx, cs)
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request, v *view) {
	if !v.p.operator && v.p.sid != "" {
		if err := s.cfg.Sessions.DeleteConsoleSession(r.Context(), v.p.sid); err != nil {
			s.log.ErrorContext(r.Context(), "console sign-out", "err", err)
		}
	}
	s.clearCookie(w, sessionCookie)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}
