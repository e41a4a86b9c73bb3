package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Escalations keeps each guild's escalation role and the answers handed
// over to a person, so that the buttons work on any replica and after a
// restart.
type Escalations interface {
	// EscalationRole returns the role a guild's escalations ping; "" when
	// escalation is off.
	EscalationRole(ctx context.Context, guildID string) (string, error)
	// SetEscalationRole sets the guild's escalation role; "" turns
	// escalation off.
	SetEscalationRole(ctx context.Context, guildID, roleID string) error
	// Escalation returns a stored answer's escalation.
	Escalation(ctx context.Context, answerID int64) (Escalation, error)
	// Escalate records that userID asked a person; changed is false when
	// someone had already, and the earlier escalation is returned.
	Escalate(ctx context.Context, answerID int64, userID string) (e Escalation, changed bool, err error)
	// Resolve records that userID marked an escalation resolved; changed
	// is false when it was not escalated or already resolved.
	Resolve(ctx context.Context, answerID int64, userID string) (e Escalation, changed bool, err error)
	// ThreadEscalated reports whether a thread's conversation holds an
	// escalation nobody resolved.
	ThreadEscalated(ctx context.Context, threadID string) (bool, error)
}

// Escalation is an answer's hand-over to a person; zero times mean not
// yet.
type Escalation struct {
	EscalatedAt time.Time
	EscalatedBy string // a Discord user id
	ResolvedAt  time.Time
	ResolvedBy  string // a Discord user id
}

// Button custom-id prefixes of escalation; both carry the answer id.
const (
	idEscalate = "esc:"
	idResolve  = "esc-ok:"
)

func (b *Bot) escalationCommands() []*command {
	if b.cfg.Escalations == nil {
		return nil
	}
	role := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionRole, Name: "role",
		Description: "The role of the people who help", Required: true}
	return []*command{{def: &discordgo.ApplicationCommand{Name: "escalation", Description: `Who the "Ask a person" button under answers pings`,
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "set", Description: "Ping this role when someone asks for a person",
				Options: []*discordgo.ApplicationCommandOption{role}},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "off", Description: `Remove the "Ask a person" button`},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "show", Description: "Show the escalation role"}}},
		admin: true, run: b.cmdEscalation}}
}

func (b *Bot) cmdEscalation(ctx context.Context, c *ictx, _ options) error {
	sub, o := optionsOf(c.i.ApplicationCommandData().Options)
	g, esc := c.i.GuildID, b.cfg.Escalations
	switch sub {
	case "show":
		role, err := esc.EscalationRole(ctx, g)
		if err != nil {
			c.log.Error("discord escalation role not read", slog.Any("err", err))
			return c.say(ctx, msgNoStore)
		}
		if role == "" {
			return c.say(ctx, "Escalation is off. Turn it on with `/escalation set role:`.")
		}
		return c.say(ctx, fmt.Sprintf(`The "Ask a person" button under answers pings <@&%s>.`, role))
	case "off":
		if err := esc.SetEscalationRole(ctx, g, ""); err != nil {
			c.log.Error("discord escalation role not stored", slog.Any("err", err))
			return c.say(ctx, msgNoStore)
		}
		return c.say(ctx, `Escalation is off: answers no longer carry an "Ask a person" button.`)
	}
	role := o.str("role")
	if role == "" || role == g {
		return c.say(ctx, "@everyone can't be the escalation role; pick the role of the people who help.")
	}
	if err := esc.SetEscalationRole(ctx, g, role); err != nil {
		c.log.Error("discord escalation role not stored", slog.Any("err", err))
		return c.say(ctx, msgNoStore)
	}
	msg := fmt.Sprintf(`Answers now carry an "Ask a person" button that pings <@&%s> in the answer's thread.`, role)
	if r := resolvedRole(c, role); r != nil && !r.Mentionable {
		msg += " Note: the role is not mentionable, so the ping only works if I have the Mention @everyone, @here and All Roles " +
			"permission, or once you make the role mentionable (Server Settings → Roles)."
	}
	return c.say(ctx, msg)
}

func resolvedRole(c *ictx, id string) *discordgo.Role {
	if r := c.i.ApplicationCommandData().Resolved; r != nil {
		return r.Roles[id]
	}
	return nil
}

// withEscalation adds the "Ask a person" button to the last message of a
// rendered answer when the guild has an escalation role. Private answers
// get none: the ping would show the question to the channel.
func (b *Bot) withEscalation(ctx context.Context, log *slog.Logger, guildID string, private bool, id int64, rs []rendered) []rendered {
	if b.cfg.Escalations == nil || guildID == "" || private {
		return rs
	}
	role, err := b.cfg.Escalations.EscalationRole(ctx, guildID)
	if err != nil {
		log.Warn("discord escalation role not read", slog.Any("err", err))
		return rs
	}
	if role != "" {
		last := &rs[len(rs)-1]
		last.Components = withButton(last.Components, idEscalate, escalateButton(answerKey(id)))
	}
	return rs
}

func escalateButton(key string) discordgo.Button {
	return discordgo.Button{Label: "Ask a person", Style: discordgo.PrimaryButton, CustomID: idEscalate + key}
}

func resolveButton(key string, done bool) discordgo.Button {
	return discordgo.Button{Label: "Resolved", Style: discordgo.SuccessButton, CustomID: idResolve + key, Disabled: done,
		Emoji: &discordgo.ComponentEmoji{Name: "✅"}}
}

// rowButtons is Discord's limit of buttons in one action row.
const rowButtons = 5

// withButton returns the rows with the button whose custom id starts
// with prefix replaced by btn, or btn added where a row has room.
func withButton(rows []discordgo.MessageComponent, prefix string, btn discordgo.Button) []discordgo.MessageComponent {
	out := make([]discordgo.MessageComponent, 0, len(rows)+1)
	placed := false
	for _, c := range rows {
		var row discordgo.ActionsRow
		switch r := c.(type) {
		case discordgo.ActionsRow:
			row = r
		case *discordgo.ActionsRow:
			row = *r
		default:
			out = append(out, c)
			continue
		}
		row.Components = slices.Clone(row.Components)
		for i, rc := range row.Components {
			if bid := buttonID(rc); bid != "" && strings.HasPrefix(bid, prefix) {
				row.Components[i], placed = btn, true
			}
		}
		out = append(out, row)
	}
	if placed {
		return out
	}
	for i, c := range out {
		if row, ok := c.(discordgo.ActionsRow); ok && len(row.Components) < rowButtons {
			row.Components = append(row.Components, btn)
			out[i] = row
			return out
		}
	}
	return append(out, discordgo.ActionsRow{Components: []discordgo.MessageComponent{btn}})
}

func buttonID(c discordgo.MessageComponent) string {
	switch b := c.(type) {
	case discordgo.Button:
		return b.CustomID
	case *discordgo.Button:
		return b.CustomID
	}
	return ""
}

// escalationButton handles "Ask a person" and "Resolved".
func (b *Bot) escalationButton(ctx context.Context, c *ictx, id string) {
	resolve := strings.HasPrefix(id, idResolve)
	key := strings.TrimPrefix(strings.TrimPrefix(id, idResolve), idEscalate)
	if b.cfg.Escalations == nil || c.i.GuildID == "" || c.i.Message == nil {
		b.logErr(c, c.say(ctx, "Asking a person isn't available here."))
		return
	}
	rec, ok := b.record(ctx, c, key)
	if !ok {
		return
	}
	if resolve {
		b.resolve(ctx, c, rec)
		return
	}
	b.escalate(ctx, c, rec)
}

func (b *Bot) escalate(ctx context.Context, c *ictx, rec StoredAnswer) {
	esc := b.cfg.Escalations
	role, err := esc.EscalationRole(ctx, c.i.GuildID)
	if err != nil {
		c.log.Error("discord escalation role not read", slog.Any("err", err))
		b.logErr(c, c.say(ctx, msgNoStore))
		return
	}
	if role == "" {
		b.logErr(c, c.say(ctx, "An admin has turned escalation off here, so there is no one to ask through me."))
		return
	}
	e, changed, err := esc.Escalate(ctx, rec.ID, c.userID())
	if err != nil {
		c.log.Error("discord escalation not stored", slog.Int64("answer_id", rec.ID), slog.Any("err", err))
		b.logErr(c, c.say(ctx, msgNoStore))
		return
	}
	if !changed {
		b.logErr(c, c.say(ctx, escalationState(e)))
		return
	}
	key := answerKey(rec.ID)
	b.logErr(c, c.update(ctx, buttonsSwapped(c.i.Message, idEscalate, resolveButton(key, false))))
	where := b.escalationThread(ctx, c, rec)
	if rec.ThreadID == "" && where != c.i.ChannelID {
		// The new thread continues the answer's conversation, and the bot
		// keeps out of it while people help (handedOver).
		b.posted(ctx, c.log, rec.ID, where, cmp.Or(rec.MessageID, c.i.Message.ID))
	}
	if err := b.postEscalation(ctx, where, renderEscalation(rec, role, c.userID()), role); err != nil {
		c.log.Error("discord escalation not posted", slog.Int64("answer_id", rec.ID), slog.Any("err", err))
		b.logErr(c, c.followup(ctx, rendered{Content: "I recorded your request, but I couldn't post in the thread " +
			"(I may lack permission there). Please ping the helpers yourself."}, true))
		return
	}
	c.log.Info("discord answer escalated", slog.Int64("answer_id", rec.ID), slog.String("thread_id", where))
}

// escalationState says, to someone who pressed a button too late, what
// happened already.
func escalationState(e Escalation) string {
	switch {
	case e.EscalatedAt.IsZero():
		return "Nobody has asked a person about this answer yet."
	case e.ResolvedAt.IsZero():
		return fmt.Sprintf("<@%s> already asked a person about this <t:%d:R>; see the thread.", e.EscalatedBy, e.EscalatedAt.Unix())
	}
	return fmt.Sprintf("<@%s> marked this resolved <t:%d:R>.", e.ResolvedBy, e.ResolvedAt.Unix())
}

// buttonsSwapped is m as it is, with one button replaced.
func buttonsSwapped(m *discordgo.Message, prefix string, btn discordgo.Button) rendered {
	return rendered{Content: m.Content, Embeds: m.Embeds, Components: withButton(m.Components, prefix, btn)}
}

// escalationThread is where the ping goes: the answer's conversation
// thread, the thread the button was pressed in, else a new thread on the
// answer's message (the channel itself when that fails).
func (b *Bot) escalationThread(ctx context.Context, c *ictx, rec StoredAnswer) string {
	if rec.ThreadID != "" {
		return rec.ThreadID
	}
	if t := b.thread(ctx, c.i.ChannelID); t != "" {
		return t
	}
	name := truncate(strings.Join(strings.Fields(rec.Question), " "), 90)
	if name == "" {
		name = "Question"
	}
	th, err := b.s.MessageThreadStartComplex(c.i.ChannelID, c.i.Message.ID, &discordgo.ThreadStart{
		Name: name, AutoArchiveDuration: 1440, Type: discordgo.ChannelTypeGuildPublicThread,
	}, discordgo.WithContext(ctx))
	var re *discordgo.RESTError
	switch {
	case err == nil:
		return th.ID
	case errors.As(err, &re) && re.Message != nil && re.Message.Code == discordgo.ErrCodeThreadAlreadyCreatedForThisMessage:
		return c.i.Message.ID // a message's thread has the message's id
	}
	c.log.Warn("discord escalation thread not opened", slog.Any("err", apiErr(b.s, err)))
	return c.i.ChannelID
}

// renderEscalation is the message that asks the role for help. Only the
// role can ping (see escalationMentions): the asker is named, not pinged,
// and the question is quoted inert.
func renderEscalation(rec StoredAnswer, role, userID string) rendered {
	q := strings.ReplaceAll(escapeMarkdown(truncate(strings.TrimSpace(rec.Question), 1500)), "\n", "\n> ")
	text := fmt.Sprintf("<@&%s> — <@%s> would like a person to help with this question:\n> %s", role, userID, q)
	if rec.GuildID != "" && rec.MessageID != "" {
		text += fmt.Sprintf("\nMy answer: https://discord.com/channels/%s/%s/%s", rec.GuildID, rec.ChannelID, rec.MessageID)
	}
	return rendered{Content: text, Components: []discordgo.MessageComponent{discordgo.ActionsRow{
		Components: []discordgo.MessageComponent{resolveButton(answerKey(rec.ID), false)}}}}
}

// postEscalation posts the ping in channelID, letting only role ping.
func (b *Bot) postEscalation(ctx context.Context, channelID string, r rendered, role string) error {
	_, err := b.s.ChannelMessageSendComplex(channelID, &discordgo.MessageSend{Content: r.Content, Components: r.Components,
		AllowedMentions: escalationMentions(role)}, discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("send escalation: %w", apiErr(b.s, err))
	}
	return nil
}

// escalationMentions lets a message ping the one role and nothing else:
// no user, no @everyone or @here, no other role.
func escalationMentions(role string) *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, Roles: []string{role}}
}

// handedOver reports whether a thread waits for a person: the bot then
// answers there only when mentioned.
func (b *Bot) handedOver(ctx context.Context, threadID string) bool {
	if b.cfg.Escalations == nil {
		return false
	}
	open, err := b.cfg.Escalations.ThreadEscalated(ctx, threadID)
	if err != nil {
		b.log.Warn("discord thread escalation not read", slog.String("channel_id", threadID), slog.Any("err", err))
	}
	return open
}

func (b *Bot) resolve(ctx context.Context, c *ictx, rec StoredAnswer) {
	esc := b.cfg.Escalations
	e, err := esc.Escalation(ctx, rec.ID)
	var role string
	if err == nil {
		role, err = esc.EscalationRole(ctx, c.i.GuildID)
	}
	if err != nil {
		c.log.Error("discord escalation not read", slog.Int64("answer_id", rec.ID), slog.Any("err", err))
		b.logErr(c, c.say(ctx, msgNoStore))
		return
	}
	if e.EscalatedAt.IsZero() || !e.ResolvedAt.IsZero() {
		b.logErr(c, c.say(ctx, escalationState(e)))
		return
	}
	if !c.isAdmin() && c.userID() != e.EscalatedBy && (role == "" || !slices.Contains(c.i.Member.Roles, role)) {
		who := "the person who asked"
		if role != "" {
			who = fmt.Sprintf("the person who asked, members of <@&%s>", role)
		}
		b.logErr(c, c.say(ctx, "Only "+who+" or admins (Manage Server) can mark this resolved."))
		return
	}
	e, changed, err := esc.Resolve(ctx, rec.ID, c.userID())
	if err != nil {
		c.log.Error("discord resolution not stored", slog.Int64("answer_id", rec.ID), slog.Any("err", err))
		b.logErr(c, c.say(ctx, msgNoStore))
		return
	}
	if !changed {
		b.logErr(c, c.say(ctx, escalationState(e)))
		return
	}
	b.logErr(c, c.update(ctx, buttonsSwapped(c.i.Message, idResolve, resolveButton(answerKey(rec.ID), true))))
	c.log.Info("discord escalation resolved", slog.Int64("answer_id", rec.ID))
}
