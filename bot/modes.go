package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"unicode"

	"github.com/bwmarrin/discordgo"
)

// Response modes of a channel, set by admins with /mode. The names are
// the /mode choices and what Modes stores.
const (
	// ModeMentions answers mentions (and follow-ups in the bot's threads)
	// only; it is every channel's default.
	ModeMentions = "mentions"
	// ModeForum also answers each new post of a forum channel, in the
	// post's thread.
	ModeForum = "forum"
	// ModeAll also answers every message of a channel that looks like a
	// question (see looksLikeQuestion), in a thread on the answer.
	ModeAll = "all"
)

// Modes stores the channels' response modes.
type Modes interface {
	// ChannelMode returns a channel's mode, ModeMentions when none is set.
	ChannelMode(ctx context.Context, guildID, channelID string) (string, error)
	// SetChannelMode sets a channel's mode; ModeMentions clears it.
	SetChannelMode(ctx context.Context, guildID, channelID, mode string) error
}

// Application flags (Discord's application object) that allow the
// Message Content intent, read from READY.
const (
	appFlagMessageContent        = 1 << 18 // GATEWAY_MESSAGE_CONTENT, for apps in 100 or more servers
	appFlagMessageContentLimited = 1 << 19 // GATEWAY_MESSAGE_CONTENT_LIMITED, the Developer Portal switch
)

func (b *Bot) modeCommands() []*command {
	choice := func(name, label string) *discordgo.ApplicationCommandOptionChoice {
		return &discordgo.ApplicationCommandOptionChoice{Name: label, Value: name}
	}
	return []*command{{def: &discordgo.ApplicationCommand{Name: "mode", Description: "Choose when I answer in a channel",
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "mode", Description: "When to answer; leave out to see the current mode",
				Choices: []*discordgo.ApplicationCommandOptionChoice{
					choice(ModeMentions, "Only when mentioned (default)"),
					choice(ModeForum, "Every new post of this forum channel"),
					choice(ModeAll, "Every message in this channel"),
				}},
			{Type: discordgo.ApplicationCommandOptionChannel, Name: "channel", Description: "The channel; default: this one",
				ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews, discordgo.ChannelTypeGuildForum}},
		}}, admin: true, run: b.cmdMode}}
}

// hasMessageContent reports whether the gateway session uses the Message
// Content intent (Discord refuses to connect when the application may not).
func (b *Bot) hasMessageContent() bool {
	return b.s.Identify.Intents&discordgo.IntentMessageContent != 0
}

// portalMessageContent reports whether the application's flags in READY
// allow the Message Content intent.
func (b *Bot) portalMessageContent() bool {
	b.s.State.RLock()
	defer b.s.State.RUnlock()
	app := b.s.State.Ready.Application
	return app != nil && app.Flags&(appFlagMessageContent|appFlagMessageContentLimited) != 0
}

// missingIntent says which switches turn the Message Content intent on.
func (b *Bot) missingIntent() string {
	msg := "Forum and every-message modes need Discord's Message Content intent, which this bot runs without. Turn on:\n"
	if !b.portalMessageContent() {
		msg += "• Developer Portal → Bot → Privileged Gateway Intents → **Message Content Intent**\n"
	}
	return msg + "• citebot's `--message-content` setting (environment `CITEBOT_MESSAGE_CONTENT=true`), then restart citebot."
}

func (b *Bot) cmdMode(ctx context.Context, c *ictx, o options) error {
	if b.cfg.Modes == nil {
		return c.say(ctx, "Response modes aren't available on this bot.")
	}
	chID, mode := o.str("channel"), o.str("mode")
	if chID == "" {
		chID = c.i.ChannelID
	}
	if mode == "" {
		return c.say(ctx, "<#"+chID+"> answers "+modeText(b.mode(ctx, c.log, c.i.GuildID, chID))+".")
	}
	if msg := modeProblem(mode, b.channel(ctx, chID), c.i.GuildID); msg != "" {
		return c.say(ctx, msg)
	}
	if mode != ModeMentions && !b.hasMessageContent() {
		return c.say(ctx, b.missingIntent())
	}
	if err := b.cfg.Modes.SetChannelMode(ctx, c.i.GuildID, chID, mode); err != nil {
		c.log.Error("discord channel mode not set", slog.Any("err", err))
		return c.say(ctx, msgFailed)
	}
	c.log.Info("discord channel mode set", slog.String("target_channel_id", chID), slog.String("mode", mode))
	return c.say(ctx, "<#"+chID+"> now answers "+modeText(mode)+".")
}

func modeText(mode string) string {
	switch mode {
	case ModeForum:
		return "every new post (and mentions)"
	case ModeAll:
		return "every message that looks like a question (and mentions)"
	}
	return "only when mentioned"
}

// modeProblem says why a mode cannot be set on a channel, or "".
func modeProblem(mode string, ch *discordgo.Channel, guildID string) string {
	forum := ch != nil && (ch.Type == discordgo.ChannelTypeGuildForum || ch.Type == discordgo.ChannelTypeGuildMedia)
	switch {
	case mode != ModeMentions && mode != ModeForum && mode != ModeAll:
		return "Choose a mode: mentions, forum or all."
	case ch == nil || ch.GuildID != guildID:
		return "I can't see that channel; check that I have access to it."
	case ch.IsThread():
		return "Modes are set on channels, not threads: choose the channel with the `channel` option."
	case mode == ModeForum && !forum:
		return fmt.Sprintf("<#%s> is not a forum channel; forum mode answers new posts of a forum. Use `all` for a text channel.", ch.ID)
	case mode == ModeAll && forum:
		return fmt.Sprintf("<#%s> is a forum channel; use `forum` to answer each new post.", ch.ID)
	}
	return ""
}

// mode is a channel's response mode; on a store failure, mentions only.
func (b *Bot) mode(ctx context.Context, log *slog.Logger, guildID, channelID string) string {
	if b.cfg.Modes == nil {
		return ModeMentions
	}
	m, err := b.cfg.Modes.ChannelMode(ctx, guildID, channelID)
	if err != nil {
		log.Warn("discord channel mode not read", slog.String("channel_id", channelID), slog.Any("err", err))
		return ModeMentions
	}
	return m
}

// fromPerson reports whether a message is a person's own post: not the
// bot's, not another bot's, not a webhook's and not a system message
// (thread created, pins, joins...). No mode answers anything else.
func fromPerson(m *discordgo.Message, selfID string) bool {
	return m.Author != nil && !m.Author.Bot && !m.Author.System && m.Author.ID != selfID && m.WebhookID == "" &&
		(m.Type == discordgo.MessageTypeDefault || m.Type == discordgo.MessageTypeReply)
}

// addressed returns the question a message asks the bot: a mention or a
// follow-up in a bot thread (mentioned is then true: an empty one gets a
// hint), else what the channel's mode answers.
func (b *Bot) addressed(ctx context.Context, m *discordgo.Message) (q string, mentioned, ok bool) {
	if q, ok := b.question(ctx, m); ok {
		return q, true, true
	}
	if !b.hasMessageContent() || b.cfg.Modes == nil {
		return "", false, false
	}
	q, ok = b.modeQuestion(ctx, m)
	return q, false, ok
}

// modeQuestion answers a forum post's starter message (it has the id of
// the post's thread) in a forum-mode forum, and a question-like message in
// an every-message channel.
func (b *Bot) modeQuestion(ctx context.Context, m *discordgo.Message) (string, bool) {
	c := b.channel(ctx, m.ChannelID)
	if c == nil {
		return "", false
	}
	if !c.IsThread() {
		ok := b.mode(ctx, b.log, m.GuildID, c.ID) == ModeAll && looksLikeQuestion(m.Content)
		return strings.TrimSpace(m.Content), ok
	}
	if m.ID != c.ID || c.ParentID == "" {
		return "", false
	}
	p := b.channel(ctx, c.ParentID)
	if p == nil || (p.Type != discordgo.ChannelTypeGuildForum && p.Type != discordgo.ChannelTypeGuildMedia) ||
		b.mode(ctx, b.log, m.GuildID, p.ID) != ModeForum {
		return "", false
	}
	return forumQuestion(c.Name, m.Content), true
}

// forumQuestion is a forum post as one question: its title, then its
// text unless the text only repeats the title.
func forumQuestion(title, content string) string {
	title, content = strings.TrimSpace(title), strings.TrimSpace(content)
	switch {
	case content == "":
		return title
	case title == "" || strings.Contains(content, title):
		return content
	}
	return title + "\n" + content
}

// looksLikeQuestion is the every-message rule: a message is answered when
// it has a question mark or at least three words, so "thanks!", "ok" or
// "+1" get no answer.
func looksLikeQuestion(s string) bool {
	if strings.Contains(s, "?") {
		return true
	}
	words := 0
	for _, f := range strings.Fields(s) {
		if strings.IndexFunc(f, unicode.IsLetter) >= 0 {
			words++
		}
	}
	return words >= 3
}
