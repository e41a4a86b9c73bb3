package discordtest_test

import (
	"fmt"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
)

// Pings follows Discord's rules: without allowed_mentions every mention
// pings; with it, only the parsed kinds and the listed ids do.
func TestPings(t *testing.T) {
	srv := discordtest.New(t, discordtest.Options{})
	srv.AddChannel(&discordgo.Channel{ID: "10", GuildID: "1", Type: discordgo.ChannelTypeGuildText})
	s, err := bot.NewSession(srv.Token(), bot.SessionConfig{APIBase: srv.APIBase()})
	if err != nil {
		t.Fatal(err)
	}
	const content = "<@5> <@!6> <@&7> <@&8> @everyone"
	tests := []struct {
		name string
		am   *discordgo.MessageAllowedMentions
		want discordtest.Pings
	}{
		{"none parsed", &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}, discordtest.Pings{}},
		{"one role listed", &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, Roles: []string{"7"}},
			discordtest.Pings{Roles: []string{"7"}}},
		{"users parsed, a role listed", &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{discordgo.AllowedMentionTypeUsers},
			Roles: []string{"8"}}, discordtest.Pings{Users: []string{"5", "6"}, Roles: []string{"8"}}},
		{"everything parsed", &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{discordgo.AllowedMentionTypeUsers,
			discordgo.AllowedMentionTypeRoles, discordgo.AllowedMentionTypeEveryone}},
			discordtest.Pings{Users: []string{"5", "6"}, Roles: []string{"7", "8"}, Everyone: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := s.ChannelMessageSendComplex("10", &discordgo.MessageSend{Content: content, AllowedMentions: tt.am})
			if err != nil {
				t.Fatal(err)
			}
			got, ok := srv.Pings(m.ID)
			if !ok || !cmp.Equal(tt.want, got) {
				t.Errorf("pings = %+v (%v), want %+v", got, ok, tt.want)
			}
		})
	}
	if _, ok := srv.Pings("404"); ok {
		t.Error("pings of an unknown message")
	}
}

// The history routes page newest first, as Discord does.
func TestChannelHistory(t *testing.T) {
	srv := discordtest.New(t, discordtest.Options{})
	srv.AddChannel(&discordgo.Channel{ID: "10", GuildID: "1", Type: discordgo.ChannelTypeGuildPublicThread})
	var ids []string
	for n := range 5 {
		ids = append(ids, srv.AddMessage(&discordgo.Message{ChannelID: "10", Content: fmt.Sprint("m", n)}).ID)
	}
	s, err := bot.NewSession(srv.Token(), bot.SessionConfig{APIBase: srv.APIBase()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		limit         int
		before, after string
		want          []string
	}{
		{"newest first", 2, "", "", []string{ids[4], ids[3]}},
		{"before an id", 2, ids[3], "", []string{ids[2], ids[1]}},
		{"after an id, still newest first", 2, "", ids[1], []string{ids[3], ids[2]}},
		{"past the end", 100, ids[0], "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.ChannelMessages("10", tt.limit, tt.before, tt.after, "")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range page {
				got = append(got, m.ID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("page (-want +got):\n%s", diff)
			}
		})
	}
	if m, err := s.ChannelMessage("10", ids[2]); err != nil || m.Content != "m2" {
		t.Errorf("one message = %+v, %v", m, err)
	}
	if _, err := s.ChannelMessage("11", ids[2]); err == nil {
		t.Error("a message read through another channel")
	}
}
