package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/citebot/citebot/rag"
)

// StaleNotices hands out the stale answers (a passage they cited changed
// or went, in whatever process ingested the change) whose Discord message
// does not say so yet.
type StaleNotices interface {
	// NotifyStale claims one such answer and calls notify with it; the
	// answer counts as notified when notify returns nil, so each message is
	// edited once across replicas. ok is false when there was none.
	NotifyStale(ctx context.Context, notify func(ctx context.Context, n StaleNotice) error) (ok bool, err error)
}

// StaleNotice is a stale answer's first message.
type StaleNotice struct {
	AnswerID             int64
	ChannelID, MessageID string
	StaleAt              time.Time
}

// idAskAgain is the custom-id prefix of the "Ask again" button a stale
// answer gets.
const idAskAgain = "again:"

// staleDate is how the stale line writes its date: a calendar date in UTC,
// the same for every reader.
const staleDate = "2006-01-02"

// staleLine is the line a stale answer's message gains.
func staleLine(at time.Time) string {
	return "⚠️ A source of this answer changed on " + at.UTC().Format(staleDate) + "."
}

// startStale runs the stale-answer notifier until ctx ends, when the bot
// has a StaleNotices; the returned wait blocks until it has stopped.
func (b *Bot) startStale(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	if b.cfg.Stale != nil {
		wg.Go(func() { b.staleLoop(ctx) })
	}
	return wg.Wait
}

// staleLoop edits every stale answer's message now and every
// Config.StalePoll, and when woken (a job of this process finished).
func (b *Bot) staleLoop(ctx context.Context) {
	t := time.NewTicker(b.cfg.StalePoll)
	defer t.Stop()
	for ctx.Err() == nil {
		for ctx.Err() == nil {
			ok, err := b.cfg.Stale.NotifyStale(ctx, b.notifyStale)
			if err != nil && ctx.Err() == nil {
				b.log.Warn("discord stale answer not marked", slog.Any("err", err))
			}
			if !ok || err != nil {
				break // an edit that failed is tried again on the next round
			}
		}
		select {
		case <-ctx.Done():
		case <-b.staleWake:
		case <-t.C:
		}
	}
}

// wakeStale makes the notifier look for stale answers now.
func (b *Bot) wakeStale() {
	select {
	case b.staleWake <- struct{}{}:
	default:
	}
}

// notifyStale edits a stale answer's message: its text gains the stale line
// and the message an "Ask again" button. A message that is gone, or that
// the bot can no longer reach, counts as done.
func (b *Bot) notifyStale(ctx context.Context, n StaleNotice) error {
	log := b.log.With(slog.Int64("answer_id", n.AnswerID), slog.String("channel_id", n.ChannelID), slog.String("message_id", n.MessageID))
	m, err := b.s.ChannelMessage(n.ChannelID, n.MessageID, discordgo.WithContext(ctx))
	if err == nil {
		content, comps := markStale(m, n)
		_, err = b.s.ChannelMessageEditComplex(&discordgo.MessageEdit{ID: n.MessageID, Channel: n.ChannelID,
			Content: &content, Components: &comps, AllowedMentions: noMentions()}, discordgo.WithContext(ctx))
	}
	if messageGone(err) {
		log.Warn("discord stale answer message gone", slog.Any("err", apiErr(b.s, err)))
		return nil
	}
	if err != nil {
		return fmt.Errorf("edit stale answer %d: %w", n.AnswerID, apiErr(b.s, err))
	}
	log.Info("discord stale answer marked")
	return nil
}

// markStale is m's content with the stale line, within Discord's limit,
// and its components with an "Ask again" button in a row of its own. A
// message marked already keeps its line and button.
func markStale(m *discordgo.Message, n StaleNotice) (string, []discordgo.MessageComponent) {
	line := staleLine(n.StaleAt)
	content := m.Content
	if !strings.Contains(content, line) {
		content = truncate(content, MaxContent-utf8.RuneCountInString(line)-2) + "\n\n" + line
	}
	comps := m.Components
	id := idAskAgain + answerKey(n.AnswerID)
	for _, c := range comps {
		if row, ok := c.(*discordgo.ActionsRow); ok {
			for _, x := range row.Components {
				if btn, ok := x.(*discordgo.Button); ok && btn.CustomID == id {
					return content, comps
				}
			}
		}
	}
	again := discordgo.Button{Label: "Ask again", Style: discordgo.PrimaryButton, CustomID: id}
	return content, append(comps, discordgo.ActionsRow{Components: []discordgo.MessageComponent{again}})
}

// messageGone reports whether Discord answered that the message or its
// channel is gone, or out of the bot's reach (404, 403).
func messageGone(err error) bool {
	var re *discordgo.RESTError
	return errors.As(err, &re) && re.Response != nil &&
		(re.Response.StatusCode == http.StatusNotFound || re.Response.StatusCode == http.StatusForbidden)
}

// askAgain answers a stale answer's question afresh in its conversation:
// where the button was pressed, as /ask would, or, when the button sits on
// the message a thread was opened on (a mention's answer, in the parent
// channel), in that thread.
func (b *Bot) askAgain(ctx context.Context, c *ictx, key string) {
	rec, ok := b.record(ctx, c, key)
	if !ok {
		return
	}
	c.log.Info("discord question asked again", slog.Int64("answer_id", rec.ID))
	if rec.ThreadID != "" && rec.ThreadID != c.i.ChannelID {
		b.logErr(c, b.askAgainInThread(ctx, c, rec))
		return
	}
	b.logErr(c, b.ask(ctx, c, rec.Question, false))
}

// askAgainInThread posts the fresh answer in rec's thread, as part of its
// conversation, and tells the presser, privately, where it went.
func (b *Bot) askAgainInThread(ctx context.Context, c *ictx, rec StoredAnswer) error {
	began := time.Now()
	coll, release, ok, err := b.begin(ctx, c, true)
	if !ok {
		return err
	}
	defer release()
	turns, err := b.history(ctx, rec.ThreadID)
	if err != nil {
		c.fail(ctx, msgNoStore, err)
		return nil
	}
	ans, err := b.cfg.Answerer.Answer(ctx, rag.Request{Collection: coll, Question: rec.Question, History: turns}, nil)
	if err != nil {
		c.fail(ctx, msgFailed, fmt.Errorf("answer: %w", err))
		return nil
	}
	id, err := b.store(ctx, StoredAnswer{Kind: KindAsk, Collection: coll, GuildID: rec.GuildID, ChannelID: rec.ThreadID,
		ThreadID: rec.ThreadID, InteractionID: c.i.ID, Question: rec.Question}, ans, began)
	if err != nil {
		c.fail(ctx, msgNoStore, err)
		return nil
	}
	var first string
	for _, r := range renderAnswer(ans, answerKey(id)) {
		m, err := b.post(ctx, rec.ThreadID, r, nil)
		if err != nil {
			c.fail(ctx, msgFailed, err)
			return nil
		}
		if first == "" {
			first = m.ID
		}
	}
	b.posted(ctx, c.log, id, rec.ThreadID, first)
	return c.final(ctx, rendered{Content: "Answered again in <#" + rec.ThreadID + ">."})
}
