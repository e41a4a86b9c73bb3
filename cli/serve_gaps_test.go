package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot/discordtest"
)

// checkFeedbackReason presses 👎 on a served answer, writes a reason in
// the modal and finds it in `citebot report gaps` and in /gaps.
func checkFeedbackReason(t *testing.T, env map[string]string, srv *discordtest.Server, guild string, answer discordgo.Message) {
	t.Helper()
	member := discordtest.Invoker{GuildID: guild, ChannelID: "800000000000000001", UserID: "600000000000000001"}
	var down string
	for _, c := range answer.Components {
		if row, ok := c.(*discordgo.ActionsRow); ok {
			for _, rc := range row.Components {
				if b, ok := rc.(*discordgo.Button); ok && strings.HasPrefix(b.CustomID, "fb-:") {
					down = b.CustomID
				}
			}
		}
	}
	if down == "" {
		t.Fatalf("no 👎 on the answer: %+v", answer.Components)
	}
	i := srv.Button(t, member, down, &answer)
	var modal discordtest.Modal
	srv.WaitFor(t, func() bool { var ok bool; modal, ok = srv.Modal(i.Token); return ok }, 30*time.Second)
	other := member.With("600000000000000003") // may not add to someone else's 👎
	spoof := srv.ModalSubmit(t, other, modal.CustomID, map[string]string{"reason": "spoofed"}, &answer)
	srv.WaitFor(t, func() bool {
		m, ok := srv.Original(spoof.Token)
		return ok && strings.Contains(m.Content, "no longer stored")
	}, 30*time.Second)
	sub := srv.ModalSubmit(t, member, modal.CustomID, map[string]string{"reason": "it should name the pager app"}, &answer)
	srv.WaitFor(t, func() bool {
		m, ok := srv.Original(sub.Token)
		return ok && strings.Contains(m.Content, "note were recorded")
	}, 30*time.Second)

	r := run(t, env, "report", "gaps", "--collection", "guild-"+guild, "--json")
	var g struct {
		Unhelpful []struct{ Question, Reason string } `json:"unhelpful"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &g); r.err != nil || err != nil {
		t.Fatalf("report gaps: %v %v\n%s", r.err, err, r.stderr)
	}
	if len(g.Unhelpful) != 1 || g.Unhelpful[0].Reason != "it should name the pager app" ||
		!strings.Contains(g.Unhelpful[0].Question, "on-call engineer") {
		t.Errorf("unhelpful = %+v", g.Unhelpful)
	}
	admin := member
	admin.UserID, admin.Permissions = "600000000000000002", discordgo.PermissionManageGuild
	gi := srv.Command(t, admin, "gaps", discordtest.StringOption("period", "30d"))
	srv.WaitFor(t, func() bool {
		m, ok := srv.Original(gi.Token)
		return ok && strings.Contains(m.Content, "**Rated unhelpful** (1)") && strings.Contains(m.Content, "it should name the pager app")
	}, 60*time.Second)
}
