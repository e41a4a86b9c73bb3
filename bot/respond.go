package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// ictx is one interaction being handled: where it came from and how its
// initial response is sent (REST for the gateway, the HTTP response for
// the interactions endpoint).
type ictx struct {
	b   *Bot
	i   *discordgo.Interaction
	ack func(context.Context, *discordgo.InteractionResponse) error
	log *slog.Logger
}

func (b *Bot) newIctx(i *discordgo.Interaction, ack func(context.Context, *discordgo.InteractionResponse) error) *ictx {
	c := &ictx{b: b, i: i, ack: ack}
	c.log = b.log.With(slog.String("interaction_id", i.ID), slog.String("guild_id", i.GuildID),
		slog.String("channel_id", i.ChannelID), slog.String("user_id", c.userID()))
	if i.Type == discordgo.InteractionApplicationCommand || i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		c.log = c.log.With(slog.String("command", i.ApplicationCommandData().Name))
	}
	return c
}

func (c *ictx) userID() string {
	if c.i.Member != nil && c.i.Member.User != nil {
		return c.i.Member.User.ID
	}
	if c.i.User != nil {
		return c.i.User.ID
	}
	return ""
}

// isAdmin re-checks Manage Server, whatever the command's default
// permissions were changed to on the server.
func (c *ictx) isAdmin() bool {
	if c.i.Member == nil {
		return false
	}
	p := c.i.Member.Permissions
	return p&discordgo.PermissionAdministrator != 0 || p&discordgo.PermissionManageGuild != 0
}

func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

func flags(ephemeral bool) discordgo.MessageFlags {
	if ephemeral {
		return discordgo.MessageFlagsEphemeral
	}
	return 0
}

func (r rendered) responseData(ephemeral bool) *discordgo.InteractionResponseData {
	return &discordgo.InteractionResponseData{Content: r.Content, Embeds: r.Embeds, Components: r.Components,
		AllowedMentions: noMentions(), Flags: flags(ephemeral)}
}

// reply answers at once (no deferral).
func (c *ictx) reply(ctx context.Context, r rendered, ephemeral bool) error {
	return c.ack(ctx, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: r.responseData(ephemeral)})
}

// say replies with a short ephemeral text.
func (c *ictx) say(ctx context.Context, text string) error {
	return c.reply(ctx, rendered{Content: text}, true)
}

// deferReply acknowledges now and edits later.
func (c *ictx) deferReply(ctx context.Context, ephemeral bool) error {
	return c.ack(ctx, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: flags(ephemeral)}})
}

// update replaces the message a component is on.
func (c *ictx) update(ctx context.Context, r rendered) error {
	return c.ack(ctx, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage, Data: r.responseData(false)})
}

// edit replaces the original response.
func (c *ictx) edit(ctx context.Context, r rendered) error {
	_, err := c.editMessage(ctx, r)
	return err
}

// editMessage replaces the original response and returns it.
func (c *ictx) editMessage(ctx context.Context, r rendered) (*discordgo.Message, error) {
	embeds, comps := r.Embeds, r.Components
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{}
	}
	if comps == nil {
		comps = []discordgo.MessageComponent{}
	}
	m, err := c.b.s.InteractionResponseEdit(c.i, &discordgo.WebhookEdit{Content: &r.Content, Embeds: &embeds, Components: &comps,
		AllowedMentions: noMentions()}, discordgo.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("edit interaction response: %w", apiErr(c.b.s, err))
	}
	return m, nil
}

// sendAllID edits the deferred response with the first message and sends
// the rest as followups, each falling back as final does. It returns the
// first message's id.
func (c *ictx) sendAllID(ctx context.Context, rs []rendered, ephemeral bool) (string, error) {
	var id string
	err := c.withFallback(rs[0], func(r rendered) error {
		m, err := c.editMessage(ctx, r)
		if m != nil {
			id = m.ID
		}
		return err
	})
	if err != nil {
		return "", err
	}
	for _, r := range rs[1:] {
		if err := c.withFallback(r, func(r rendered) error { return c.followup(ctx, r, ephemeral) }); err != nil {
			return id, err
		}
	}
	return id, nil
}

func (c *ictx) followup(ctx context.Context, r rendered, ephemeral bool) error {
	_, err := c.b.s.FollowupMessageCreate(c.i, true, &discordgo.WebhookParams{Content: r.Content, Embeds: r.Embeds,
		Components: r.Components, AllowedMentions: noMentions(), Flags: flags(ephemeral)}, discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("send followup: %w", apiErr(c.b.s, err))
	}
	return nil
}

// final edits the deferred response with the message that ends the
// interaction. When Discord rejects it, it falls back to the text alone
// with a note that something went wrong, then to the note alone, so the
// user is never left on "thinking...".
func (c *ictx) final(ctx context.Context, r rendered) error {
	return c.withFallback(r, func(r rendered) error { return c.edit(ctx, r) })
}

func (c *ictx) withFallback(r rendered, send func(rendered) error) error {
	err := send(r)
	if err == nil {
		return nil
	}
	c.b.cfg.Observer.Error("discord")
	c.log.Warn("discord message rejected, sending a plain one", slog.Any("err", err))
	for _, fb := range fallbacks(r) {
		if err = send(fb); err == nil {
			return nil
		}
	}
	return err
}

// msgNotShown ends a reply Discord would not accept as rendered.
const msgNotShown = "⚠️ Sorry, something went wrong while showing this reply."

// fallbacks are the plainer versions of r to try when Discord rejects it:
// its text without embeds or buttons, then the note alone.
func fallbacks(r rendered) []rendered {
	var out []rendered
	if text := strings.TrimSpace(r.Content); text != "" {
		out = append(out, rendered{Content: truncate(text, MaxContent-len([]rune(msgNotShown))-2) + "\n\n" + msgNotShown})
	}
	return append(out, rendered{Content: msgNotShown})
}

// fail is the edge for a handler error: log it once and show the user a
// short message in the deferred response.
func (c *ictx) fail(ctx context.Context, msg string, err error) {
	c.log.Error("discord interaction failed", slog.Any("err", err))
	if e := c.final(ctx, rendered{Content: msg}); e != nil {
		c.log.Warn("discord error message not shown", slog.Any("err", e))
	}
}

// throttle forwards the latest text to show at most once per interval,
// so streamed partial answers and progress bars respect rate limits.
type throttle struct {
	mu     sync.Mutex
	latest string
	dirty  bool
	stopc  chan struct{}
	done   chan struct{}
}

func startThrottle(interval time.Duration, show func(text string)) *throttle {
	t := &throttle{stopc: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(t.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-t.stopc:
				return
			case <-tick.C:
				if text, ok := t.take(); ok {
					show(text)
				}
			}
		}
	}()
	return t
}

func (t *throttle) set(text string) {
	t.mu.Lock()
	t.latest, t.dirty = text, true
	t.mu.Unlock()
}

func (t *throttle) take() (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ok := t.dirty
	t.dirty = false
	return t.latest, ok
}

// stop ends the throttle and waits for an edit in progress, so the final
// edit is never overwritten by a late partial one.
func (t *throttle) stop() {
	close(t.stopc)
	<-t.done
}
