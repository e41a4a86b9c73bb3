package discordtest

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// OAuthUser is a Discord user the fake OAuth2 provider can sign in, with
// the guilds /users/@me/guilds lists for them.
type OAuthUser struct {
	ID, Username string
	Guilds       []OAuthGuild
}

// OAuthGuild is a guild as /users/@me/guilds shows it: Permissions are the
// user's permission bits there (0x20 is Manage Server).
type OAuthGuild struct {
	ID, Name    string
	Owner       bool
	Permissions int64
}

// OAuthApp is the OAuth2 application the fake accepts: its client id and
// secret and its registered redirect URIs.
type OAuthApp struct {
	ClientID, ClientSecret string
	RedirectURIs           []string
}

// oauthState is the fake OAuth2 provider: the application, the users, the
// codes handed out and the access tokens they became.
type oauthState struct {
	mu     sync.Mutex
	app    OAuthApp
	users  map[string]*OAuthUser
	order  []string
	codes  map[string]oauthCode
	tokens map[string]string // access token -> user id
	n      int
}

type oauthCode struct {
	userID, redirect string
}

func (o *oauthState) init() {
	if o.users == nil {
		o.users, o.codes, o.tokens = map[string]*OAuthUser{}, map[string]oauthCode{}, map[string]string{}
	}
}

// SetOAuthApp configures the OAuth2 application the fake accepts.
func (s *Server) SetOAuthApp(app OAuthApp) {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	s.oauth.init()
	s.oauth.app = app
}

// AddOAuthUser adds or replaces a user the authorize page offers; their
// guilds may be changed later by adding them again.
func (s *Server) AddOAuthUser(u OAuthUser) {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	s.oauth.init()
	if _, ok := s.oauth.users[u.ID]; !ok {
		s.oauth.order = append(s.oauth.order, u.ID)
	}
	cp := u
	cp.Guilds = append([]OAuthGuild(nil), u.Guilds...)
	s.oauth.users[u.ID] = &cp
}

// RevokeOAuthTokens makes every access token handed out so far invalid.
func (s *Server) RevokeOAuthTokens() {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	s.oauth.init()
	clear(s.oauth.tokens)
}

// oauthRoutes serves the OAuth2 endpoints under APIPrefix, as Discord
// does under its API root.
func (s *Server) oauthRoutes(m *http.ServeMux) {
	m.HandleFunc("GET "+APIPrefix+"/oauth2/authorize", s.oauthAuthorize)
	m.HandleFunc("POST "+APIPrefix+"/oauth2/authorize", s.oauthApprove)
	m.HandleFunc("POST "+APIPrefix+"/oauth2/token", s.oauthToken)
	m.HandleFunc("GET "+APIPrefix+"/users/@me", s.oauthMe)
	m.HandleFunc("GET "+APIPrefix+"/users/@me/guilds", s.oauthGuilds)
	// Browsers showing the consent page ask for an icon.
	m.HandleFunc("GET /favicon.ico", http.NotFound)
}

// authorizeForm is the fake's consent page: one button per user.
var authorizeForm = template.Must(template.New("authorize").Parse(`<!doctype html>
<html><head><title>Authorize (fake Discord)</title></head><body>
<h1>Authorize {{.ClientID}}</h1>
{{range .Users}}<form method="post"><input type="hidden" name="query" value="{{$.Query}}">
<input type="hidden" name="user" value="{{.ID}}"><button id="as-{{.Username}}">Authorize as {{.Username}}</button></form>
{{end}}
<form method="post"><input type="hidden" name="query" value="{{$.Query}}"><input type="hidden" name="deny" value="1">
<button id="deny">Cancel</button></form>
</body></html>`))

// checkAuthorize validates an authorize request as Discord does: a known
// client, a registered redirect URI, response_type code.
func (s *Server) checkAuthorize(q url.Values) (string, error) {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	s.oauth.init()
	app := s.oauth.app
	if app.ClientID == "" || q.Get("client_id") != app.ClientID {
		return "", fmt.Errorf("unknown client_id %q", q.Get("client_id"))
	}
	redirect := q.Get("redirect_uri")
	ok := false
	for _, r := range app.RedirectURIs {
		ok = ok || r == redirect
	}
	if !ok {
		return "", fmt.Errorf("redirect_uri %q is not registered", redirect)
	}
	if q.Get("response_type") != "code" {
		return "", fmt.Errorf("response_type %q: want code", q.Get("response_type"))
	}
	return redirect, nil
}

func (s *Server) oauthAuthorize(w http.ResponseWriter, r *http.Request) {
	if _, err := s.checkAuthorize(r.URL.Query()); err != nil {
		http.Error(w, "Invalid OAuth2 request: "+err.Error(), http.StatusBadRequest)
		return
	}
	s.oauth.mu.Lock()
	var users []OAuthUser
	for _, id := range s.oauth.order {
		users = append(users, *s.oauth.users[id])
	}
	clientID := s.oauth.app.ClientID
	s.oauth.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	authorizeForm.Execute(w, map[string]any{"ClientID": clientID, "Users": users, "Query": r.URL.RawQuery})
}

// oauthApprove is the consent: it redirects back with a one-time code and
// the state unchanged, or with error=access_denied.
func (s *Server) oauthApprove(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.PostFormValue("query"))
	if err == nil {
		_, err = s.checkAuthorize(q)
	}
	if err != nil {
		http.Error(w, "Invalid OAuth2 request", http.StatusBadRequest)
		return
	}
	back := url.Values{"state": {q.Get("state")}}
	if r.PostFormValue("deny") != "" {
		back.Set("error", "access_denied")
	} else {
		s.oauth.mu.Lock()
		_, known := s.oauth.users[r.PostFormValue("user")]
		s.oauth.n++
		code := "code-" + strconv.Itoa(s.oauth.n)
		if known {
			s.oauth.codes[code] = oauthCode{userID: r.PostFormValue("user"), redirect: q.Get("redirect_uri")}
		}
		s.oauth.mu.Unlock()
		if !known {
			http.Error(w, "unknown user", http.StatusBadRequest)
			return
		}
		back.Set("code", code)
	}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
}

// oauthToken exchanges a code once, for the client that asked for it and
// the same redirect URI, as Discord requires.
func (s *Server) oauthToken(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	s.oauth.init()
	if id == "" || id != s.oauth.app.ClientID || secret != s.oauth.app.ClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	code, ok := s.oauth.codes[r.PostFormValue("code")]
	delete(s.oauth.codes, r.PostFormValue("code"))
	if r.PostFormValue("grant_type") != "authorization_code" || !ok || code.redirect != r.PostFormValue("redirect_uri") {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	s.oauth.n++
	tok := "access-" + strconv.Itoa(s.oauth.n)
	s.oauth.tokens[tok] = code.userID
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 604800,
		"refresh_token": "refresh-" + tok, "scope": "identify guilds"})
}

// bearerUser returns the user an access token belongs to.
func (s *Server) bearerUser(r *http.Request) (OAuthUser, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	s.oauth.init()
	uid, known := s.oauth.tokens[tok]
	if !ok || !known {
		return OAuthUser{}, false
	}
	u := *s.oauth.users[uid]
	u.Guilds = append([]OAuthGuild(nil), u.Guilds...)
	return u, true
}

func (s *Server) oauthMe(w http.ResponseWriter, r *http.Request) {
	u, ok := s.bearerUser(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, 0, "401: Unauthorized")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": u.ID, "username": u.Username, "global_name": nil,
		"discriminator": "0", "avatar": nil})
}

func (s *Server) oauthGuilds(w http.ResponseWriter, r *http.Request) {
	u, ok := s.bearerUser(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, 0, "401: Unauthorized")
		return
	}
	out := make([]map[string]any, 0, len(u.Guilds))
	for _, g := range u.Guilds {
		out = append(out, map[string]any{"id": g.ID, "name": g.Name, "icon": nil, "owner": g.Owner,
			"permissions": strconv.FormatInt(g.Permissions, 10), "features": []string{}})
	}
	writeJSON(w, http.StatusOK, out)
}
