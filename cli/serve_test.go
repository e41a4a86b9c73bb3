package cli_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot/discordtest"
)

// TestServeOnFakeDiscord runs `citebot serve` as main wires it (the real
// session, store, local model and answer pipeline) against the fake
// Discord: a cited answer in one guild, nothing from it in another.
func TestServeOnFakeDiscord(t *testing.T) {
	env := e2eEnv(t)
	const guild, other = "700000000000000001", "700000000000000002"
	if r := citebot(t, env, "ingest", "--collection", "guild-"+guild, "../rag/ingest/testdata/corpus"); r.err != nil {
		t.Fatalf("ingest: %v\n%s", r.err, r.stderr)
	}
	srv := discordtest.New(t, discordtest.Options{})
	env["DISCORD_TOKEN"] = srv.Token()
	env["CITEBOT_DISCORD_API"] = srv.APIBase()
	env["CITEBOT_DEV_GUILD"] = guild
	metricsAddr := freeAddr(t)
	env["CITEBOT_METRICS_ADDR"] = metricsAddr
	env["CITEBOT_LOG_LEVEL"] = "debug"
	env["CITEBOT_RETENTION"] = "0" // keeps answers forever, and serve running
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan result, 1)
	go func() { done <- serve(ctx, t, env) }()
	srv.WaitFor(t, func() bool { _, ok := srv.Commands(guild); return ok && srv.Readies() > 0 }, 30*time.Second)

	ask := func(guildID string) discordgo.Message {
		inv := discordtest.Invoker{GuildID: guildID, ChannelID: "800000000000000001", UserID: "600000000000000001"}
		i := srv.Command(t, inv, "ask", discordtest.StringOption("question", "How quickly must the on-call engineer answer a page?"))
		var msg discordgo.Message
		t.Cleanup(func() {
			if t.Failed() {
				for _, c := range srv.Calls() {
					t.Logf("call %s %s %d %.300s", c.Method, c.Path, c.Status, c.Body)
				}
			}
		})
		srv.WaitFor(t, func() bool {
			m, ok := srv.Original(i.Token)
			msg = m
			return ok && (len(m.Embeds) > 0 || m.Content != "")
		}, 60*time.Second)
		return msg
	}
	answer := ask(guild)
	got := render(answer)
	for _, want := range []string{"fifteen minutes", "On-call rota"} {
		if !strings.Contains(got, want) {
			t.Errorf("answer in its guild lacks %q:\n%s", want, got)
		}
	}
	if got := render(ask(other)); strings.Contains(got, "fifteen minutes") || strings.Contains(got, "On-call") {
		t.Errorf("another guild saw the first guild's documents:\n%s", got)
	}
	checkMetrics(t, metricsAddr)
	checkFeedbackReason(t, env, srv, guild, answer)
	checkReingestJob(t, env, srv, guild)
	checkQueuedIngest(t, env, guild)
	cancel()
	select {
	case r := <-done:
		if r.err != nil {
			t.Errorf("serve: %v\n%s", r.err, r.stderr)
		}
		for _, secret := range []string{srv.Token(), "fifteen minutes"} {
			if strings.Contains(r.stderr, secret) {
				t.Errorf("logs contain %q", secret)
			}
		}
		if !strings.Contains(r.stderr, `"request_id"`) {
			t.Errorf("logs carry no request id:\n%.2000s", r.stderr)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop after cancellation")
	}
}

func TestServeIntentNotEnabled(t *testing.T) {
	env := e2eEnv(t)
	srv := discordtest.New(t, discordtest.Options{DisallowedIntents: discordgo.IntentMessageContent})
	env["DISCORD_TOKEN"] = srv.Token()
	env["CITEBOT_DISCORD_API"] = srv.APIBase()
	env["CITEBOT_MESSAGE_CONTENT"] = "true"
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	r := serve(ctx, t, env)
	if r.err == nil || !strings.Contains(r.err.Error(), "Message Content") {
		t.Fatalf("serve with a disallowed intent: %v", r.err)
	}
}

// checkMetrics scrapes the metrics listener after two questions.
func checkMetrics(t *testing.T, addr string) {
	t.Helper()
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz = %d %s", code, body)
	}
	_, body := get("/metrics")
	for _, want := range []string{"citebot_questions_total 2", "citebot_refusals_total 1", `citebot_stage_duration_seconds_count{stage="retrieve"} 2`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs `citebot serve` on the fake Discord srv, with guild as
// its development guild and stored answers kept, until the test ends, and
// waits for it to register its commands and connect.
func startServe(t *testing.T, env map[string]string, srv *discordtest.Server, guild string) {
	t.Helper()
	env["DISCORD_TOKEN"], env["CITEBOT_DISCORD_API"], env["CITEBOT_DEV_GUILD"] = srv.Token(), srv.APIBase(), guild
	env["CITEBOT_RETENTION"] = "0"
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan result, 1)
	go func() { done <- serve(ctx, t, env) }()
	t.Cleanup(func() {
		cancel()
		if r := <-done; r.err != nil {
			t.Errorf("serve: %v\n%s", r.err, r.stderr)
		}
	})
	srv.WaitFor(t, func() bool { _, ok := srv.Commands(guild); return ok && srv.Readies() > 0 }, 30*time.Second)
}

func serve(ctx context.Context, t *testing.T, env map[string]string) result {
	var out, errOut strings.Builder
	err := runCtx(ctx, env, &out, &errOut, "serve")
	return result{out.String(), errOut.String(), err}
}

// render flattens a message's content and embeds for assertions.
func render(m discordgo.Message) string {
	var b strings.Builder
	b.WriteString(m.Content)
	for _, e := range m.Embeds {
		b.WriteString("\n" + e.Title + "\n" + e.Description)
		for _, f := range e.Fields {
			b.WriteString("\n" + f.Name + ": " + f.Value)
		}
	}
	return b.String()
}

// checkReingestJob runs /reingest, which the serve process runs as a job
// and reports in the command's response, and lists it with citebot jobs.
func checkReingestJob(t *testing.T, env map[string]string, srv *discordtest.Server, guild string) {
	t.Helper()
	admin := discordtest.Invoker{GuildID: guild, ChannelID: "800000000000000001", UserID: "600000000000000002",
		Permissions: discordgo.PermissionManageGuild}
	i := srv.Command(t, admin, "reingest")
	srv.WaitFor(t, func() bool {
		m, ok := srv.Original(i.Token)
		return ok && strings.HasPrefix(m.Content, "Re-sync done")
	}, 60*time.Second)
	r := run(t, env, "jobs", "--json")
	var js []struct {
		ID       int64           `json:"id"`
		Kind     string          `json:"kind"`
		State    string          `json:"state"`
		Attempts int             `json:"attempts"`
		Result   json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &js); err != nil || r.err != nil {
		t.Fatalf("jobs --json: %v %v\n%s", err, r.err, r.stdout)
	}
	if len(js) != 1 || js[0].Kind != "resync" || js[0].State != "done" || js[0].Attempts != 1 || !strings.Contains(string(js[0].Result), `"unchanged"`) {
		t.Errorf("jobs = %+v", js)
	}
	if r := run(t, env, "jobs"); !strings.Contains(r.stdout, "resync") || !strings.Contains(r.stdout, "done") {
		t.Errorf("jobs table:\n%s", r.stdout)
	}
}

// checkQueuedIngest queues an ingest from the command line, which the
// running serve process claims and finishes.
func checkQueuedIngest(t *testing.T, env map[string]string, guild string) {
	t.Helper()
	r := run(t, env, "ingest", "--queue", "--collection", "guild-"+guild, "../rag/ingest/testdata/corpus")
	if r.err != nil || !strings.HasPrefix(r.stdout, "queued job ") {
		t.Fatalf("ingest --queue: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	var js []struct {
		Kind, State string
		Result      struct{ Unchanged int }
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := run(t, env, "jobs", "--json")
		if err := json.Unmarshal([]byte(r.stdout), &js); err != nil {
			t.Fatalf("jobs --json: %v\n%s", err, r.stdout)
		}
		if len(js) == 2 && js[0].State == "done" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queued ingest not done: %+v", js)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if js[0].Kind != "ingest" || js[0].Result.Unchanged == 0 {
		t.Errorf("queued ingest = %+v, want the corpus found unchanged", js[0])
	}
}
