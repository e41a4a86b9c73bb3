package bot

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot/ops"
)

// command is one slash command: its registration and its handler, kept
// together so the registered payload and the dispatcher cannot drift.
type command struct {
	def *discordgo.ApplicationCommand
	// admin commands need Manage Server, both as default permission and
	// re-checked by the handler.
	admin bool
	// limited commands spend a rate-limit token.
	limited  bool
	run      func(ctx context.Context, c *ictx, o options) error
	complete func(ctx context.Context, c *ictx, o options, focused string) ([]*discordgo.ApplicationCommandOptionChoice, error)
}

func str(name, desc string, required, auto bool) *discordgo.ApplicationCommandOption {
	return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: name, Description: desc, Required: required, Autocomplete: auto}
}

// registry is every command citebot has.
func (b *Bot) registry() []*command {
	cmds := []*command{
		{def: &discordgo.ApplicationCommand{Name: "ask", Description: "Ask a question about this server's documents",
			Options: []*discordgo.ApplicationCommandOption{str("question", "Your question", true, false),
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: "private", Description: "Only you see the answer"}}},
			limited: true, run: b.cmdAsk},
		{def: &discordgo.ApplicationCommand{Name: "summary", Description: "Summarize a document",
			Options: []*discordgo.ApplicationCommandOption{str("document", "The document", false, true), str("topic", "Focus on this topic", false, false)}},
			limited: true, run: b.cmdSummary, complete: b.completeDocument},
		{def: &discordgo.ApplicationCommand{Name: "sources", Description: "List the documents I answer from here"}, run: b.cmdSources},
		{def: &discordgo.ApplicationCommand{Name: "help", Description: "How to use citebot"}, run: b.cmdHelp},
		{def: &discordgo.ApplicationCommand{Name: "ingest", Description: "Add a document (file or URL)",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionAttachment, Name: "file", Description: "A .txt, .md, .html, .pdf or .docx file"},
				str("url", "An http(s) URL", false, false),
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: "crawl", Description: "Crawl the URL's site: its sitemap, else links under its path"}}},
			admin: true, limited: true, run: b.cmdIngest},
		{def: &discordgo.ApplicationCommand{Name: "reingest", Description: "Re-sync this server's documents",
			Options: []*discordgo.ApplicationCommandOption{gateOption}}, admin: true, limited: true, run: b.cmdReingest},
		{def: &discordgo.ApplicationCommand{Name: "forget", Description: "Remove a document",
			Options: []*discordgo.ApplicationCommandOption{str("document", "The document", true, true)}},
			admin: true, run: b.cmdForget, complete: b.completeDocument},
		{def: &discordgo.ApplicationCommand{Name: "collection", Description: "Choose which collection this channel answers from",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "set", Description: "Answer from a named collection in this channel",
					Options: []*discordgo.ApplicationCommandOption{str("name", "Collection name (a-z, 0-9, - and _)", true, false)}},
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "reset", Description: "Answer from the server's collection again"},
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "show", Description: "Show this channel's collection"}}},
			admin: true, run: b.cmdCollection},
	}
	cmds = append(cmds, b.modeCommands()...)
	cmds = append(cmds, b.digestCommands()...)
	cmds = append(cmds, b.escalationCommands()...)
	cmds = append(cmds, b.gapsCommands()...)
	return append(cmds, b.captureCommands()...)
}

// Commands returns the registration payload built from the registry.
func (b *Bot) Commands() []*discordgo.ApplicationCommand {
	manage := int64(discordgo.PermissionManageGuild)
	guildOnly := []discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	anywhere := []discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM}
	out := make([]*discordgo.ApplicationCommand, 0, len(b.cmds))
	for _, c := range b.registry() {
		def := *c.def
		if def.Type == 0 {
			def.Type = discordgo.ChatApplicationCommand
		}
		def.Contexts = &anywhere
		if c.admin {
			def.DefaultMemberPermissions = &manage
			def.Contexts = &guildOnly
		}
		out = append(out, &def)
	}
	return out
}

// RegisterCommands bulk-overwrites the commands (idempotent): to
// Config.DevGuildID when set, else globally.
func (b *Bot) RegisterCommands(ctx context.Context) error {
	appID := b.selfID()
	if _, err := b.s.ApplicationCommandBulkOverwrite(appID, b.cfg.DevGuildID, b.Commands(), discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("register commands: %w", apiErr(b.s, err))
	}
	b.log.Info("discord commands registered", slog.String("guild_id", b.cfg.DevGuildID), slog.Int("count", len(b.cmds)))
	return nil
}

// options gives typed access to a command's options.
type options map[string]*discordgo.ApplicationCommandInteractionDataOption

func optionsOf(opts []*discordgo.ApplicationCommandInteractionDataOption) (string, options) {
	sub := ""
	if len(opts) == 1 && opts[0].Type == discordgo.ApplicationCommandOptionSubCommand {
		sub, opts = opts[0].Name, opts[0].Options
	}
	o := options{}
	for _, opt := range opts {
		o[opt.Name] = opt
	}
	return sub, o
}

func (o options) str(name string) string {
	if v, ok := o[name]; ok {
		if s, ok := v.Value.(string); ok {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

func (o options) boolean(name string) bool {
	if v, ok := o[name]; ok {
		b, _ := v.Value.(bool)
		return b
	}
	return false
}

func (b *Bot) onInteraction(i *discordgo.Interaction) {
	c := b.newIctx(i, func(ctx context.Context, r *discordgo.InteractionResponse) error {
		if err := b.s.InteractionRespond(i, r, discordgo.WithContext(ctx)); err != nil {
			return fmt.Errorf("respond to interaction: %w", apiErr(b.s, err))
		}
		return nil
	})
	b.handleInteraction(c)
}

// handleInteraction dispatches one interaction, once.
func (b *Bot) handleInteraction(c *ictx) {
	if !b.seen.first("i:" + c.i.ID) {
		c.log.Debug("discord duplicate interaction ignored")
		return
	}
	ctx, cancel := context.WithTimeout(ops.ContextWithRequestID(b.workCtx, c.i.ID), b.cfg.AnswerTimeout)
	defer cancel()
	if !b.track.begin() {
		b.logErr(c, c.say(ctx, "citebot is restarting; please try again in a minute."))
		return
	}
	defer b.track.end()
	switch c.i.Type {
	case discordgo.InteractionApplicationCommand:
		b.runCommand(ctx, c)
	case discordgo.InteractionApplicationCommandAutocomplete:
		b.autocomplete(ctx, c)
	case discordgo.InteractionMessageComponent:
		b.runComponent(ctx, c)
	case discordgo.InteractionModalSubmit:
		b.runModal(ctx, c)
	}
}

func (b *Bot) logErr(c *ictx, err error) {
	if err != nil {
		b.cfg.Observer.Error("discord")
		c.log.Warn("discord response not sent", slog.Any("err", err))
	}
}

func (b *Bot) runCommand(ctx context.Context, c *ictx) {
	data := c.i.ApplicationCommandData()
	cmd, ok := b.cmds[data.Name]
	if !ok {
		b.logErr(c, c.say(ctx, "I don't know that command; it may be from an older version of citebot."))
		return
	}
	if cmd.admin && !c.isAdmin() {
		b.logErr(c, c.say(ctx, cmd.label()+" needs the Manage Server permission."))
		return
	}
	if cmd.limited {
		if ok, wait := b.allow(c.i.GuildID, c.userID()); !ok {
			b.logErr(c, c.say(ctx, fmt.Sprintf("You're going a bit fast — please try again in %d s.", int(math.Ceil(wait.Seconds())))))
			return
		}
	}
	_, opts := optionsOf(data.Options)
	if err := cmd.run(ctx, c, opts); err != nil {
		c.log.Warn("discord command not completed", slog.Any("err", err))
	}
}

// allow spends a user token and a guild token.
func (b *Bot) allow(guildID, userID string) (bool, time.Duration) {
	if ok, wait := b.users.allow(userID); !ok {
		b.cfg.Observer.RateLimited("user")
		return false, wait
	}
	if guildID == "" {
		return true, 0
	}
	ok, wait := b.guilds.allow(guildID)
	if !ok {
		b.cfg.Observer.RateLimited("guild")
	}
	return ok, wait
}

func (b *Bot) autocomplete(ctx context.Context, c *ictx) {
	data := c.i.ApplicationCommandData()
	cmd, ok := b.cmds[data.Name]
	var choices []*discordgo.ApplicationCommandOptionChoice
	if ok && cmd.complete != nil && (!cmd.admin || c.isAdmin()) {
		_, opts := optionsOf(data.Options)
		focused := ""
		for name, o := range opts {
			if o.Focused {
				focused = name
			}
		}
		var err error
		if choices, err = cmd.complete(ctx, c, opts, focused); err != nil {
			c.log.Warn("discord autocomplete failed", slog.Any("err", err))
		}
	}
	if choices == nil {
		choices = []*discordgo.ApplicationCommandOptionChoice{}
	}
	b.logErr(c, c.ack(ctx, &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices}}))
}

func (b *Bot) cmdHelp(ctx context.Context, c *ictx, _ options) error {
	text := "**citebot** answers from this server's documents and cites them.\n" +
		"• `/ask question` — ask; add `private:true` to see the answer alone.\n" +
		"• Mention me with a question; I reply in a thread where follow-ups keep the conversation" +
		map[bool]string{true: ".", false: " (mention me in follow-ups too)."}[b.cfg.MessageContent] + "\n" +
		"• `/summary document topic` — summarize a document.\n" +
		"• `/sources` — list the documents.\n" +
		"Admins (Manage Server): `/ingest`, `/reingest`, `/forget`, `/collection`, `/mode`" + map[bool]string{true: ", `/digest`"}[b.cfg.Digest.Store != nil] +
		b.gapsHelp() + b.helpExtras() + "."
	return c.say(ctx, text)
}
