package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/console"
	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

var dbURL string

func TestMain(m *testing.M) { os.Exit(storetest.Main(m, "console", &dbURL)) }

// Users and guilds of the fake Discord.
const (
	operatorToken = "operator-token-0123456789abcdef"
	clientID      = "1234567890"
	clientSecret  = "client-secret-abcdef"
	guildA        = "700000000000000001" // alice manages it
	guildB        = "700000000000000002" // alice is only a member
	aliceID       = "600000000000000001"
)

// fixture is a console on httptest with the real store, the fake
// Discord's OAuth2 provider and fakes for retrieval, ingest and answers.
type fixture struct {
	url     string
	discord *discordtest.Server
	store   *store.Store
	clock   *clock
	ing     *fakeIngester
}

type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func alice(manageA bool) discordtest.OAuthUser {
	perms := int64(0x20 | 0x400)
	if !manageA {
		perms = 0x400
	}
	return discordtest.OAuthUser{ID: aliceID, Username: "alice", Guilds: []discordtest.OAuthGuild{
		{ID: guildA, Name: "Alpha", Permissions: perms},
		{ID: guildB, Name: "Beta", Permissions: 0x400},
	}}
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := storetest.Open(t, dbURL)
	ts := httptest.NewUnstartedServer(nil)
	f := &fixture{url: "http://" + ts.Listener.Addr().String(), store: st, clock: &clock{}, ing: &fakeIngester{}}
	f.clock.ns.Store(time.Now().UnixNano())
	f.discord = discordtest.New(t, discordtest.Options{})
	f.discord.SetOAuthApp(discordtest.OAuthApp{ClientID: clientID, ClientSecret: clientSecret,
		RedirectURIs: []string{f.url + "/auth/callback"}})
	f.discord.AddOAuthUser(alice(true))
	c, err := console.New(console.Config{Library: st, Sessions: st, Runs: st, Jobs: st, Evals: st,
		Retriever: fakeRetriever{}, Ingester: f.ing, Answerer: fakeAnswerer{}, Token: operatorToken,
		PublicURL: f.url, DiscordAPI: f.discord.APIBase(), DiscordClientID: clientID, DiscordSecret: clientSecret,
		Now: f.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	ts.Config.Handler = c.Handler(ctx)
	ts.Start()
	t.Cleanup(func() { cancel(); ts.Close(); f.ing.wait() })
	return f
}

// client is a browser: a cookie jar that does not follow redirects.
func (f *fixture) client(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type response struct {
	status   int
	body     string
	location string
	header   http.Header
}

func do(t *testing.T, c *http.Client, req *http.Request) response {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, string(b), resp.Header.Get("Location"), resp.Header}
}

func get(t *testing.T, c *http.Client, u string) response {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	return do(t, c, req)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) response {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, c, req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%.1500s", body)
	}
	return m[1]
}

// signInOperator signs c in with the operator token through the form.
func (f *fixture) signInOperator(t *testing.T, c *http.Client) string {
	t.Helper()
	page := get(t, c, f.url+"/signin")
	r := post(t, c, f.url+"/signin", url.Values{"csrf": {csrfOf(t, page.body)}, "token": {operatorToken}, "next": {"/"}})
	if r.status != http.StatusSeeOther || r.location != "/" {
		t.Fatalf("operator sign-in = %d %q:\n%.800s", r.status, r.location, r.body)
	}
	return csrfOf(t, get(t, c, f.url+"/").body)
}

// signInDiscord runs the authorization code flow as a browser would,
// approving as alice on the fake's consent page.
func (f *fixture) signInDiscord(t *testing.T, c *http.Client) string {
	t.Helper()
	r := get(t, c, f.url+"/auth/discord?next=/")
	if r.status != http.StatusFound || !strings.HasPrefix(r.location, f.discord.APIBase()+"/oauth2/authorize?") {
		t.Fatalf("start = %d %q", r.status, r.location)
	}
	consent := get(t, c, r.location)
	if consent.status != http.StatusOK {
		t.Fatalf("authorize page = %d %s", consent.status, consent.body)
	}
	q, _ := url.Parse(r.location)
	back := post(t, c, f.discord.APIBase()+"/oauth2/authorize", url.Values{"query": {q.RawQuery}, "user": {aliceID}})
	if back.status != http.StatusFound || !strings.HasPrefix(back.location, f.url+"/auth/callback?") {
		t.Fatalf("approve = %d %q", back.status, back.location)
	}
	done := get(t, c, back.location)
	if done.status != http.StatusSeeOther || done.location != "/" {
		t.Fatalf("callback = %d %q:\n%.800s", done.status, done.location, done.body)
	}
	return csrfOf(t, get(t, c, f.url+"/").body)
}

type fakeRetriever struct{}

func (fakeRetriever) Retrieve(_ context.Context, collection, query string, k int) ([]rag.Passage, error) {
	return []rag.Passage{
		{ChunkID: 7, Title: "Runbook", Source: "https://docs.example/runbook", HeadingPath: []string{"Paging"},
			Text: "Answer a page within <fifteen> minutes (" + collection + ": " + query + ")", Score: 0.8123, TextScore: 1.5, VectorScore: 0.61},
		{ChunkID: 9, Title: "Handbook", Source: "handbook.md", Text: "second", Score: 0.25},
	}[:min(k, 2)], nil
}

type fakeAnswerer struct{}

func (fakeAnswerer) Answer(_ context.Context, req rag.Request, _ func(string)) (*rag.Answer, error) {
	return &rag.Answer{Question: req.Question, Refused: true, Mode: "extractive"}, nil
}

// fakeIngester reports progress in steps a test releases.
type fakeIngester struct {
	mu      sync.Mutex
	release chan struct{}
	calls   []string
	wg      sync.WaitGroup
}

func (f *fakeIngester) gate() chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.release == nil {
		f.release = make(chan struct{})
	}
	return f.release
}

func (f *fakeIngester) run(ctx context.Context, what string, progress func(console.Progress)) (console.Summary, error) {
	f.wg.Add(1)
	defer f.wg.Done()
	f.mu.Lock()
	f.calls = append(f.calls, what)
	f.mu.Unlock()
	progress(console.Progress{Done: 0, Total: 2, Current: what})
	progress(console.Progress{Done: 1, Total: 2, Chunks: 3, Current: what})
	select {
	case <-f.gate():
	case <-ctx.Done():
		return console.Summary{}, ctx.Err()
	}
	progress(console.Progress{Done: 2, Total: 2, Chunks: 5})
	return console.Summary{Added: 2, Chunks: 5}, nil
}

func (f *fakeIngester) wait() { f.wg.Wait() }

func (f *fakeIngester) IngestUpload(ctx context.Context, _, name string, data []byte, p func(console.Progress)) (console.Summary, error) {
	return f.run(ctx, "upload "+name+" "+string(data), p)
}

func (f *fakeIngester) IngestURL(ctx context.Context, _, u string, p func(console.Progress)) (console.Summary, error) {
	return f.run(ctx, "url "+u, p)
}

func (f *fakeIngester) Resync(ctx context.Context, _ string, p func(console.Progress)) (console.Summary, error) {
	return f.run(ctx, "sync", p)
}
