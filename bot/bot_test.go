package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
	"github.com/google/go-cmp/cmp"
)

func TestRegistrationPayload(t *testing.T) {
	h := start(t, discordtest.Options{}, nil)
	cmds, _ := h.srv.Commands(devGuild)
	perms := map[string]*int64{}
	for _, c := range cmds {
		perms[c.Name] = c.DefaultMemberPermissions
	}
	want := []string{"ask", "collection", "forget", "help", "ingest", "mode", "reingest", "sources", "summary"}
	if diff := cmp.Diff(want, sortedKeys(perms)); diff != "" {
		t.Fatalf("commands (-want +got):\n%s", diff)
	}
	for _, name := range []string{"ingest", "reingest", "forget", "collection", "mode"} {
		if p := perms[name]; p == nil || *p != discordgo.PermissionManageGuild {
			t.Errorf("/%s default_member_permissions = %v, want Manage Server", name, p)
		}
	}
	for _, name := range []string{"ask", "help", "sources", "summary"} {
		if perms[name] != nil {
			t.Errorf("/%s has default permissions %d, want none", name, *perms[name])
		}
	}
	first := h.srv.RawCommands(devGuild)
	if err := h.bot.RegisterCommands(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := h.srv.RawCommands(devGuild); string(got) != string(first) {
		t.Errorf("second registration payload differs:\n%s\n%s", first, got)
	}
	if _, global := h.srv.Commands(""); global {
		t.Error("commands registered globally although a dev guild is set")
	}
}

func TestAskDefersThenEdits(t *testing.T) {
	h := start(t, discordtest.Options{}, func(c *bot.Config) { c.EditInterval = 10 * time.Millisecond })
	h.ans.partials = []string{"Answer", "Answer to"}
	i := h.srv.Command(t, member, "ask", discordtest.StringOption("question", "how to install?"))
	m := h.original(t, i, answered)
	cbs := h.callbacks(i)
	if len(cbs) != 1 || !strings.Contains(string(cbs[0].Body), `"type":5`) {
		t.Fatalf("callbacks = %+v, want one deferral", cbs)
	}
	if m.Content != "Answer to how to install? [1]." {
		t.Errorf("content = %q", m.Content)
	}
	if len(m.Embeds) != 1 || !strings.Contains(m.Embeds[0].Description, "Install guide <https://docs.example.com/install> — Setup › Linux") {
		t.Errorf("sources embed = %+v", m.Embeds)
	}
	if got := h.ans.requests()[0].Collection; got != "guild-"+guildA {
		t.Errorf("collection = %q", got)
	}
}

func TestLongAnswerSplit(t *testing.T) {
	h := start(t, discordtest.Options{}, nil)
	para := strings.Repeat("This sentence cites a source [1]. ", 25) // 850 chars
	long := strings.TrimSpace(strings.Repeat(para+"\n\n", 7))        // ~6000
	h.ans.text = func(string) string { return long }
	i := h.srv.Command(t, member, "ask", discordtest.StringOption("question", "everything"))
	follow := h.srv.WaitCalls(t, "POST /webhooks/{app}/{token}", 3, wait)
	orig, _ := h.srv.Original(i.Token)
	parts := []string{orig.Content}
	for _, c := range follow {
		var m discordgo.Message
		if err := json.Unmarshal(c.Body, &m); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, m.Content)
		if len(m.Content) > 2000 {
			t.Errorf("followup of %d chars", len(m.Content))
		}
	}
	if got := strings.Join(parts, ""); strip(got) != strip(long) {
		t.Errorf("split answer lost text")
	}
	for _, p := range parts {
		if strings.Count(p, "[") != strings.Count(p, "]") {
			t.Errorf("a citation was cut: %q", p[len(p)-20:])
		}
	}
}

func strip(s string) string { return strings.Join(strings.Fields(s), "") }

func TestAdminChecks(t *testing.T) {
	h := start(t, discordtest.Options{}, nil)
	// The server changed /reingest's default permissions so that a member
	// can invoke it: the handler must still refuse.
	i := h.srv.Command(t, member, "reingest")
	h.srv.WaitCalls(t, "POST /interactions/{id}/{token}/callback", 1, wait)
	if m := h.original(t, i, func(discordgo.Message) bool { return true }); !strings.Contains(m.Content, "Manage Server") || m.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("refusal = %q flags %d", m.Content, m.Flags)
	}
	if len(h.ing.resyncs) != 0 {
		t.Errorf("resync ran for a non-admin")
	}
	i = h.srv.Command(t, admin, "reingest")
	m := h.original(t, i, func(m discordgo.Message) bool { return strings.HasPrefix(m.Content, "Re-sync done") })
	if !strings.Contains(m.Content, "2 updated, 1 unchanged") {
		t.Errorf("summary = %q", m.Content)
	}
}

func TestIngestAttachment(t *testing.T) {
	h := start(t, discordtest.Options{}, func(c *bot.Config) { c.MaxUploadBytes = 1 << 10 })
	data := []byte("# Guide\n\nHello.")
	a := h.srv.AddAttachment("guide.md", "text/markdown", data)
	i := h.srv.AttachmentCommand(t, admin, "ingest", "file", a)
	h.original(t, i, func(m discordgo.Message) bool { return strings.HasPrefix(m.Content, "Ingest done") })
	if got, _ := h.ing.upload("guild-" + guildA + "/guide.md"); string(got) != string(data) {
		t.Errorf("ingester got %q", got)
	}
	tests := []struct {
		name, file string
		size       int
		want       string
	}{
		{"type", "tool.exe", 10, "I can ingest"},
		{"size", "big.txt", 2 << 10, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := h.srv.AddAttachment(tt.file, "application/octet-stream", make([]byte, tt.size))
			i := h.srv.AttachmentCommand(t, admin, "ingest", "file", a)
			if m := h.original(t, i, func(discordgo.Message) bool { return true }); !strings.Contains(m.Content, tt.want) {
				t.Errorf("reply = %q, want %q", m.Content, tt.want)
			}
		})
	}
}

func TestIngestCrawl(t *testing.T) {
	h := start(t, discordtest.Options{}, nil)
	tests := []struct {
		name   string
		opts   []*discordgo.ApplicationCommandInteractionDataOption
		want   string
		crawls []string
	}{
		{"a crawl needs a URL", []*discordgo.ApplicationCommandInteractionDataOption{discordtest.BoolOption("crawl", true)}, "Attach a file or give a URL.", nil},
		{"a URL with crawl is crawled", []*discordgo.ApplicationCommandInteractionDataOption{discordtest.StringOption("url", "https://x.example/docs/"),
			discordtest.BoolOption("crawl", true)}, "Ingest done: 3 added", []string{"guild-" + guildA + " https://x.example/docs/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := h.srv.Command(t, admin, "ingest", tt.opts...)
			if m := h.original(t, i, func(m discordgo.Message) bool { return !strings.HasSuffix(m.Content, "…") }); !strings.Contains(m.Content, tt.want) {
				t.Errorf("reply = %q, want %q", m.Content, tt.want)
			}
			if diff := cmp.Diff(tt.crawls, h.ing.crawled()); diff != "" {
				t.Errorf("crawls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestButtons(t *testing.T) {
	h := start(t, discordtest.Options{}, nil)
	i := h.srv.Command(t, member, "ask", discordtest.StringOption("question", "q1"))
	m := h.original(t, i, answered)
	src := h.srv.Button(t, member, customID(t, m, "src:"), &m)
	view := h.original(t, src, func(discordgo.Message) bool { return true })
	if view.Flags&discordgo.MessageFlagsEphemeral == 0 || len(view.Embeds) != 1 || len(view.Embeds[0].Fields) != 1 {
		t.Fatalf("sources view = %+v", view)
	}
	if !strings.Contains(view.Embeds[0].Fields[0].Value, "Run make install.") {
		t.Errorf("passage not shown: %q", view.Embeds[0].Fields[0].Value)
	}
	up := h.srv.Button(t, member, customID(t, m, "fb+:"), &m)
	h.original(t, up, func(discordgo.Message) bool { return true })
	fb := h.lib.feedbacks()
	want := []bot.Feedback{{GuildID: guildA, ChannelID: chanA, UserID: member.UserID, Collection: "guild-" + guildA,
		Question: "q1", Answer: "Answer to q1 [1].", ChunkIDs: []int64{42}, Helpful: true, AnswerID: 1}}
	if diff := cmp.Diff(want, fb, cmpIgnoreAt); diff != "" {
		t.Errorf("feedback (-want +got):\n%s", diff)
	}
	// The same button seen from another guild is not honoured.
	other := discordtest.Invoker{GuildID: guildB, ChannelID: chanB, UserID: "9"}
	x := h.srv.Button(t, other, customID(t, m, "src:"), &m)
	if v := h.original(t, x, func(discordgo.Message) bool { return true }); !strings.Contains(v.Content, "no longer stored") {
		t.Errorf("cross-guild sources view = %q", v.Content)
	}
}

var cmpIgnoreAt = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".At" }, cmp.Ignore())

func TestAutocompleteAndSources(t *testing.T) {
	h := start(t, discordtest.Options{}, nil)
	h.lib.add("guild-"+guildA, 40)
	h.lib.add("guild-"+guildB, 3)
	ac := h.srv.Autocomplete(t, member, "summary", "document", discordtest.StringOption("document", "page"))
	c := h.srv.WaitCalls(t, "POST /interactions/{id}/{token}/callback", 1, wait)
	var body struct {
		Type int `json:"type"`
		Data struct {
			Choices []discordgo.ApplicationCommandOptionChoice `json:"choices"`
		} `json:"data"`
	}
	if err := json.Unmarshal(c[0].Body, &body); err != nil || !strings.Contains(c[0].Path, ac.ID) {
		t.Fatal(err, c[0].Path)
	}
	if body.Type != 8 || len(body.Data.Choices) != 25 {
		t.Errorf("autocomplete type %d with %d choices, want 8 and 25", body.Type, len(body.Data.Choices))
	}
	s := h.srv.Command(t, member, "sources")
	page := h.original(t, s, func(m discordgo.Message) bool { return len(m.Embeds) == 1 })
	if got := page.Embeds[0].Footer.Text; got != "1–10 of 40" {
		t.Errorf("footer = %q", got)
	}
	next := h.srv.Button(t, member, "docs:10", &page)
	page2 := h.original(t, next, func(m discordgo.Message) bool {
		return len(m.Embeds) == 1 && m.Embeds[0].Footer.Text == "11–20 of 40"
	})
	if !strings.Contains(page2.Embeds[0].Description, "Page 10") {
		t.Errorf("page 2 = %q", page2.Embeds[0].Description)
	}
}

func TestScopes(t *testing.T) {
	h := start(t, discordtest.Options{}, func(c *bot.Config) { c.DMCollection = "public" })
	other := discordtest.Invoker{GuildID: guildB, ChannelID: chanB, UserID: "601"}
	dm := discordtest.Invoker{ChannelID: "3001", UserID: "701"}
	// A mapping planted to another guild's collection is ignored.
	_ = h.lib.MapChannel(context.Background(), guildB, chanB, "guild-"+guildA)
	set := h.srv.Command(t, admin, "collection", discordtest.Subcommand("set", discordtest.StringOption("name", "handbook")))
	h.original(t, set, func(m discordgo.Message) bool { return strings.Contains(m.Content, "handbook") })
	for _, inv := range []discordtest.Invoker{member, other, dm} {
		i := h.srv.Command(t, inv, "ask", discordtest.StringOption("question", "q-"+inv.UserID))
		h.original(t, i, answered)
	}
	got := map[string]string{}
	for _, r := range h.ans.requests() {
		got[r.Question] = r.Collection
	}
	want := map[string]string{"q-501": "guild-111-handbook", "q-601": "guild-222", "q-701": "public"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("collections (-want +got):\n%s", diff)
	}
}

func TestDMsDeclinedWithoutCollection(t *testing.T) {
	h := start(t, discordtest.Options{}, nil)
	i := h.srv.Command(t, discordtest.Invoker{ChannelID: "3001", UserID: "701"}, "ask", discordtest.StringOption("question", "q"))
	h.original(t, i, func(m discordgo.Message) bool { return strings.Contains(m.Content, "only answer in servers") })
	if n := len(h.ans.requests()); n != 0 {
		t.Errorf("%d answers in a DM", n)
	}
}

func TestRateLimitAndQueue(t *testing.T) {
	h := start(t, discordtest.Options{}, func(c *bot.Config) {
		c.UserRate = bot.Rate{Burst: 1, Every: time.Hour}
		c.Workers, c.QueueSize = 1, 1
	})
	h.ans.hold = make(chan struct{})
	users := []string{"1", "2", "3"}
	var is []*discordgo.Interaction
	for _, u := range users {
		inv := member
		inv.UserID = u
		is = append(is, h.srv.Command(t, inv, "ask", discordtest.StringOption("question", "q"+u)))
		discordtest.WaitFor(t, func() bool { _, ok := h.srv.Original(is[len(is)-1].Token); return ok }, wait)
		if u == "1" {
			discordtest.WaitFor(t, func() bool { return len(h.ans.requests()) == 1 }, wait)
		}
	}
	h.original(t, is[1], func(m discordgo.Message) bool { return strings.Contains(m.Content, "Queued") })
	h.original(t, is[2], func(m discordgo.Message) bool { return strings.Contains(m.Content, "a lot of questions") })
	again := h.srv.Command(t, member.With("1"), "ask", discordtest.StringOption("question", "again"))
	h.original(t, again, func(m discordgo.Message) bool { return strings.Contains(m.Content, "a bit fast") })
	close(h.ans.hold)
	h.original(t, is[0], answered)
	h.original(t, is[1], answered)
}

func TestSummaryAndForget(t *testing.T) {
	h := start(t, discordtest.Options{}, nil)
	h.lib.add("guild-"+guildA, 2)
	s := h.srv.Command(t, member, "summary", discordtest.StringOption("document", "docs/page-01.md"))
	h.original(t, s, func(m discordgo.Message) bool { return m.Content == "Summary of docs/page-01.md in guild-111." })
	tests := []struct {
		name, doc, want string
	}{
		{"known", "docs/page-00.md", "Forgot docs/page-00.md."},
		{"unknown", "nope.md", "There is no document nope.md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := h.srv.Command(t, admin, "forget", discordtest.StringOption("document", tt.doc))
			h.original(t, i, func(m discordgo.Message) bool { return strings.HasPrefix(m.Content, tt.want) })
		})
	}
	if docs, total, _ := h.lib.Documents(context.Background(), "guild-"+guildA, 0, 10); total != 1 || docs[0].Source != "docs/page-01.md" {
		t.Errorf("documents after forget = %+v", docs)
	}
}
