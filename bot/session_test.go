package bot_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/citebot/citebot/bot"
)

// dialLog records every request the session's transport sends.
type dialLog struct {
	mu   sync.Mutex
	urls []string
}

func (d *dialLog) RoundTrip(r *http.Request) (*http.Response, error) {
	d.mu.Lock()
	d.urls = append(d.urls, r.URL.String())
	d.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (d *dialLog) all() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.urls...)
}

// authLog is a server that records the Authorization header of every
// request it receives.
type authLog struct {
	*httptest.Server
	mu    sync.Mutex
	auths []string
}

func newAuthLog(t *testing.T, h http.HandlerFunc) *authLog {
	a := &authLog{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.auths = append(a.auths, r.URL.Path+" "+r.Header.Get("Authorization"))
		a.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *authLog) seen() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.auths...)
}

func TestSessionRedirectsStayOnRoot(t *testing.T) {
	elsewhere := newAuthLog(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"url":"wss://evil.example/gw"}`))
	})
	tests := []struct {
		name     string
		location func(root string) string
		wantErr  string // empty: the redirect is followed
	}{
		{"relative", func(string) string { return "/api/v10/gateway/" }, ""},
		{"absolute on root", func(root string) string { return root + "/api/v10/gateway/" }, ""},
		{"absolute elsewhere", func(string) string { return elsewhere.URL + "/api/v10/gateway/" }, "refused"},
		{"scheme relative elsewhere", func(string) string { return "//" + strings.TrimPrefix(elsewhere.URL, "http://") + "/x" }, "refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var root *authLog
			root = newAuthLog(t, func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/api/v10/gateway":
					http.Redirect(w, r, tt.location(root.URL), http.StatusMovedPermanently)
				case "/api/v10/gateway/":
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write([]byte(`{"url":"wss://gateway.example/"}`))
				default:
					http.NotFound(w, r)
				}
			})
			dials := &dialLog{}
			s, err := bot.NewSession("tok", bot.SessionConfig{APIBase: root.URL + "/api/v10", Transport: dials})
			if err != nil {
				t.Fatal(err)
			}
			gw, err := s.Gateway()
			for _, u := range dials.all() {
				if !strings.HasPrefix(u, root.URL+"/") {
					t.Errorf("dialled %s, outside the root %s", u, root.URL)
				}
			}
			if tt.wantErr == "" {
				if err != nil || gw != "wss://gateway.example/" {
					t.Fatalf("gateway = %q, %v", gw, err)
				}
				want := []string{"/api/v10/gateway Bot tok", "/api/v10/gateway/ Bot tok"}
				if got := root.seen(); strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("root saw %q, want %q", got, want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "discord.com") {
				t.Errorf("error = %v, want %q naming the dialled URLs only", err, tt.wantErr)
			}
			if got := elsewhere.seen(); len(got) != 0 {
				t.Errorf("the other host received %q", got)
			}
		})
	}
}

func TestSessionErrorsNameDialledURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	root := srv.URL + "/api/v10"
	srv.Close() // nothing listens there any more
	s, err := bot.NewSession("tok", bot.SessionConfig{APIBase: root})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bot.New(s, bot.Config{Answerer: &fakeAnswerer{}, Library: newLibrary(), Answers: &fakeAnswers{}, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	err = b.Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), root+"/gateway") || strings.Contains(err.Error(), "discord.com") {
		t.Errorf("run error = %v, want it to name %s/gateway", err, root)
	}
}
