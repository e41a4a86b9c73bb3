package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
	"github.com/google/go-cmp/cmp"
)

// fakeEscalations keeps escalation roles and escalations in memory, as
// the answers table does: shared by a bot and its restart.
type fakeEscalations struct {
	mu      sync.Mutex
	roles   map[string]string
	esc     map[int64]bot.Escalation
	answers *fakeAnswers // for ThreadEscalated; set with watch
}

func (f *fakeEscalations) watch(a *fakeAnswers) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers = a
}

func (f *fakeEscalations) ThreadEscalated(_ context.Context, threadID string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.answers == nil {
		return false, nil
	}
	for _, a := range f.answers.all() {
		if e := f.esc[a.ID]; a.ThreadID == threadID && !e.EscalatedAt.IsZero() && e.ResolvedAt.IsZero() {
			return true, nil
		}
	}
	return false, nil
}

func newEscalations() *fakeEscalations {
	return &fakeEscalations{roles: map[string]string{}, esc: map[int64]bot.Escalation{}}
}

func (f *fakeEscalations) EscalationRole(_ context.Context, guildID string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.roles[guildID], nil
}

func (f *fakeEscalations) SetEscalationRole(_ context.Context, guildID, roleID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.roles[guildID] = roleID
	return nil
}

func (f *fakeEscalations) Escalation(_ context.Context, id int64) (bot.Escalation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.esc[id], nil
}

func (f *fakeEscalations) Escalate(_ context.Context, id int64, userID string) (bot.Escalation, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.esc[id]
	if !e.EscalatedAt.IsZero() {
		return e, false, nil
	}
	e.EscalatedAt, e.EscalatedBy = time.Now(), userID
	f.esc[id] = e
	return e, true, nil
}

func (f *fakeEscalations) Resolve(_ context.Context, id int64, userID string) (bot.Escalation, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.esc[id]
	if e.EscalatedAt.IsZero() || !e.ResolvedAt.IsZero() {
		return e, false, nil
	}
	e.ResolvedAt, e.ResolvedBy = time.Now(), userID
	f.esc[id] = e
	return e, true, nil
}

func (f *fakeEscalations) get(id int64) bot.Escalation {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.esc[id]
}

const helpers = "777" // the escalation role's id

func roleOption(id string) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: "role", Type: discordgo.ApplicationCommandOptionRole, Value: id}
}

// replyText waits for an interaction's ephemeral reply and returns its
// text.
func (h *harness) replyText(t *testing.T, i *discordgo.Interaction) string {
	t.Helper()
	m := h.original(t, i, func(m discordgo.Message) bool { return m.Content != "" })
	if m.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("reply %q is not ephemeral", m.Content)
	}
	return m.Content
}

func hasButton(m discordgo.Message, prefix string) bool {
	for _, c := range m.Components {
		if row, ok := c.(*discordgo.ActionsRow); ok {
			for _, rc := range row.Components {
				if b, ok := rc.(*discordgo.Button); ok && strings.HasPrefix(b.CustomID, prefix) && !b.Disabled {
					return true
				}
			}
		}
	}
	return false
}

func TestEscalationCommand(t *testing.T) {
	esc := newEscalations()
	h := start(t, discordtest.Options{}, func(c *bot.Config) { c.Escalations = esc })
	cmds, _ := h.srv.Commands(devGuild)
	for _, c := range cmds {
		if c.Name == "escalation" && (c.DefaultMemberPermissions == nil || *c.DefaultMemberPermissions != discordgo.PermissionManageGuild) {
			t.Errorf("/escalation default_member_permissions = %v, want Manage Server", c.DefaultMemberPermissions)
		}
	}
	tests := []struct {
		name     string
		inv      discordtest.Invoker
		sub      *discordgo.ApplicationCommandInteractionDataOption
		want     string
		wantRole string
	}{
		{"a member is refused", member, discordtest.Subcommand("set", roleOption(helpers)), "/escalation needs the Manage Server permission.", ""},
		{"@everyone is refused", admin, discordtest.Subcommand("set", roleOption(guildA)), "@everyone can't be the escalation role", ""},
		{"set without a role is refused", admin, discordtest.Subcommand("set"), "@everyone can't be the escalation role", ""},
		{"show while off", admin, discordtest.Subcommand("show"), "Escalation is off.", ""},
		{"set", admin, discordtest.Subcommand("set", roleOption(helpers)), `pings <@&777> in the answer's thread.`, helpers},
		{"show", admin, discordtest.Subcommand("show"), "pings <@&777>.", helpers},
		{"off", admin, discordtest.Subcommand("off"), "Escalation is off:", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := h.replyText(t, h.srv.Command(t, tt.inv, "escalation", tt.sub))
			if !strings.Contains(got, tt.want) {
				t.Errorf("reply = %q, want it to contain %q", got, tt.want)
			}
			if role, _ := esc.EscalationRole(t.Context(), guildA); role != tt.wantRole {
				t.Errorf("role = %q, want %q", role, tt.wantRole)
			}
		})
	}
}

// Setting a role that cannot be mentioned says how to make the ping work.
func TestEscalationRoleNotMentionable(t *testing.T) {
	h := start(t, discordtest.Options{}, func(c *bot.Config) { c.Escalations = newEscalations() })
	data := discordgo.ApplicationCommandInteractionData{Name: "escalation",
		Options:  []*discordgo.ApplicationCommandInteractionDataOption{discordtest.Subcommand("set", roleOption(helpers))},
		Resolved: &discordgo.ApplicationCommandInteractionDataResolved{Roles: map[string]*discordgo.Role{helpers: {ID: helpers, Name: "helpers"}}}}
	got := h.replyText(t, h.srv.CommandData(t, admin, data))
	if !strings.Contains(got, "the role is not mentionable") || !strings.Contains(got, "Server Settings → Roles") {
		t.Errorf("reply = %q", got)
	}
	data.Resolved.Roles[helpers].Mentionable = true
	if got := h.replyText(t, h.srv.CommandData(t, admin, data)); strings.Contains(got, "not mentionable") {
		t.Errorf("reply for a mentionable role = %q", got)
	}
}

// The whole loop: no button without a role; "Ask a person" opens a thread
// on the answer and pings the role only; "Resolved" is for the asker,
// the role and admins, and works after a restart.
func TestEscalationButtons(t *testing.T) {
	esc := newEscalations()
	tweak := func(c *bot.Config) { c.Escalations = esc }
	h := start(t, discordtest.Options{}, tweak)
	if m := h.original(t, h.srv.Command(t, member, "ask", discordtest.StringOption("question", "q0")), answered); hasButton(m, "esc:") {
		t.Fatalf("answer without an escalation role has %+v", m.Components)
	}
	esc.SetEscalationRole(t.Context(), guildA, helpers)
	private := h.srv.Command(t, member, "ask", discordtest.StringOption("question", "q1"), discordtest.BoolOption("private", true))
	if m := h.original(t, private, answered); hasButton(m, "esc:") {
		t.Errorf("private answer has an escalation button")
	}
	q := "Why @everyone and @here and <@503> and <@&888>?"
	m := h.original(t, h.srv.Command(t, member, "ask", discordtest.StringOption("question", q)), answered)
	ask := customID(t, m, "esc:")
	h.srv.Button(t, member, ask, &m)

	th := h.srv.WaitCalls(t, "POST /channels/{channel}/messages/{message}/threads", 1, wait)
	if want := "/channels/" + chanA + "/messages/" + m.ID + "/threads"; th[0].Path != want {
		t.Errorf("thread opened at %s, want %s", th[0].Path, want)
	}
	var ping discordgo.Message
	h.srv.WaitFor(t, func() bool {
		msgs := h.srv.ChannelMessages(m.ID) // the thread on the answer has the answer's id
		if len(msgs) > 0 {
			ping = msgs[0]
		}
		return len(msgs) > 0
	}, wait)
	if p, _ := h.srv.Pings(ping.ID); !cmp.Equal(p, discordtest.Pings{Roles: []string{helpers}}) {
		t.Errorf("the escalation pinged %+v, want the role only; content %q", p, ping.Content)
	}
	if !strings.Contains(ping.Content, "<@"+member.UserID+">") || !hasButton(ping, "esc-ok:") {
		t.Errorf("ping = %q %+v, want the asker named and a Resolved button", ping.Content, ping.Components)
	}
	if e := esc.get(3); e.EscalatedBy != member.UserID || e.EscalatedAt.IsZero() {
		t.Errorf("escalation stored = %+v", e)
	}
	if a := h.st.all()[2]; a.ThreadID != m.ID {
		t.Errorf("answer's conversation = %q, want the escalation thread %s", a.ThreadID, m.ID)
	}
	updated, _ := h.srv.Message(m.ID)
	if hasButton(updated, "esc:") || !hasButton(updated, "esc-ok:") || !hasButton(updated, "src:") {
		t.Errorf("answer after escalation has %s, want Resolved in place of Ask a person", mustJSON(updated.Components))
	}
	if got := h.replyText(t, h.srv.Button(t, member.With("504"), ask, &m)); !strings.Contains(got, "already asked a person") {
		t.Errorf("second escalation = %q", got)
	}

	h.restart(t, tweak)
	h.srv.GuildCreate(t, guildA, "Guild A", chanA)
	inThread := member.With("503")
	inThread.ChannelID = m.ID
	refused := h.replyText(t, h.srv.Button(t, inThread, customID(t, ping, "esc-ok:"), &ping))
	if !strings.Contains(refused, "Only the person who asked, members of <@&777> or admins") {
		t.Errorf("resolve by a bystander = %q", refused)
	}
	helper := inThread.With("505")
	helper.Roles = []string{helpers}
	h.srv.Button(t, helper, customID(t, ping, "esc-ok:"), &ping)
	h.srv.WaitFor(t, func() bool { return !esc.get(3).ResolvedAt.IsZero() }, wait)
	if e := esc.get(3); e.ResolvedBy != "505" {
		t.Errorf("resolution = %+v", e)
	}
	h.srv.WaitFor(t, func() bool { p, _ := h.srv.Message(ping.ID); return !hasButton(p, "esc-ok:") }, wait)
	if got := h.replyText(t, h.srv.Button(t, member, customID(t, updated, "esc-ok:"), &updated)); !strings.Contains(got, "<@505> marked this resolved") {
		t.Errorf("resolve again = %q", got)
	}
}

// An answer in a thread escalates in that thread; with escalation off,
// an old button says so.
func TestEscalationInThread(t *testing.T) {
	esc := newEscalations()
	esc.SetEscalationRole(t.Context(), guildA, helpers)
	h := start(t, discordtest.Options{}, func(c *bot.Config) { c.Escalations = esc })
	h.srv.UserMessage(t, member, "<@"+h.srv.AppID()+"> how do I install?", h.srv.AppID())
	th := h.srv.WaitCalls(t, "POST /channels/{channel}/messages/{message}/threads", 1, wait)
	thread := strings.Split(th[0].Path, "/")[4]
	var reply discordgo.Message
	h.srv.WaitFor(t, func() bool {
		for _, c := range h.srv.ChannelMessages(chanA) {
			if c.Author.ID == h.srv.AppID() && hasButton(c, "esc:") {
				reply = c
			}
		}
		return reply.ID != "" && len(h.st.all()) == 1 && h.st.all()[0].ThreadID == thread
	}, wait)
	h.srv.Button(t, member, customID(t, reply, "esc:"), &reply)
	h.srv.WaitFor(t, func() bool { return len(h.srv.ChannelMessages(thread)) == 1 }, wait)
	if n := len(h.srv.CallsTo("POST /channels/{channel}/messages/{message}/threads")); n != 1 {
		t.Errorf("%d threads opened, want the answer's own only", n)
	}
	esc.SetEscalationRole(t.Context(), guildA, "")
	again := h.srv.UserMessage(t, member, "<@"+h.srv.AppID()+"> and uninstall?", h.srv.AppID())
	h.srv.WaitFor(t, func() bool { return len(h.st.all()) == 2 }, wait)
	for _, c := range h.srv.ChannelMessages(chanA) {
		if c.MessageReference != nil && c.MessageReference.MessageID == again.ID && hasButton(c, "esc:") {
			t.Errorf("answer with escalation off has %+v", c.Components)
		}
	}
	if got := h.replyText(t, h.srv.Button(t, member, customID(t, reply, "esc:"), &reply)); !strings.Contains(got, "turned escalation off") {
		t.Errorf("old button = %q", got)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// While a thread waits for a person the bot answers there only when
// mentioned (with the Message Content intent it otherwise answers every
// message in its threads); once resolved it answers follow-ups again.
func TestEscalationQuietsThread(t *testing.T) {
	esc := newEscalations()
	esc.SetEscalationRole(t.Context(), guildA, helpers)
	h := start(t, discordtest.Options{}, func(c *bot.Config) { c.Escalations = esc; c.MessageContent = true })
	esc.watch(h.st)
	h.srv.UserMessage(t, member, "<@"+h.srv.AppID()+"> how do I install?", h.srv.AppID())
	th := h.srv.WaitCalls(t, "POST /channels/{channel}/messages/{message}/threads", 1, wait)
	thread := strings.Split(th[0].Path, "/")[4]
	h.srv.WaitFor(t, func() bool { a := h.st.all(); return len(a) == 1 && a[0].ThreadID == thread }, wait)
	reply, _ := h.srv.Message(thread) // the thread was opened on the reply
	h.srv.Button(t, member, customID(t, reply, "esc:"), &reply)
	h.srv.WaitFor(t, func() bool { return len(h.srv.ChannelMessages(thread)) == 1 }, wait)

	helper := member.With("505")
	helper.ChannelID, helper.Roles = thread, []string{helpers}
	asked := func() []string {
		var qs []string
		for _, r := range h.ans.requests() {
			qs = append(qs, r.Question)
		}
		return qs
	}
	h.srv.UserMessage(t, helper, "Try running it as root.")
	h.srv.UserMessage(t, helper, "<@"+h.srv.AppID()+"> which user runs the service?", h.srv.AppID())
	h.srv.WaitFor(t, func() bool { return len(h.ans.requests()) == 2 }, wait)
	time.Sleep(100 * time.Millisecond) // the unmentioned message would have been answered by now
	if diff := cmp.Diff([]string{"how do I install?", "which user runs the service?"}, asked()); diff != "" {
		t.Errorf("questions answered while a person helps (-want +got):\n%s", diff)
	}
	ping := h.srv.ChannelMessages(thread)[0]
	h.srv.Button(t, helper, customID(t, ping, "esc-ok:"), &ping)
	h.srv.WaitFor(t, func() bool { return !esc.get(1).ResolvedAt.IsZero() }, wait)
	asker := member
	asker.ChannelID = thread
	h.srv.UserMessage(t, asker, "and on Windows?")
	h.srv.WaitFor(t, func() bool { return len(h.ans.requests()) == 3 }, wait)
}

// Without permission to open a thread the ping goes to the channel;
// without permission to post at all the asker is told, and the request
// stays recorded.
func TestEscalationWithoutPermission(t *testing.T) {
	esc := newEscalations()
	esc.SetEscalationRole(t.Context(), guildA, helpers)
	h := start(t, discordtest.Options{}, func(c *bot.Config) { c.Escalations = esc })
	const threads, post = "POST /channels/{channel}/messages/{message}/threads", "POST /channels/{channel}/messages"
	first := h.original(t, h.srv.Command(t, member, "ask", discordtest.StringOption("question", "q1")), answered)
	h.srv.FailNext(threads, 1, 403, discordtest.CodeMissingPermissions, "Missing Permissions")
	h.srv.Button(t, member, customID(t, first, "esc:"), &first)
	h.srv.WaitFor(t, func() bool {
		for _, m := range h.srv.ChannelMessages(chanA) {
			if p, ok := h.srv.Pings(m.ID); ok && cmp.Equal(p, discordtest.Pings{Roles: []string{helpers}}) {
				return true
			}
		}
		return false
	}, wait)
	if a := h.st.all()[0]; a.ThreadID != "" {
		t.Errorf("answer's conversation = %q, want none: no thread was opened", a.ThreadID)
	}

	second := h.original(t, h.srv.Command(t, member, "ask", discordtest.StringOption("question", "q2")), answered)
	h.srv.FailNext(post, 1, 403, discordtest.CodeMissingPermissions, "Missing Permissions")
	click := h.srv.Button(t, member, customID(t, second, "esc:"), &second)
	var note discordgo.Message
	h.srv.WaitFor(t, func() bool {
		for _, c := range h.srv.CallsTo("POST /webhooks/{app}/{token}") {
			if strings.Contains(c.Path, click.Token) && json.Unmarshal(c.Body, &note) == nil {
				return true
			}
		}
		return false
	}, wait)
	if !strings.Contains(note.Content, "couldn't post in the thread") || note.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("followup = %q (flags %d), want an ephemeral note", note.Content, note.Flags)
	}
	if e := esc.get(2); e.EscalatedBy != member.UserID {
		t.Errorf("escalation = %+v, want it recorded", e)
	}
}
