package cli_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/rag/store"
)

// TestServeCaptureAndEscalation runs `citebot serve` on the fake Discord:
// a message added with "Add to knowledge" is cited by its link, survives
// a re-sync and goes with /forget; "Ask a person" pings the role only and
// is stored with the answer.
func TestServeCaptureAndEscalation(t *testing.T) {
	env := e2eEnv(t)
	const guild, channel, role = "700000000000000001", "800000000000000001", "900000000000000777"
	srv := discordtest.New(t, discordtest.Options{})
	startServe(t, env, srv, guild)
	srv.AddChannel(&discordgo.Channel{ID: channel, GuildID: guild, Name: "ops", Type: discordgo.ChannelTypeGuildText})
	admin := discordtest.Invoker{GuildID: guild, ChannelID: channel, UserID: "600000000000000002", Permissions: discordgo.PermissionManageGuild}
	member := discordtest.Invoker{GuildID: guild, ChannelID: channel, UserID: "600000000000000001"}
	// reply waits for a response starting with prefix; "" waits for a
	// final answer, which carries buttons (with escalation on, a refusal
	// does too).
	reply := func(i *discordgo.Interaction, prefix string) discordgo.Message {
		t.Helper()
		var m discordgo.Message
		srv.WaitFor(t, func() bool {
			m, _ = srv.Original(i.Token)
			if prefix == "" {
				return len(m.Components) > 0
			}
			return strings.HasPrefix(m.Content, prefix)
		}, 60*time.Second)
		return m
	}
	reply(srv.Command(t, admin, "escalation", discordtest.Subcommand("set",
		&discordgo.ApplicationCommandInteractionDataOption{Name: "role", Type: discordgo.ApplicationCommandOptionRole, Value: role})), "Answers now carry")

	msg := srv.AddMessage(&discordgo.Message{ChannelID: channel, GuildID: guild, Author: &discordgo.User{ID: "600000000000000003", Username: "alice"},
		Content: "The staging database password rotates every ninety days. Ask the platform team for the new password."})
	link := "https://discord.com/channels/" + guild + "/" + channel + "/" + msg.ID
	reply(srv.MessageCommand(t, admin, "Add to knowledge", msg), "Added **#ops — alice,")
	// The link is no page to fetch again: a re-sync leaves the document be.
	if got := reply(srv.Command(t, admin, "reingest"), "Re-sync done").Content; !strings.Contains(got, "0 added, 0 updated, 0 unchanged, 0 removed, 0 failed") {
		t.Errorf("re-sync touched the captured message: %s", got)
	}

	const q = "How often does the staging database password rotate?"
	ans := reply(srv.Command(t, member, "ask", discordtest.StringOption("question", q)), "")
	if got := render(ans); !strings.Contains(got, "ninety days") || !strings.Contains(got, "<"+link+">") {
		t.Fatalf("answer does not cite the captured message by its link:\n%s", got)
	}
	escalate(t, srv, member, ans, role)

	reply(srv.Command(t, admin, "forget", discordtest.StringOption("document", link)), "Forgot")
	if got := render(reply(srv.Command(t, member, "ask", discordtest.StringOption("question", q)), "")); strings.Contains(got, "ninety days") {
		t.Errorf("answer after /forget still has the message:\n%s", got)
	}
}

// escalate presses "Ask a person" under ans and checks the ping and the
// stored escalation.
func escalate(t *testing.T, srv *discordtest.Server, member discordtest.Invoker, ans discordgo.Message, role string) {
	t.Helper()
	id := ""
	for _, c := range ans.Components {
		for _, b := range c.(*discordgo.ActionsRow).Components {
			if bt, ok := b.(*discordgo.Button); ok && strings.HasPrefix(bt.CustomID, "esc:") {
				id = bt.CustomID
			}
		}
	}
	if id == "" {
		t.Fatalf("answer has no Ask a person button: %+v", ans.Components)
	}
	srv.Button(t, member, id, &ans)
	var ping []discordgo.Message
	srv.WaitFor(t, func() bool { ping = srv.ChannelMessages(ans.ID); return len(ping) == 1 }, 30*time.Second)
	if p, _ := srv.Pings(ping[0].ID); !cmp.Equal(p, discordtest.Pings{Roles: []string{role}}) {
		t.Errorf("escalation pinged %+v, want role %s only", p, role)
	}
	s, err := store.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	answerID, _ := strconv.ParseInt(strings.TrimPrefix(id, "esc:"), 10, 64)
	if e, err := s.AnswerEscalation(t.Context(), answerID); err != nil || e.EscalatedBy != member.UserID || e.EscalatedAt.IsZero() {
		t.Errorf("stored escalation = %+v, %v", e, err)
	}
}
