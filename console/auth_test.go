package console_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestEveryPageNeedsSignIn(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	coll := "/c/guild-" + guildA
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/", http.StatusSeeOther},
		{"GET", coll, http.StatusSeeOther},
		{"GET", coll + "/document?source=a.md", http.StatusSeeOther},
		{"GET", coll + "/search?q=x", http.StatusSeeOther},
		{"GET", coll + "/activity", http.StatusSeeOther},
		{"GET", coll + "/jobs", http.StatusSeeOther},
		{"GET", coll + "/jobs/1", http.StatusSeeOther},
		{"GET", coll + "/jobs/1/status", http.StatusSeeOther},
		{"GET", coll + "/eval", http.StatusSeeOther},
		{"POST", coll + "/ingest", http.StatusUnauthorized},
		{"POST", coll + "/eval/qa", http.StatusUnauthorized},
		{"POST", coll + "/eval/run", http.StatusUnauthorized},
		{"POST", "/signout", http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			var r response
			if tc.method == "GET" {
				r = get(t, c, f.url+tc.path)
			} else {
				r = post(t, c, f.url+tc.path, url.Values{"kind": {"sync"}})
			}
			if r.status != tc.want {
				t.Fatalf("status %d, want %d", r.status, tc.want)
			}
			if tc.want == http.StatusSeeOther && !strings.HasPrefix(r.location, "/signin?next=") {
				t.Errorf("redirect to %q, want the sign-in page", r.location)
			}
		})
	}
}

func TestOperatorToken(t *testing.T) {
	f := newFixture(t)
	if err := f.store.MapChannel(t.Context(), guildA, "1", "default"); err != nil {
		t.Fatal(err)
	}
	t.Run("wrong token", func(t *testing.T) {
		c := f.client(t)
		page := get(t, c, f.url+"/signin")
		r := post(t, c, f.url+"/signin", url.Values{"csrf": {csrfOf(t, page.body)}, "token": {"nope"}})
		if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "not the console token") {
			t.Fatalf("status %d:\n%.500s", r.status, r.body)
		}
	})
	t.Run("sign-in form without CSRF token", func(t *testing.T) {
		c := f.client(t)
		get(t, c, f.url+"/signin")
		r := post(t, c, f.url+"/signin", url.Values{"token": {operatorToken}})
		if r.status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", r.status)
		}
	})
	t.Run("cookie attributes", func(t *testing.T) {
		c := f.client(t)
		page := get(t, c, f.url+"/signin")
		req, _ := http.NewRequestWithContext(t.Context(), "POST", f.url+"/signin",
			strings.NewReader(url.Values{"csrf": {csrfOf(t, page.body)}, "token": {operatorToken}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r := do(t, c, req)
		var found bool
		for _, sc := range r.header.Values("Set-Cookie") {
			if strings.HasPrefix(sc, "citebot_console=") {
				found = true
				for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
					if !strings.Contains(sc, attr) {
						t.Errorf("session cookie %q lacks %s", sc, attr)
					}
				}
			}
		}
		if !found {
			t.Fatalf("no session cookie in %q", r.header.Values("Set-Cookie"))
		}
	})
	t.Run("operator sees every collection", func(t *testing.T) {
		c := f.client(t)
		f.signInOperator(t, c)
		r := get(t, c, f.url+"/")
		if r.status != http.StatusOK || !strings.Contains(r.body, `href="/c/default"`) {
			t.Fatalf("status %d:\n%.1500s", r.status, r.body)
		}
	})
	t.Run("bearer", func(t *testing.T) {
		for _, tc := range []struct {
			auth string
			want int
		}{{"Bearer " + operatorToken, http.StatusOK}, {"Bearer wrong", http.StatusUnauthorized}, {"Basic x", http.StatusUnauthorized}} {
			req, _ := http.NewRequestWithContext(t.Context(), "GET", f.url+"/c/default/search?q=pages", nil)
			req.Header.Set("Authorization", tc.auth)
			if r := do(t, f.client(t), req); r.status != tc.want {
				t.Errorf("%s: status %d, want %d", tc.auth, r.status, tc.want)
			}
		}
	})
	t.Run("tampered cookie", func(t *testing.T) {
		c := f.client(t)
		f.signInOperator(t, c)
		u, _ := url.Parse(f.url)
		for _, ck := range c.Jar.Cookies(u) {
			if ck.Name == "citebot_console" {
				body, sig, _ := strings.Cut(ck.Value, ".")
				ck.Value = body + "x." + sig
				c.Jar.SetCookies(u, []*http.Cookie{ck})
			}
		}
		if r := get(t, c, f.url+"/"); r.status != http.StatusSeeOther {
			t.Fatalf("status %d with a tampered cookie, want a redirect to sign in", r.status)
		}
	})
}

func TestCSRFOnEveryForm(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	csrf := f.signInOperator(t, c)
	coll := f.url + "/c/default"
	for _, path := range []string{"/ingest", "/eval/qa", "/eval/run"} {
		t.Run(path, func(t *testing.T) {
			for _, tok := range []string{"", "forged"} {
				r := post(t, c, coll+path, url.Values{"csrf": {tok}, "kind": {"sync"}, "name": {"x"}, "body": {"{}"}, "qa": {"1"}})
				if r.status != http.StatusForbidden {
					t.Errorf("csrf %q: status %d, want 403", tok, r.status)
				}
			}
		})
	}
	if r := post(t, c, f.url+"/signout", url.Values{"csrf": {"forged"}}); r.status != http.StatusForbidden {
		t.Errorf("sign-out with a forged token: %d", r.status)
	}
	if r := post(t, c, f.url+"/signout", url.Values{"csrf": {csrf}}); r.status != http.StatusSeeOther {
		t.Errorf("sign-out: %d", r.status)
	}
	if r := get(t, c, f.url+"/"); r.status != http.StatusSeeOther {
		t.Errorf("after sign-out: %d, want a redirect to sign in", r.status)
	}
}

func TestDiscordSignIn(t *testing.T) {
	f := newFixture(t)
	for _, name := range []string{"guild-" + guildA, "guild-" + guildB, "default"} {
		if _, err := f.store.EnsureCollection(t.Context(), name); err != nil {
			t.Fatal(err)
		}
	}
	c := f.client(t)
	f.signInDiscord(t, c)
	home := get(t, c, f.url+"/")
	if !strings.Contains(home.body, "/c/guild-"+guildA) || !strings.Contains(home.body, "Alpha") || !strings.Contains(home.body, "alice") {
		t.Errorf("the home page lacks the managed guild:\n%.2000s", home.body)
	}
	if strings.Contains(home.body, guildB) || strings.Contains(home.body, "/c/default") {
		t.Errorf("the home page shows a guild alice does not manage:\n%.2000s", home.body)
	}
	t.Run("access token stored sealed", func(t *testing.T) {
		cs, err := f.store.ConsoleSessionByID(t.Context(), sessionID(t, f, c))
		if err != nil {
			t.Fatal(err)
		}
		if cs.UserID != aliceID || cs.AccessToken == "" || strings.Contains(cs.AccessToken, "access-") {
			t.Errorf("stored session %+v: want alice with a sealed token", cs)
		}
	})
	tests := []struct {
		path string
		want int
	}{
		{"/c/guild-" + guildA, http.StatusOK},
		{"/c/guild-" + guildA + "/search?q=pages", http.StatusOK},
		{"/c/guild-" + guildB, http.StatusNotFound},
		{"/c/guild-" + guildB + "/search?q=pages", http.StatusNotFound},
		{"/c/guild-" + guildB + "/jobs/1/status", http.StatusNotFound},
		{"/c/default", http.StatusNotFound},
	}
	for _, tc := range tests {
		if r := get(t, c, f.url+tc.path); r.status != tc.want {
			t.Errorf("GET %s = %d, want %d", tc.path, r.status, tc.want)
		}
	}

	t.Run("permission removed on Discord", func(t *testing.T) {
		f.discord.AddOAuthUser(alice(false))
		if r := get(t, c, f.url+"/c/guild-"+guildA); r.status != http.StatusOK {
			t.Fatalf("within the guild cache: %d", r.status)
		}
		f.clock.advance(time.Minute)
		if r := get(t, c, f.url+"/c/guild-"+guildA); r.status != http.StatusNotFound {
			t.Errorf("after Manage Server was removed: %d, want 404", r.status)
		}
	})
	t.Run("token revoked on Discord", func(t *testing.T) {
		f.discord.RevokeOAuthTokens()
		f.clock.advance(time.Minute)
		if r := get(t, c, f.url+"/"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/signin") {
			t.Errorf("after revocation: %d %q, want a redirect to sign in", r.status, r.location)
		}
	})
}

func TestDiscordCallbackChecksState(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	start := get(t, c, f.url+"/auth/discord")
	q, _ := url.Parse(start.location)
	back := post(t, c, f.discord.APIBase()+"/oauth2/authorize", url.Values{"query": {q.RawQuery}, "user": {aliceID}})
	cb, _ := url.Parse(back.location)
	code := cb.Query().Get("code")
	tests := []struct {
		name, query string
		want        int
	}{
		{"forged state", url.Values{"code": {code}, "state": {"forged"}}.Encode(), http.StatusBadRequest},
		{"no state", url.Values{"code": {code}}.Encode(), http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A fresh browser that started its own sign-in, then follows a
			// callback link made for another state.
			other := f.client(t)
			get(t, other, f.url+"/auth/discord")
			r := get(t, other, f.url+"/auth/callback?"+tc.query)
			if r.status != tc.want {
				t.Fatalf("status %d, want %d", r.status, tc.want)
			}
			if r := get(t, other, f.url+"/"); r.status != http.StatusSeeOther {
				t.Errorf("signed in after a bad callback: %d", r.status)
			}
		})
	}
	t.Run("denied", func(t *testing.T) {
		other := f.client(t)
		s := get(t, other, f.url+"/auth/discord")
		sq, _ := url.Parse(s.location)
		d := post(t, other, f.discord.APIBase()+"/oauth2/authorize", url.Values{"query": {sq.RawQuery}, "deny": {"1"}})
		if r := get(t, other, d.location); r.status != http.StatusUnauthorized {
			t.Errorf("denied consent: %d", r.status)
		}
	})
}

// sessionID reads the session id out of c's signed cookie.
func sessionID(t *testing.T, f *fixture, c *http.Client) string {
	t.Helper()
	u, _ := url.Parse(f.url)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "citebot_console" {
			body, _, _ := strings.Cut(ck.Value, ".")
			b, err := base64.RawURLEncoding.DecodeString(body)
			var p struct {
				SID string `json:"sid"`
			}
			if err != nil || json.Unmarshal(b, &p) != nil {
				t.Fatalf("cookie %q does not decode", ck.Value)
			}
			return p.SID
		}
	}
	t.Fatal("no session cookie")
	return ""
}
