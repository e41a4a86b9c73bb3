package discordtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Invoker is who triggers an event and where. An empty GuildID means a DM:
// interactions then carry User instead of Member.
type Invoker struct {
	GuildID     string
	ChannelID   string
	UserID      string
	Permissions int64
	Roles       []string // the member's role ids
}

// With returns a copy of inv for another user.
func (inv Invoker) With(userID string) Invoker {
	inv.UserID = userID
	return inv
}

func (inv Invoker) user() *discordgo.User {
	return &discordgo.User{ID: inv.UserID, Username: "user" + inv.UserID, Discriminator: "0"}
}

func (inv Invoker) fill(i *discordgo.Interaction) {
	i.GuildID, i.ChannelID = inv.GuildID, inv.ChannelID
	if inv.GuildID == "" {
		i.User = inv.user()
		return
	}
	i.Member = &discordgo.Member{GuildID: inv.GuildID, User: inv.user(), Permissions: inv.Permissions, Roles: inv.Roles}
}

// SendInteraction fills the ids and token of i, registers it so that its
// callback and webhook routes work, starts its 3-second window and
// dispatches INTERACTION_CREATE. It returns i.
func (s *Server) SendInteraction(t testing.TB, i *discordgo.Interaction) *discordgo.Interaction {
	t.Helper()
	s.RegisterInteraction(i)
	s.Dispatch(t, "INTERACTION_CREATE", i)
	return i
}

// RegisterInteraction fills the ids and token of i and registers it
// without dispatching it, for tests that POST it to an HTTP interactions
// endpoint; report the endpoint's HTTP response with Acknowledge.
func (s *Server) RegisterInteraction(i *discordgo.Interaction) {
	if i.ID == "" {
		i.ID = s.NewID()
	}
	if i.Token == "" {
		i.Token = "itok-" + i.ID
	}
	i.AppID, i.Version = s.opts.AppID, 1
	s.mu.Lock()
	st := &interactionState{i: i, sentAt: time.Now()}
	s.interactions[i.Token] = st
	s.mu.Unlock()
}

// NewCommand builds and registers (without dispatching) a slash command
// interaction.
func (s *Server) NewCommand(inv Invoker, name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	data := discordgo.ApplicationCommandInteractionData{ID: s.commandID(inv.GuildID, name), Name: name, CommandType: discordgo.ChatApplicationCommand, Options: opts}
	i := &discordgo.Interaction{Type: discordgo.InteractionApplicationCommand, Data: data}
	inv.fill(i)
	s.RegisterInteraction(i)
	return i
}

// Acknowledge records the response an HTTP interactions endpoint returned
// to Discord for i, as Discord would: it counts as the initial response.
func (s *Server) Acknowledge(t testing.TB, i *discordgo.Interaction, body []byte) {
	t.Helper()
	var cb struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &cb); err != nil {
		t.Fatalf("discordtest: interaction response %q: %v", body, err)
	}
	s.mu.Lock()
	st := s.interactions[i.Token]
	s.mu.Unlock()
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	s.acknowledge(rec, r, st, cb.Type, cb.Data)
	if rec.Code >= 300 {
		t.Errorf("discordtest: interaction response rejected: %s", rec.Body)
	}
}

// Command dispatches a slash command invocation.
func (s *Server) Command(t testing.TB, inv Invoker, name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	t.Helper()
	return s.CommandData(t, inv, discordgo.ApplicationCommandInteractionData{Name: name, Options: opts})
}

// CommandData dispatches a slash command with full data (e.g. resolved
// attachments).
func (s *Server) CommandData(t testing.TB, inv Invoker, data discordgo.ApplicationCommandInteractionData) *discordgo.Interaction {
	t.Helper()
	if data.ID == "" {
		data.ID = s.commandID(inv.GuildID, data.Name)
	}
	data.CommandType = discordgo.ChatApplicationCommand
	i := &discordgo.Interaction{Type: discordgo.InteractionApplicationCommand, Data: data}
	inv.fill(i)
	return s.SendInteraction(t, i)
}

func (s *Server) commandID(guildID, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range []string{guildID, ""} {
		for _, c := range s.commands[g] {
			if c.Name == name {
				return c.ID
			}
		}
	}
	return "0"
}

// Autocomplete dispatches an autocomplete request; the option named
// focused is marked as the focused one.
func (s *Server) Autocomplete(t testing.TB, inv Invoker, name, focused string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	t.Helper()
	for _, o := range opts {
		o.Focused = o.Name == focused
	}
	data := discordgo.ApplicationCommandInteractionData{ID: s.commandID(inv.GuildID, name), Name: name, CommandType: discordgo.ChatApplicationCommand, Options: opts}
	i := &discordgo.Interaction{Type: discordgo.InteractionApplicationCommandAutocomplete, Data: data}
	inv.fill(i)
	return s.SendInteraction(t, i)
}

// Button dispatches a click on the button customID of message msg.
func (s *Server) Button(t testing.TB, inv Invoker, customID string, msg *discordgo.Message) *discordgo.Interaction {
	t.Helper()
	data := discordgo.MessageComponentInteractionData{CustomID: customID, ComponentType: discordgo.ButtonComponent}
	i := &discordgo.Interaction{Type: discordgo.InteractionMessageComponent, Data: data, Message: msg}
	inv.fill(i)
	s.RegisterInteraction(i)
	s.Dispatch(t, "INTERACTION_CREATE", interactionWire(i))
	return i
}

// UserMessage dispatches MESSAGE_CREATE for a user's message; mentions are
// user ids mentioned. It returns the message as sent.
func (s *Server) UserMessage(t testing.TB, inv Invoker, content string, mentions ...string) *discordgo.Message {
	t.Helper()
	m := &discordgo.Message{ID: s.NewID(), ChannelID: inv.ChannelID, GuildID: inv.GuildID, Content: content, Author: inv.user(), Timestamp: time.Now()}
	for _, id := range mentions {
		m.Mentions = append(m.Mentions, &discordgo.User{ID: id, Username: "user" + id, Bot: id == s.opts.AppID})
	}
	if inv.GuildID != "" {
		m.Member = &discordgo.Member{Permissions: inv.Permissions}
	}
	s.mu.Lock()
	cp := *m
	s.messages[m.ID] = &cp
	s.mu.Unlock()
	s.Dispatch(t, "MESSAGE_CREATE", m)
	return m
}

// GuildCreate dispatches GUILD_CREATE for a guild with the given text
// channels, registering them for GET /channels/{id}.
func (s *Server) GuildCreate(t testing.TB, guildID, name string, channelIDs ...string) {
	t.Helper()
	g := &discordgo.Guild{ID: guildID, Name: name, OwnerID: "1", MemberCount: 1}
	for _, id := range channelIDs {
		c := &discordgo.Channel{ID: id, GuildID: guildID, Type: discordgo.ChannelTypeGuildText, Name: "chan-" + id}
		s.AddChannel(c)
		g.Channels = append(g.Channels, c)
	}
	s.Dispatch(t, "GUILD_CREATE", g)
}

// StringOption builds a string command option.
func StringOption(name, value string) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionString, Value: value}
}

// BoolOption builds a boolean command option.
func BoolOption(name string, value bool) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionBoolean, Value: value}
}

// Subcommand builds a subcommand option holding opts.
func Subcommand(name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionSubCommand, Options: opts}
}

// AttachmentCommand dispatches a slash command whose option optName is the
// attachment a.
func (s *Server) AttachmentCommand(t testing.TB, inv Invoker, name, optName string, a *discordgo.MessageAttachment) *discordgo.Interaction {
	t.Helper()
	opt := &discordgo.ApplicationCommandInteractionDataOption{Name: optName, Type: discordgo.ApplicationCommandOptionAttachment, Value: a.ID}
	data := discordgo.ApplicationCommandInteractionData{Name: name, Options: []*discordgo.ApplicationCommandInteractionDataOption{opt},
		Resolved: &discordgo.ApplicationCommandInteractionDataResolved{Attachments: map[string]*discordgo.MessageAttachment{a.ID: a}}}
	return s.CommandData(t, inv, data)
}
