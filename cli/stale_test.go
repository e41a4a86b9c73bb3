package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/cli"
)

// TestStaleAnswersOnFakeDiscord runs `citebot serve` against the fake
// Discord while another citebot process re-ingests: a change to a cited
// sentence edits exactly the answers citing it, once, with the stale line
// and an Ask again button that answers afresh, and the report names them.
func TestStaleAnswersOnFakeDiscord(t *testing.T) {
	env := e2eEnv(t)
	const guild = "700000000000000011"
	coll := "guild-" + guild
	dir := t.TempDir()
	for _, name := range []string{"oncall.md", "kitchen.md"} {
		b, err := os.ReadFile(filepath.Join("testdata", "stale", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ingest := func() {
		t.Helper()
		if r := citebot(t, env, "ingest", "--collection", coll, dir); r.err != nil {
			t.Fatalf("ingest: %v\n%s", r.err, r.stderr)
		}
	}
	ingest()
	srv := discordtest.New(t, discordtest.Options{})
	env["CITEBOT_STALE_POLL"] = "200ms"
	startServe(t, env, srv, guild)
	inv := discordtest.Invoker{GuildID: guild, ChannelID: "800000000000000011", UserID: "600000000000000011"}
	ask := func(i *discordgo.Interaction) discordgo.Message {
		t.Helper()
		var msg discordgo.Message
		srv.WaitFor(t, func() bool {
			m, ok := srv.Original(i.Token)
			msg = m
			return ok && len(m.Embeds) > 0
		}, 60*time.Second)
		return msg
	}
	oncall := ask(srv.Command(t, inv, "ask", discordtest.StringOption("question", "How quickly does the on-call engineer answer a page?")))
	lunch := ask(srv.Command(t, inv, "ask", discordtest.StringOption("question", "When does the kitchen serve lunch?")))
	for m, want := range map[*discordgo.Message]string{&oncall: "On-call rota", &lunch: "Kitchen"} {
		if got := render(*m); !strings.Contains(got, want) || strings.Contains(got, map[string]string{"On-call rota": "Kitchen", "Kitchen": "On-call rota"}[want]) {
			t.Fatalf("answer should cite %s only:\n%s", want, got)
		}
	}

	rewritten := strings.Replace(readFile(t, filepath.Join(dir, "oncall.md")), "within fifteen minutes", "within five minutes", 1)
	if err := os.WriteFile(filepath.Join(dir, "oncall.md"), []byte(rewritten), 0o644); err != nil {
		t.Fatal(err)
	}
	ingest() // another process, with no Discord session
	today := time.Now().UTC().Format("2006-01-02")
	line := "A source of this answer changed on " + today
	var edited discordgo.Message
	srv.WaitFor(t, func() bool { edited, _ = srv.Message(oncall.ID); return strings.Contains(edited.Content, line) }, 30*time.Second)
	time.Sleep(time.Second) // a few more polls: nothing else changes
	if m, _ := srv.Message(lunch.ID); m.Content != lunch.Content {
		t.Errorf("an answer whose source did not change was edited:\n%s", m.Content)
	}
	var edits int
	for _, c := range srv.CallsTo("PATCH /channels/{channel}/messages/{message}") {
		if strings.HasSuffix(c.Path, "/"+oncall.ID) {
			edits++
		}
	}
	if edits != 1 {
		t.Errorf("the stale answer's message was edited %d times, want once", edits)
	}

	again := srv.Button(t, inv, customID(t, edited, "again:"), &edited)
	srv.WaitFor(t, func() bool {
		m, ok := srv.Original(again.Token)
		return ok && strings.Contains(render(m), "five minutes")
	}, 60*time.Second)
	checkStaleReport(t, env, coll, dir)
}

// checkStaleReport reads `citebot report stale` after the rewrite, and
// after forgetting the other cited document.
func checkStaleReport(t *testing.T, env map[string]string, coll, dir string) {
	t.Helper()
	must := func(args ...string) string {
		t.Helper()
		r := citebot(t, env, args...)
		if r.err != nil {
			t.Fatalf("%v: %v\n%s", args, r.err, r.stderr)
		}
		return r.stdout
	}
	var rep cli.StaleReport
	if err := json.Unmarshal([]byte(must("report", "stale", "--collection", coll, "--json")), &rep); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Surface, Question, Source string
		N                         int
		Removed                   bool
	}
	var got []row
	for _, a := range rep.Answers {
		for _, c := range a.Changed {
			got = append(got, row{a.Surface, a.Question, filepath.Base(c.Source), c.N, c.Removed})
		}
	}
	want := []row{{"discord", "How quickly does the on-call engineer answer a page?", "oncall.md", 1, false}}
	if diff := cmp.Diff(want, got); diff != "" || rep.Collection != coll {
		t.Errorf("report of %q after a rewritten sentence (-want +got):\n%s", rep.Collection, diff)
	}

	must("forget", "--collection", coll, filepath.Join(dir, "kitchen.md"))
	text := must("report", "stale", "--collection", coll, "--since", "7d")
	// Dates, ids and the temporary folder vary between runs.
	text = regexp.MustCompile(`\d{4}-\d\d-\d\d`).ReplaceAllString(text, "DATE")
	text = regexp.MustCompile(`answer \d+`).ReplaceAllString(text, "answer N")
	text = strings.ReplaceAll(text, dir, "DIR")
	golden := filepath.Join("testdata", "report_stale.golden")
	if os.Getenv("CITEBOT_UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wantText, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(wantText), text); diff != "" {
		t.Errorf("text report (-want +got):\n%s", diff)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// customID returns the custom id of m's button that starts with prefix.
func customID(t *testing.T, m discordgo.Message, prefix string) string {
	t.Helper()
	for _, c := range m.Components {
		if row, ok := c.(*discordgo.ActionsRow); ok {
			for _, rc := range row.Components {
				if b, ok := rc.(*discordgo.Button); ok && strings.HasPrefix(b.CustomID, prefix) {
					return b.CustomID
				}
			}
		}
	}
	t.Fatalf("no %q button on message %+v", prefix, m.Components)
	return ""
}
