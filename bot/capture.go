package bot

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Capturer adds a captured Discord message or thread to a collection as
// one document, replacing the document with the same source.
type Capturer interface {
	Capture(ctx context.Context, collection string, doc CapturedDocument) (IngestSummary, error)
}

// CapturedDocument is a message or thread as a document.
type CapturedDocument struct {
	// Source is the message link, https://discord.com/channels/G/C/M, or
	// for a whole thread the thread's link, https://discord.com/channels/G/T.
	Source string
	Title  string
	Text   string // Markdown
}

// CaptureSourcePrefix starts the source of every captured document: it is
// no URL to fetch again, so re-syncs keep such documents as they are.
const CaptureSourcePrefix = "https://discord.com/channels/"

// captureCommand is the message context-menu command's name, as Discord
// shows it.
const captureCommand = "Add to knowledge"

// Button custom-id prefixes of capture: idCaptureOne carries
// "channel:message", idCaptureThread the thread's id.
const (
	idCaptureOne    = "kn1:"
	idCaptureThread = "knT:"
)

// maxThreadMessages bounds a captured thread; the newest are kept.
const maxThreadMessages = 1000

const (
	msgCaptureNoText = "That message has no text to add (I don't read attachments or embeds)."
	msgCaptureBot    = "That message is from a bot; I add only people's messages."
	msgCaptureSystem = "That is a system message (a pin, a rename, a new member…); I add only what people wrote."
	msgNeedsContent  = "Discord gave me no message text. Turn on Developer Portal → Bot → Message Content Intent " +
		"(and run citebot with --message-content) to add messages from the history."
)

func (b *Bot) captureCommands() []*command {
	if b.cfg.Capture == nil {
		return nil
	}
	return []*command{{def: &discordgo.ApplicationCommand{Name: captureCommand, Type: discordgo.MessageApplicationCommand},
		admin: true, limited: true, run: b.cmdCapture}}
}

// helpExtras names the optional admin commands this bot has, for /help.
func (b *Bot) helpExtras() string {
	var out string
	if b.cfg.Escalations != nil {
		out += ", `/escalation`"
	}
	if b.cfg.Capture != nil {
		out += ", and on a message: Apps → " + captureCommand
	}
	return out
}

// label is how a command is named to users.
func (c *command) label() string {
	if c.def.Type == discordgo.MessageApplicationCommand {
		return "“" + c.def.Name + "”"
	}
	return "/" + c.def.Name
}

// cmdCapture adds the message it is used on; in a thread it first asks
// whether to add the message or the whole thread.
func (b *Bot) cmdCapture(ctx context.Context, c *ictx, _ options) error {
	data := c.i.ApplicationCommandData()
	var m *discordgo.Message
	if data.Resolved != nil {
		m = data.Resolved.Messages[data.TargetID]
	}
	if m == nil {
		return c.say(ctx, "Discord didn't send me that message; please try again.")
	}
	if problem := captureProblem(m); problem != "" {
		return c.say(ctx, problem)
	}
	if m.ChannelID == "" {
		m.ChannelID = c.i.ChannelID
	}
	if thread := b.thread(ctx, c.i.ChannelID); thread != "" {
		return c.reply(ctx, capturePrompt(thread, m.ID), true)
	}
	if err := c.deferReply(ctx, true); err != nil {
		return err
	}
	b.captureMessage(ctx, c, m)
	return nil
}

func capturePrompt(thread, messageID string) rendered {
	return rendered{Content: "Add this message alone, or the whole thread as one document?",
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "This message", Style: discordgo.PrimaryButton, CustomID: idCaptureOne + thread + ":" + messageID},
			discordgo.Button{Label: "Whole thread", Style: discordgo.SecondaryButton, CustomID: idCaptureThread + thread}}}}}
}

// captureProblem says why a message cannot be added, "" when it can.
func captureProblem(m *discordgo.Message) string {
	switch {
	case m.Author == nil || m.Author.Bot || m.WebhookID != "":
		return msgCaptureBot
	case m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply:
		return msgCaptureSystem
	case strings.TrimSpace(m.Content) == "":
		return msgCaptureNoText
	}
	return ""
}

// captureButton handles the prompt's buttons; it re-checks Manage
// Server, since anyone could replay a button's custom id.
func (b *Bot) captureButton(ctx context.Context, c *ictx, id string) {
	if b.cfg.Capture == nil || !c.isAdmin() {
		b.logErr(c, c.say(ctx, "Adding to the knowledge base needs the Manage Server permission."))
		return
	}
	thread, isThread := strings.CutPrefix(id, idCaptureThread)
	channel, msgID, _ := strings.Cut(strings.TrimPrefix(id, idCaptureOne), ":")
	if isThread {
		channel = thread
	}
	// The ids come from the button: read only this server's channels.
	if ch := b.channel(ctx, channel); ch == nil || ch.GuildID != c.i.GuildID {
		b.logErr(c, c.say(ctx, "I can't find that thread in this server any more."))
		return
	}
	if err := c.ack(ctx, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}); err != nil {
		b.logErr(c, err)
		return
	}
	if isThread {
		b.captureThread(ctx, c, thread)
		return
	}
	b.captureByID(ctx, c, channel, msgID)
}

// captureByID reads a message again over REST and ingests it.
func (b *Bot) captureByID(ctx context.Context, c *ictx, channel, msgID string) {
	m, err := b.s.ChannelMessage(channel, msgID, discordgo.WithContext(ctx))
	if err != nil {
		c.fail(ctx, "I couldn't read that message any more; it may have been deleted.", fmt.Errorf("read message: %w", apiErr(b.s, err)))
		return
	}
	if m.ChannelID == "" {
		m.ChannelID = channel
	}
	if m.Author != nil && !m.Author.Bot && strings.TrimSpace(m.Content) == "" && len(m.Attachments) == 0 && len(m.Embeds) == 0 {
		b.logErr(c, c.final(ctx, rendered{Content: msgNeedsContent}))
		return
	}
	if problem := captureProblem(m); problem != "" {
		b.logErr(c, c.final(ctx, rendered{Content: problem}))
		return
	}
	b.captureMessage(ctx, c, m)
}

// captureMessage ingests one message and edits the deferred response
// with the outcome.
func (b *Bot) captureMessage(ctx context.Context, c *ictx, m *discordgo.Message) {
	doc := CapturedDocument{Source: messageLink(c.i.GuildID, m.ChannelID, m.ID),
		Title: fmt.Sprintf("#%s — %s, %s", b.channelName(ctx, m.ChannelID), authorName(m), m.Timestamp.UTC().Format(time.DateOnly)),
		Text:  messageText(m)}
	b.ingestCaptured(ctx, c, doc, "")
}

// captureThread ingests a thread's messages from people as one document.
func (b *Bot) captureThread(ctx context.Context, c *ictx, thread string) {
	msgs, truncated, err := b.threadMessages(ctx, thread)
	if err != nil {
		c.fail(ctx, "I couldn't read the thread's messages; check that I can read its history.", err)
		return
	}
	doc, problem := threadDocument(c.i.GuildID, thread, b.channelName(ctx, thread), msgs)
	if problem != "" {
		b.logErr(c, c.final(ctx, rendered{Content: problem}))
		return
	}
	note := ""
	if truncated {
		note = fmt.Sprintf(" The thread is long: I added its newest %d messages.", maxThreadMessages)
	}
	b.ingestCaptured(ctx, c, doc, note)
}

// threadDocument is a thread's messages from people as one document, or
// the reason there is none.
func threadDocument(guildID, thread, channelName string, msgs []*discordgo.Message) (CapturedDocument, string) {
	var parts []string
	var first *discordgo.Message
	silent := 0
	for _, m := range msgs {
		problem := captureProblem(m)
		if problem == msgCaptureNoText && len(m.Attachments) == 0 && len(m.Embeds) == 0 {
			silent++ // a person's message without text: no Message Content intent
		}
		if problem != "" {
			continue
		}
		if first == nil {
			first = m
		}
		parts = append(parts, fmt.Sprintf("**%s** (%s):\n%s", escapeMarkdown(authorName(m)),
			m.Timestamp.UTC().Format("2006-01-02 15:04 UTC"), messageText(m)))
	}
	switch {
	case first == nil && silent > 0:
		return CapturedDocument{}, msgNeedsContent
	case first == nil:
		return CapturedDocument{}, "That thread has no messages from people with text to add."
	}
	return CapturedDocument{Source: messageLink(guildID, thread, ""), Text: strings.Join(parts, "\n\n"),
		Title: fmt.Sprintf("#%s — thread by %s, %s", channelName, authorName(first), first.Timestamp.UTC().Format(time.DateOnly))}, ""
}

// ingestCaptured ingests doc into the channel's collection and edits the
// deferred response with the outcome, then note.
func (b *Bot) ingestCaptured(ctx context.Context, c *ictx, doc CapturedDocument, note string) {
	coll, _, err := b.collection(ctx, c.i.GuildID, c.i.ChannelID)
	if err != nil {
		c.fail(ctx, msgFailed, err)
		return
	}
	sum, err := b.cfg.Capture.Capture(ctx, coll, doc)
	if err != nil || sum.Failed > 0 {
		if err == nil {
			err = fmt.Errorf("capture %s: %s", doc.Source, strings.Join(sum.Errors, "; "))
		}
		c.fail(ctx, "Sorry, I couldn't add that to the knowledge base.", err)
		return
	}
	c.log.Info("discord message captured", slog.String("source", doc.Source), slog.Int("chunks", sum.Chunks))
	b.logErr(c, c.final(ctx, rendered{Content: fmt.Sprintf("Added **%s**. Answers cite it as <%s>; remove it with `/forget document:%s`.%s",
		escapeMarkdown(truncate(doc.Title, 200)), doc.Source, doc.Source, note)}))
}

// threadMessages reads a thread's messages, oldest first, paging back
// from the newest; truncated is true when more than maxThreadMessages
// were there.
func (b *Bot) threadMessages(ctx context.Context, thread string) (msgs []*discordgo.Message, truncated bool, err error) {
	before, more := "", true
	for more && len(msgs) < maxThreadMessages {
		page, err := b.s.ChannelMessages(thread, 100, before, "", "", discordgo.WithContext(ctx))
		if err != nil {
			return nil, false, fmt.Errorf("read thread messages: %w", apiErr(b.s, err))
		}
		msgs = append(msgs, page...)
		if more = len(page) == 100; more {
			before = slices.MinFunc(page, bySnowflake).ID
		}
	}
	slices.SortFunc(msgs, bySnowflake)
	if len(msgs) > maxThreadMessages {
		msgs = msgs[len(msgs)-maxThreadMessages:]
	}
	for i, m := range msgs {
		// A thread opened on a channel message starts with a reference to it.
		if m.Type == discordgo.MessageTypeThreadStarterMessage && m.ReferencedMessage != nil {
			msgs[i] = m.ReferencedMessage
		}
	}
	return msgs, truncated, nil
}

// bySnowflake orders messages by id, which is by time.
func bySnowflake(a, b *discordgo.Message) int {
	if len(a.ID) != len(b.ID) {
		return len(a.ID) - len(b.ID)
	}
	return strings.Compare(a.ID, b.ID)
}

// messageLink is a message's link, or a channel's when messageID is "".
func messageLink(guildID, channelID, messageID string) string {
	l := CaptureSourcePrefix + guildID + "/" + channelID
	if messageID != "" {
		l += "/" + messageID
	}
	return l
}

func (b *Bot) channelName(ctx context.Context, channelID string) string {
	if ch := b.channel(ctx, channelID); ch != nil && ch.Name != "" {
		return ch.Name
	}
	return channelID
}

func authorName(m *discordgo.Message) string {
	if m.Member != nil && m.Member.Nick != "" {
		return m.Member.Nick
	}
	if m.Author == nil {
		return "unknown"
	}
	return m.Author.DisplayName()
}

// messageText is a message's text with user mentions as @names.
func messageText(m *discordgo.Message) string {
	text := strings.TrimSpace(m.Content)
	for _, u := range m.Mentions {
		text = strings.NewReplacer("<@"+u.ID+">", "@"+u.DisplayName(), "<@!"+u.ID+">", "@"+u.DisplayName()).Replace(text)
	}
	return text
}
