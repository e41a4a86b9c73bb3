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

// Short user-facing messages.
const (
	msgBusy      = "I'm answering a lot of questions right now — please try again in a minute."
	msgQueued    = "⏳ Queued — I'll answer as soon as a worker is free."
	msgFailed    = "Sorry, something went wrong while answering. Please try again later."
	msgNoDMs     = "I only answer in servers here. Ask me in a server channel."
	msgExpired   = "This answer is no longer stored. Ask again to get fresh sources."
	msgNoSummary = "Summaries aren't available on this bot."
	msgNoStore   = "Sorry, I can't reach my database right now, so I can't answer. Please try again in a minute."
)

// thread returns channelID when it is a thread (a conversation), else "".
func (b *Bot) thread(ctx context.Context, channelID string) string {
	if c := b.channel(ctx, channelID); c != nil && c.IsThread() {
		return c.ID
	}
	return ""
}

// history returns a thread's last turns; none outside threads.
func (b *Bot) history(ctx context.Context, threadID string) ([]rag.Turn, error) {
	if threadID == "" {
		return nil, nil
	}
	turns, err := b.cfg.Answers.ThreadTurns(ctx, threadID, b.cfg.HistoryTurns)
	if err != nil {
		return nil, fmt.Errorf("thread history: %w", err)
	}
	return turns, nil
}

// store saves an answer and returns the key its buttons carry.
func (b *Bot) store(ctx context.Context, rec StoredAnswer, ans *rag.Answer, began time.Time) (int64, error) {
	rec.Query, rec.Text, rec.Mode, rec.Refused, rec.Sources = ans.Query, ans.Text, ans.Mode, ans.Refused, ans.Sources
	rec.Latency = time.Since(began)
	id, err := b.cfg.Answers.SaveAnswer(ctx, rec)
	if err != nil {
		return 0, fmt.Errorf("save answer: %w", err)
	}
	return id, nil
}

func answerKey(id int64) string { return strconv.FormatInt(id, 10) }

func (b *Bot) cmdAsk(ctx context.Context, c *ictx, o options) error {
	question, private := o.str("question"), o.boolean("private")
	if question == "" {
		return c.say(ctx, "Please include a question.")
	}
	return b.ask(ctx, c, question, private)
}

// ask answers question in the interaction's channel, continuing its
// thread's conversation, and stores the answer.
func (b *Bot) ask(ctx context.Context, c *ictx, question string, private bool) error {
	began := time.Now()
	coll, release, ok, err := b.begin(ctx, c, private)
	if !ok {
		return err
	}
	defer release()
	thread := b.thread(ctx, c.i.ChannelID)
	turns, err := b.history(ctx, thread)
	if err != nil {
		c.fail(ctx, msgNoStore, err)
		return nil
	}
	st := startThrottle(b.cfg.EditInterval, func(text string) {
		b.logErr(c, c.edit(ctx, rendered{Content: truncate(text, MaxContent-2) + " ▍"}))
	})
	ans, err := b.cfg.Answerer.Answer(ctx, rag.Request{Collection: coll, Question: question, History: turns}, st.set)
	st.stop()
	if err != nil {
		c.fail(ctx, msgFailed, fmt.Errorf("answer: %w", err))
		return nil
	}
	if private {
		thread = ""
	}
	rec := StoredAnswer{Kind: KindAsk, Collection: coll, GuildID: c.i.GuildID, ChannelID: c.i.ChannelID, ThreadID: thread,
		InteractionID: c.i.ID, Question: question, Private: private}
	id, err := b.store(ctx, rec, ans, began)
	if err != nil {
		c.fail(ctx, msgNoStore, err)
		return nil
	}
	c.log.Info("discord question answered", slog.Int64("answer_id", id), slog.Int("sources", len(ans.Sources)), slog.Bool("refused", ans.Refused))
	msgID, err := c.sendAllID(ctx, b.withEscalation(ctx, c.log, c.i.GuildID, private, id, renderAnswer(ans, answerKey(id))), private)
	if err == nil && !private {
		b.posted(ctx, c.log, id, thread, msgID)
	}
	return err
}

// posted records where an answer went; the answer works without it, so a
// failure is only logged.
func (b *Bot) posted(ctx context.Context, log *slog.Logger, id int64, thread, messageID string) {
	if err := b.cfg.Answers.AnswerPosted(ctx, id, thread, messageID); err != nil {
		log.Warn("discord answer placement not stored", slog.Int64("answer_id", id), slog.Any("err", err))
	}
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
	began := time.Now()
	ans, err := b.cfg.Summarizer.Summarize(ctx, coll, doc, topic)
	if err != nil {
		c.fail(ctx, "Sorry, I couldn't summarize that. Check the document name with /sources.", fmt.Errorf("summarize: %w", err))
		return nil
	}
	if ans.Mode == "" {
		ans.Mode = KindSummary
	}
	rec := StoredAnswer{Kind: KindSummary, Collection: coll, GuildID: c.i.GuildID, ChannelID: c.i.ChannelID,
		InteractionID: c.i.ID, Question: strings.TrimSpace("summary: " + doc + " " + topic)}
	id, err := b.store(ctx, rec, ans, began)
	if err != nil {
		c.fail(ctx, msgNoStore, err)
		return nil
	}
	msgID, err := c.sendAllID(ctx, renderAnswer(ans, answerKey(id)), false)
	if err == nil {
		b.posted(ctx, c.log, id, "", msgID)
	}
	return err
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
		if rec, ok := b.record(ctx, c, strings.TrimPrefix(id, idSources)); ok {
			b.logErr(c, c.reply(ctx, renderSourcesView(rec.Sources), true))
		}
	case strings.HasPrefix(id, idHelpful), strings.HasPrefix(id, idNotHelp):
		b.feedback(ctx, c, id[len(idHelpful):], strings.HasPrefix(id, idHelpful))
	case strings.HasPrefix(id, idAskAgain):
		b.askAgain(ctx, c, strings.TrimPrefix(id, idAskAgain))
	case strings.HasPrefix(id, idEscalate), strings.HasPrefix(id, idResolve):
		b.escalationButton(ctx, c, id)
	case strings.HasPrefix(id, idCaptureOne), strings.HasPrefix(id, idCaptureThread):
		b.captureButton(ctx, c, id)
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

// record finds a stored answer, only within the scope it was given in;
// ok is false when the user has been told why not.
func (b *Bot) record(ctx context.Context, c *ictx, key string) (StoredAnswer, bool) {
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		b.logErr(c, c.say(ctx, msgExpired))
		return StoredAnswer{}, false
	}
	rec, ok, err := b.cfg.Answers.Answer(ctx, id)
	switch {
	case err != nil:
		c.log.Error("discord stored answer not read", slog.Int64("answer_id", id), slog.Any("err", err))
		b.logErr(c, c.say(ctx, msgNoStore))
		return StoredAnswer{}, false
	case !ok || rec.GuildID != c.i.GuildID || (rec.GuildID == "" && rec.ChannelID != c.i.ChannelID):
		b.logErr(c, c.say(ctx, msgExpired))
		return StoredAnswer{}, false
	}
	return rec, true
}

func (b *Bot) feedback(ctx context.Context, c *ictx, key string, helpful bool) {
	rec, ok := b.record(ctx, c, key)
	if !ok {
		return
	}
	ids := make([]int64, 0, len(rec.Sources))
	for _, s := range rec.Sources {
		ids = append(ids, s.Passage.ChunkID)
	}
	f := Feedback{GuildID: rec.GuildID, ChannelID: rec.ChannelID, UserID: c.userID(), Collection: rec.Collection,
		Question: rec.Question, Answer: rec.Text, ChunkIDs: ids, Helpful: helpful, At: time.Now(), AnswerID: rec.ID}
	if err := b.cfg.Library.SaveFeedback(ctx, f); err != nil {
		c.log.Error("discord feedback not saved", slog.Any("err", err))
		b.logErr(c, c.say(ctx, "Sorry, I couldn't record that feedback."))
		return
	}
	b.logErr(c, c.say(ctx, "Thanks — your feedback was recorded."))
}
