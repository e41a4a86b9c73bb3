package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot/ops"
	"github.com/citebot/citebot/rag"
)

var mentionRe = regexp.MustCompile(`<@!?(\d+)>`)

// question returns what a message asks the bot, and whether it is
// addressed to it: a mention anywhere, or (with the message content
// intent) any message in a bot thread, unless the thread waits for a
// person (an escalation nobody resolved).
func (b *Bot) question(ctx context.Context, m *discordgo.Message) (string, bool) {
	self := b.selfID()
	mentioned := false
	for _, u := range m.Mentions {
		mentioned = mentioned || u.ID == self
	}
	if !mentioned && !(b.cfg.MessageContent && b.botThread(ctx, m.ChannelID) && !b.handedOver(ctx, m.ChannelID)) {
		return "", false
	}
	q := mentionRe.ReplaceAllStringFunc(m.Content, func(s string) string {
		if mentionRe.FindStringSubmatch(s)[1] == self {
			return ""
		}
		return s
	})
	return strings.TrimSpace(q), true
}

// botThread reports whether a channel is a thread the bot converses in:
// one it opened, or one where it has answered before.
func (b *Bot) botThread(ctx context.Context, channelID string) bool {
	c := b.channel(ctx, channelID)
	if c == nil || !c.IsThread() {
		return false
	}
	if c.OwnerID == b.selfID() {
		return true
	}
	turns, err := b.cfg.Answers.ThreadTurns(ctx, channelID, 1)
	if err != nil {
		b.log.Warn("discord thread history not read", slog.String("channel_id", channelID), slog.Any("err", err))
	}
	return len(turns) > 0
}

func (b *Bot) onMessage(m *discordgo.Message) {
	if !fromPerson(m, b.selfID()) || m.GuildID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ops.ContextWithRequestID(b.workCtx, m.ID), b.cfg.AnswerTimeout)
	defer cancel()
	q, mentioned, ok := b.addressed(ctx, m)
	if !ok || !b.seen.first("m:"+m.ID) || !b.track.begin() {
		return
	}
	defer b.track.end()
	log := b.log.With(slog.String("message_id", m.ID), slog.String("guild_id", m.GuildID),
		slog.String("channel_id", m.ChannelID), slog.String("user_id", m.Author.ID))
	if q == "" {
		if mentioned {
			b.send(ctx, log, m, "Ask me a question after the mention, e.g. `@citebot how do I install it?`")
		}
		return
	}
	if ok, wait := b.allow(m.GuildID, m.Author.ID); !ok {
		b.send(ctx, log, m, fmt.Sprintf("You're going a bit fast — please try again in %d s.", int(math.Ceil(wait.Seconds()))))
		return
	}
	stopTyping := b.typing(ctx, m.ChannelID)
	defer stopTyping()
	if err := b.answerMessage(ctx, log, m, q, stopTyping); err != nil {
		stopTyping()
		log.Error("discord mention not answered", slog.Any("err", err))
		msg := msgFailed
		if errors.Is(err, errNoStore) {
			msg = msgNoStore
		}
		b.send(ctx, log, m, msg)
	}
}

// errNoStore marks a failure of the answer store, which the user is told
// about in so many words.
var errNoStore = errors.New("answer store unavailable")

// answerMessage answers a mention or thread message, opening a thread on
// the reply when the question was asked outside one. stopTyping is called
// once the answer is ready, before anything is posted, so the indicator
// never outlives the reply.
func (b *Bot) answerMessage(ctx context.Context, log *slog.Logger, m *discordgo.Message, q string, stopTyping func()) error {
	began := time.Now()
	coll, _, err := b.collection(ctx, m.GuildID, m.ChannelID)
	if err != nil {
		return err
	}
	release, err := b.pool.acquire(ctx, func() { b.send(ctx, log, m, msgQueued) })
	if err != nil {
		stopTyping()
		b.send(ctx, log, m, msgBusy)
		return nil
	}
	defer release()
	thread := b.thread(ctx, m.ChannelID)
	turns, err := b.history(ctx, thread)
	if err != nil {
		return fmt.Errorf("%w: %w", errNoStore, err)
	}
	ans, err := b.cfg.Answerer.Answer(ctx, rag.Request{Collection: coll, Question: q, History: turns}, nil)
	stopTyping()
	if err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	rec := StoredAnswer{Kind: KindMention, Collection: coll, GuildID: m.GuildID, ChannelID: m.ChannelID, ThreadID: thread, Question: q}
	id, err := b.store(ctx, rec, ans, began)
	if err != nil {
		return fmt.Errorf("%w: %w", errNoStore, err)
	}
	rs := b.withEscalation(ctx, log, m.GuildID, false, id, renderAnswer(ans, answerKey(id)))
	if err := b.postAnswer(ctx, log, m, id, thread, rs, q); err != nil {
		return err
	}
	log.Info("discord mention answered", slog.Int64("answer_id", id), slog.Int("sources", len(ans.Sources)), slog.Bool("refused", ans.Refused))
	return nil
}

// postAnswer posts a stored answer as a reply to m, in a new thread on the
// reply when m is outside one, and records where it went.
func (b *Bot) postAnswer(ctx context.Context, log *slog.Logger, m *discordgo.Message, id int64, thread string, rs []rendered, q string) error {
	first, err := b.post(ctx, m.ChannelID, rs[0], m)
	if err != nil {
		return err
	}
	channel := m.ChannelID
	if thread == "" {
		var opened bool
		if channel, opened = b.openThread(ctx, log, first, q); opened {
			thread = channel // a channel whose thread could not be opened keeps no conversation
		}
	}
	for _, r := range rs[1:] {
		if _, err := b.post(ctx, channel, r, nil); err != nil {
			return err
		}
	}
	b.posted(ctx, log, id, thread, first.ID)
	return nil
}

// openThread starts a thread on the bot's reply and returns its id; on
// failure (e.g. missing permission) it returns the reply's channel and
// false: the rest of the answer goes there, and the channel does not
// become a bot thread.
func (b *Bot) openThread(ctx context.Context, log *slog.Logger, reply *discordgo.Message, q string) (string, bool) {
	th, err := b.s.MessageThreadStartComplex(reply.ChannelID, reply.ID, &discordgo.ThreadStart{
		Name: truncate(strings.ReplaceAll(q, "\n", " "), 90), AutoArchiveDuration: 1440, Type: discordgo.ChannelTypeGuildPublicThread,
	}, discordgo.WithContext(ctx))
	if err != nil {
		log.Warn("discord thread not opened", slog.Any("err", apiErr(b.s, err)))
		return reply.ChannelID, false
	}
	if b.s.State != nil {
		_ = b.s.State.ChannelAdd(th)
	}
	return th.ID, true
}

// post sends one rendered message, as a reply to ref when given.
func (b *Bot) post(ctx context.Context, channelID string, r rendered, ref *discordgo.Message) (*discordgo.Message, error) {
	send := &discordgo.MessageSend{Content: r.Content, Embeds: r.Embeds, Components: r.Components, AllowedMentions: noMentions()}
	if ref != nil {
		send.Reference = &discordgo.MessageReference{MessageID: ref.ID, ChannelID: ref.ChannelID, GuildID: ref.GuildID}
	}
	msg, err := b.s.ChannelMessageSendComplex(channelID, send, discordgo.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("send message: %w", apiErr(b.s, err))
	}
	return msg, nil
}

// send replies with a short text, logging if even that fails.
func (b *Bot) send(ctx context.Context, log *slog.Logger, m *discordgo.Message, text string) {
	if _, err := b.post(ctx, m.ChannelID, rendered{Content: text}, m); err != nil {
		log.Warn("discord reply not sent", slog.Any("err", err))
	}
}

// typing shows the typing indicator now and every TypingInterval until
// the returned stop is called. stop may be called more than once; it lets
// a request already on its way finish (so the indicator cannot land after
// the reply) and returns when the refresh loop has ended.
func (b *Bot) typing(ctx context.Context, channelID string) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(b.cfg.TypingInterval)
		defer t.Stop()
		for {
			if err := b.s.ChannelTyping(channelID, discordgo.WithContext(ctx)); err != nil && ctx.Err() == nil {
				b.log.Debug("discord typing not sent", slog.Any("err", err))
			}
			select {
			case <-ctx.Done():
				return
			case <-quit:
				return
			case <-t.C:
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(quit) }); <-done }
}
