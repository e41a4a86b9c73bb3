package cli_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/citebot/citebot/bot/discordtest"
)

// chromium finds the browser the end-to-end console tests drive: Debian's
// chromium, which scripts/chromium.sh installs (make test runs it). Only
// outside CI does a missing browser skip the tests.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium found under CI: scripts/chromium.sh (run by make setup) installs it")
	}
	t.Skip("no Chromium found: run scripts/chromium.sh to install it and run the browser tests")
	return ""
}

// browser starts a headless Chromium for the test; every action shares
// one deadline.
func browser(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// TestConsoleInBrowser runs `citebot console` as main wires it (real
// store, local model, retriever, ingester) with the fake Discord as the
// OAuth2 provider, and drives it from headless Chromium: a guild admin
// signs in, opens the guild, searches, uploads a document and watches the
// ingest finish; a member without Manage Server sees nothing of the guild.
func TestConsoleInBrowser(t *testing.T) {
	env := e2eEnv(t)
	ctx := browser(t, 3*time.Minute)
	const guild = "700000000000000001"
	if r := citebot(t, env, "ingest", "--collection", "guild-"+guild, "../rag/ingest/testdata/corpus"); r.err != nil {
		t.Fatalf("ingest: %v\n%s", r.err, r.stderr)
	}
	addr := freeAddr(t)
	base := "http://" + addr
	srv := discordtest.New(t, discordtest.Options{})
	srv.SetOAuthApp(discordtest.OAuthApp{ClientID: "42", ClientSecret: "console-client-secret",
		RedirectURIs: []string{base + "/auth/callback"}})
	srv.AddOAuthUser(discordtest.OAuthUser{ID: "600000000000000001", Username: "alice",
		Guilds: []discordtest.OAuthGuild{{ID: guild, Name: "Alpha Team", Permissions: 0x20}}})
	srv.AddOAuthUser(discordtest.OAuthUser{ID: "600000000000000002", Username: "bob",
		Guilds: []discordtest.OAuthGuild{{ID: guild, Name: "Alpha Team", Permissions: 0x400}}})
	for k, v := range map[string]string{"CITEBOT_CONSOLE_ADDR": addr, "CITEBOT_DISCORD_API": srv.APIBase(),
		"CITEBOT_DISCORD_CLIENT_ID": "42", "CITEBOT_DISCORD_CLIENT_SECRET": "console-client-secret"} {
		env[k] = v
	}
	sctx, stop := context.WithCancel(t.Context())
	done := make(chan result, 1)
	go func() {
		var out, errOut strings.Builder
		err := runCtx(sctx, env, &out, &errOut, "console")
		done <- result{out.String(), errOut.String(), err}
	}()
	t.Cleanup(func() {
		stop()
		if r := <-done; r.err != nil {
			t.Errorf("console: %v\n%s", r.err, r.stderr)
		}
	})
	waitListening(t, addr)

	signIn(t, ctx, base, "alice")
	coll := base + "/c/guild-" + guild
	browse(t, ctx, "open the guild",
		chromedp.Click(chromedp.CSS(`a[href="/c/guild-`+guild+`"]`)),
		chromedp.WaitVisible(chromedp.ID("documents")))
	wantText(t, textOf(t, ctx, chromedp.CSS("body")), "Team handbook", "Alpha Team")

	browse(t, ctx, "search",
		chromedp.Navigate(coll+"/search"),
		chromedp.SendKeys(chromedp.ID("q"), "How quickly must the on-call engineer answer a page?"),
		chromedp.Click(chromedp.ID("search")),
		chromedp.WaitVisible(chromedp.ID("results")))
	wantText(t, textOf(t, ctx, chromedp.ID("results")), "fifteen minutes", "score ")

	doc := filepath.Join(t.TempDir(), "parking.md")
	if err := os.WriteFile(doc, []byte("# Parking\n\nVisitors park on level minus two, bay forty-one.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	browse(t, ctx, "upload and watch the ingest",
		chromedp.Navigate(coll+"/jobs"),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{doc}),
		chromedp.Click(chromedp.ID("upload")),
		chromedp.WaitVisible(chromedp.ID("job")),
		chromedp.WaitVisible(chromedp.CSS("#status.status-done")))
	wantText(t, textOf(t, ctx, chromedp.ID("summary")), "1 added")
	browse(t, ctx, "find the new document", chromedp.Navigate(coll+"/search?q=where+do+visitors+park"))
	wantText(t, textOf(t, ctx, chromedp.ID("results")), "bay forty-one")

	browse(t, ctx, "sign out", chromedp.Navigate(base+"/"), chromedp.Click(chromedp.CSS("header button")),
		chromedp.WaitVisible(chromedp.ID("discord-signin")))
	signIn(t, ctx, base, "bob")
	wantText(t, textOf(t, ctx, chromedp.CSS("main")), "You manage no server")
	for _, page := range []string{"", "/search?q=handbook", "/jobs", "/document?source=upload:parking.md"} {
		browse(t, ctx, "open "+page, chromedp.Navigate(coll+page))
		text := textOf(t, ctx, chromedp.CSS("body"))
		wantText(t, text, "No such collection")
		for _, secret := range []string{"Team handbook", "Alpha Team", "parking", "forty-one", "fifteen"} {
			if strings.Contains(text, secret) {
				t.Errorf("bob sees %q on %s:\n%s", secret, page, text)
			}
		}
	}
}

// signIn goes through the Discord sign-in, approving as user on the
// fake's consent page.
func signIn(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	browse(t, ctx, "sign in as "+user,
		chromedp.Navigate(base+"/"),
		chromedp.Click(chromedp.ID("discord-signin")),
		chromedp.Click(chromedp.ID("as-"+user)),
		chromedp.WaitVisible(chromedp.ID("who")))
	if who := textOf(t, ctx, chromedp.ID("who")); who != user {
		t.Fatalf("signed in as %q, want %q", who, user)
	}
}

func browse(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("%s: %v\npage:\n%.2000s", what, err, body)
	}
}

func textOf[S chromedp.Selectable](t *testing.T, ctx context.Context, sel S) string {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("read %v: %v", sel, err)
	}
	return text
}

func wantText(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("page lacks %q:\n%.2000s", w, text)
		}
	}
}

// waitListening waits for the console to accept connections.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("console not listening on %s within 60s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
