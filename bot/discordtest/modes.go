package discordtest

import (
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Application flags of READY's application object that allow the
// Message Content intent.
const (
	AppFlagMessageContent        = 1 << 18 // GATEWAY_MESSAGE_CONTENT
	AppFlagMessageContentLimited = 1 << 19 // GATEWAY_MESSAGE_CONTENT_LIMITED, the portal switch
)

// AddForum registers a forum channel of a guild for GET /channels/{id}.
func (s *Server) AddForum(guildID, id string) {
	s.AddChannel(&discordgo.Channel{ID: id, GuildID: guildID, Type: discordgo.ChannelTypeGuildForum, Name: "forum-" + id})
}

// ForumPost plays a user opening a post in a forum channel: THREAD_CREATE
// for the post's thread (newly created), then MESSAGE_CREATE for its
// starter message, which has the thread's id. It returns both.
func (s *Server) ForumPost(t testing.TB, inv Invoker, forumID, title, content string) (discordgo.Channel, *discordgo.Message) {
	t.Helper()
	th := &discordgo.Channel{ID: s.NewID(), GuildID: inv.GuildID, ParentID: forumID, Type: discordgo.ChannelTypeGuildPublicThread,
		Name: title, OwnerID: inv.UserID, ThreadMetadata: &discordgo.ThreadMetadata{AutoArchiveDuration: 1440}}
	s.AddChannel(th)
	s.Dispatch(t, "THREAD_CREATE", &discordgo.ThreadCreate{Channel: th, NewlyCreated: true})
	m := &discordgo.Message{ID: th.ID, ChannelID: th.ID, GuildID: inv.GuildID, Content: content, Author: inv.user()}
	return *th, s.SendMessage(t, m)
}

// SendMessage stores m as given (filling its id and time when empty) and
// dispatches MESSAGE_CREATE for it: a bot's (Author.Bot), a webhook's
// (WebhookID), a system message (Type) or the bot's own.
func (s *Server) SendMessage(t testing.TB, m *discordgo.Message) *discordgo.Message {
	t.Helper()
	if m.ID == "" {
		m.ID = s.NewID()
	}
	if m.Timestamp.IsZero() {
		m.Timestamp = time.Now()
	}
	s.mu.Lock()
	cp := *m
	s.messages[m.ID] = &cp
	s.mu.Unlock()
	s.Dispatch(t, "MESSAGE_CREATE", m)
	return m
}

// echo dispatches MESSAGE_CREATE for a message the bot posted, when
// Options.EchoMessages is set, with the guild of its channel.
func (s *Server) echo(m discordgo.Message) {
	if !s.opts.EchoMessages {
		return
	}
	if c, ok := s.Channel(m.ChannelID); ok {
		m.GuildID = c.GuildID
	}
	g := s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	raw := mustJSON(m)
	if sh, ok := g.shards[g.route("MESSAGE_CREATE", raw)]; ok {
		g.dispatchLocked(sh, "MESSAGE_CREATE", raw)
	}
}

// ChannelOption builds a channel command option.
func ChannelOption(name, channelID string) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionChannel, Value: channelID}
}
