package console_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts headless Chromium (Debian's chromium, installed by
// scripts/chromium.sh); without it the test skips, except under CI.
func browser(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no Chromium found under CI: scripts/chromium.sh (run by make setup) installs it")
		}
		t.Skip("no Chromium found: run scripts/chromium.sh to install it and run the browser tests")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// TestLiveProgressInBrowser signs in with the operator token, starts a
// re-sync and watches the page's script follow it: the ingest is held
// mid-way until the page shows it running, then released.
func TestLiveProgressInBrowser(t *testing.T) {
	f := newFixture(t)
	ctx := browser(t)
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
			t.Fatalf("%s: %v\npage:\n%.2000s", what, err, body)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}
	step("sign in with the token",
		chromedp.Navigate(f.url+"/c/default/jobs"),
		chromedp.SendKeys(chromedp.ID("token"), operatorToken),
		chromedp.Click(chromedp.ID("token-signin")),
		chromedp.WaitVisible(chromedp.ID("sync")))
	step("start a re-sync", chromedp.Click(chromedp.ID("sync")),
		chromedp.WaitVisible(chromedp.ID("job")),
		chromedp.WaitVisible(chromedp.CSS("#status.status-running")))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("counts").textContent === "1/2 files, 3 chunks"`)); err != nil {
		t.Fatalf("progress mid-way: %v (counts %q)", err, text("#counts"))
	}
	close(f.ing.gate())
	step("the script follows the run to its end", chromedp.WaitVisible(chromedp.CSS("#status.status-done")))
	if got := text("#counts"); got != "2/2 files, 5 chunks" {
		t.Errorf("final counts %q", got)
	}
	if got := text("#summary"); got != "2 added, 0 updated, 0 unchanged, 0 removed, 0 failed; 5 chunks" {
		t.Errorf("summary %q", got)
	}
}
