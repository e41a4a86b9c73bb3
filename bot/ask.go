package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/citebot/citebot/rag"
)

// answerRecord is what the buttons under an answer need.
type answerRecord struct {
	GuildID    string
	ChannelID  string
	Collection string
	Question   string
	Answer     string
	Sources    []rag.Source
}

// Short user-facing messages.
const (
	msgBusy      = "I'm answering a lot of questions right now — please try again in a minute."
	msgQueued    = "⏳ Queued — I'll answer as soon as a worker is free."
	msgFailed    = "Sorry, something went wrong while answering. Please try again later."
	msgNoDMs     = "I only answer in servers here. Ask me in a server channel."
	msgExpired   = "This answer has expired (I keep them in memory only). Ask again to get fresh sources."
	msgNoSummary = "Summaries aren't available on this bot."
)

func (b *Bot) remember(key string, r *answerRecord) { b.answers.put(key, r) }

func (b *Bot) cmdAsk(ctx context.Context, c *ictx, o options) error {
	question, private := o.str("question"), o.boolean("private")
	if question == "" {
		return c.say(ctx, "Please include a question.")
	}
	coll, release, ok, err := b.begin(ctx, c, private)
	if !ok {
		return err
	}
	defer release()
	st := startThrottle(b.cfg.EditInterval, func(text string) {
		b.logErr(c, c.edit(ctx, rendered{Content: truncate(text, MaxContent-2) + " ▍"}))
	})
	turns, inThread := b.history.get(c.i.ChannelID)
	ans, err := b.cfg.Answerer.Answer(ctx, rag.Request{Collection: coll, Question: question, History: turns}, st.set)
	st.stop()
	if err != nil {
		c.fail(ctx, msgFailed, fmt.Errorf("answer: %w", err))
		return nil
	}
	if inThread && !private {
		b.addTurn(c.i.ChannelID, rag.Turn{Question: question, Answer: ans.Text})
	}
	b.remember(c.i.ID, &answerRecord{GuildID: c.i.GuildID, ChannelID: c.i.ChannelID, Collection: coll, Question: question, Answer: ans.Text, Sources: ans.Sources})
	c.log.Info("discord question answered", slog.Int("sources", len(ans.Sources)), slog.Bool("refused", ans.Refused))
	return c.sendAll(ctx, renderAnswer(ans, c.i.ID), private)
}

func (b *Bot) collectionProblem(ctx context.Context, c *ictx, err error) error {
	if err != nil {
		c.fail(ctx, msgFailed, err)
		return nil
	}
	return c.final(ctx, rendered{Content: msgNoDMs})
}

// begin defers the reply, resolves the channel's collection and takes a
// worker; ok is false when the user has been told why not (err is then
// what telling them returned).
func (b *Bot) begin(ctx context.Context, c *ictx, private bool) (coll string, release func(), ok bool, err error) {
	if err := c.deferReply(ctx, private); err != nil {
		return "", nil, false, err
	}
	coll, found, err := b.collection(ctx, c.i.GuildID, c.i.ChannelID)
	if err != nil || !found {
		return "", nil, false, b.collectionProblem(ctx, c, err)
	}
	release, ok = b.acquire(ctx, c)
	return coll, release, ok, nil
}

// acquire takes a worker, telling the user when they are queued or
// when the bot is too busy.
func (b *Bot) acquire(ctx context.Context, c *ictx) (func(), bool) {
	release, err := b.pool.acquire(ctx, func() {
		b.cfg.Observer.QueueDepth(b.pool.waiting())
		b.logErr(c, c.edit(ctx, rendered{Content: msgQueued}))
	})
	b.cfg.Observer.QueueDepth(b.pool.waiting())
	switch {
	case err == nil:
		return release, true
	case errors.As(err, new(busyError)):
		c.log.Warn("discord answer refused, queue full")
		b.logErr(c, c.final(ctx, rendered{Content: msgBusy}))
	default:
		c.log.Warn("discord answer abandoned in queue", slog.Any("err", err))
	}
	return nil, false
}

func (b *Bot) cmdSummary(ctx context.Context, c *ictx, o options) error {
	if b.cfg.Summarizer == nil {
		return c.say(ctx, msgNoSummary)
	}
	coll, release, ok, err := b.begin(ctx, c, false)
	if !ok {
		return err
	}
	defer release()
	doc, topic := o.str("document"), o.str("topic")
	ans, err := b.cfg.Summarizer.Summarize(ctx, coll, doc, topic)
	if err != nil {
		c.fail(ctx, "Sorry, I couldn't summarize that. Check the document name with /sources.", fmt.Errorf("summarize: %w", err))
		return nil
	}
	b.remember(c.i.ID, &answerRecord{GuildID: c.i.GuildID, ChannelID: c.i.ChannelID, Collection: coll, Question: "summary: " + doc + " " + topic, Answer: ans.Text, Sources: ans.Sources})
	return c.sendAll(ctx, renderAnswer(ans, c.i.ID), false)
}

const docsPageSize = 10

func (b *Bot) cmdSources(ctx context.Context, c *ictx, _ options) error {
	if err := c.deferReply(ctx, true); err != nil {
		return err
	}
	r, err := b.documentsPage(ctx, c, 0)
	if err != nil {
		c.fail(ctx, msgFailed, err)
		return nil
	}
	return c.final(ctx, r)
}

func (b *Bot) documentsPage(ctx context.Context, c *ictx, offset int) (rendered, error) {
	coll, ok, err := b.collection(ctx, c.i.GuildID, c.i.ChannelID)
	if err != nil {
		return rendered{}, err
	}
	if !ok {
		return rendered{Content: msgNoDMs}, nil
	}
	docs, total, err := b.cfg.Library.Documents(ctx, coll, max(offset, 0), docsPageSize)
	if err != nil {
		return rendered{}, fmt.Errorf("list documents: %w", err)
	}
	return renderDocuments(docs, offset, total, docsPageSize), nil
}

// completeDocument offers up to 25 documents of this scope.
func (b *Bot) completeDocument(ctx context.Context, c *ictx, o options, focused string) ([]*discordgo.ApplicationCommandOptionChoice, error) {
	coll, ok, err := b.collection(ctx, c.i.GuildID, c.i.ChannelID)
	if err != nil || !ok {
		return nil, err
	}
	docs, err := b.cfg.Library.SearchDocuments(ctx, coll, o.str(focused), 25)
	if err != nil {
		return nil, fmt.Errorf("search documents: %w", err)
	}
	var out []*discordgo.ApplicationCommandOptionChoice
	for _, d := range docs {
		if len(out) == 25 || len([]rune(d.Source)) > 100 {
			continue
		}
		name := d.Title
		if name == "" {
			name = d.Source
		}
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: truncate(name, 100), Value: d.Source})
	}
	return out, nil
}

// runComponent handles the buttons: sources, feedback, paging.
func (b *Bot) runComponent(ctx context.Context, c *ictx) {
	id := c.i.MessageComponentData().CustomID
	switch {
	case strings.HasPrefix(id, idSources):
		rec, ok := b.record(c, strings.TrimPrefix(id, idSources))
		if !ok {
			b.logErr(c, c.say(ctx, msgExpired))
			return
		}
		b.logErr(c, c.reply(ctx, renderSourcesView(rec.Sources), true))
	case strings.HasPrefix(id, idHelpful), strings.HasPrefix(id, idNotHelp):
		b.feedback(ctx, c, id[len(idHelpful):], strings.HasPrefix(id, idHelpful))
	case strings.HasPrefix(id, idDocsPage):
		offset, _ := strconv.Atoi(strings.TrimPrefix(id, idDocsPage))
		r, err := b.documentsPage(ctx, c, offset)
		if err != nil {
			c.log.Error("discord documents page failed", slog.Any("err", err))
			r = rendered{Content: msgFailed}
		}
		b.logErr(c, c.update(ctx, r))
	default:
		b.logErr(c, c.say(ctx, "That button is from an older version of citebot."))
	}
}

// record finds an answer, only within the scope it was given in.
func (b *Bot) record(c *ictx, key string) (*answerRecord, bool) {
	rec, ok := b.answers.get(key)
	if !ok || rec.GuildID != c.i.GuildID || (rec.GuildID == "" && rec.ChannelID != c.i.ChannelID) {
		return nil, false
	}
	return rec, true
}

func (b *Bot) feedback(ctx context.Context, c *ictx, key string, helpful bool) {
	rec, ok := b.record(c, key)
	if !ok {
		b.logErr(c, c.say(ctx, msgExpired))
		return
	}
	ids := make([]int64, 0, len(rec.Sources))
	for _, s := range rec.Sources {
		ids = append(ids, s.Passage.ChunkID)
	}
	f := Feedback{GuildID: rec.GuildID, ChannelID: rec.ChannelID, UserID: c.userID(), Collection: rec.Collection,
		Question: rec.Question, Answer: rec.Answer, ChunkIDs: ids, Helpful: helpful, At: time.Now()}
	if err := b.cfg.Library.SaveFeedback(ctx, f); err != nil {
		c.log.Error("discord feedback not saved", slog.Any("err", err))
		b.logErr(c, c.say(ctx, "Sorry, I couldn't record that feedback."))
		return
	}
	b.logErr(c, c.say(ctx, "Thanks — your feedback was recorded."))
}
