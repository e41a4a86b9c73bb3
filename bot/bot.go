// Package bot is citebot's Discord layer: slash commands, mentions and
// threads, answer rendering within Discord's limits, per-guild scoping,
// rate limits and a bounded worker pool, over a discordgo session. It
// consumes small interfaces (Answerer, Summarizer, Library, Ingester) that
// the store and pipeline implement.
//
// Scopes: a guild's default collection is "guild-<guildID>"; admins may
// map a channel to a named collection, stored as "guild-<guildID>-<name>",
// so one guild can never reach another's documents. DMs use
// Config.DMCollection and are declined when it is empty.
//
// Every answer is stored through Config.Answers before it is posted; the
// buttons under it carry the stored id, and a thread's conversation
// history is read back from the stored answers, so both survive restarts
// and work on any replica.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Config configures a Bot. Zero durations and sizes take the defaults
// noted.
type Config struct {
	// Answerer answers /ask and mentions; required.
	Answerer Answerer
	// Summarizer serves /summary; optional (the command then says it is
	// unavailable).
	Summarizer Summarizer
	// Library lists, forgets and maps documents and stores feedback;
	// required.
	Library Library
	// Answers stores answers and conversations; required.
	Answers Answers
	// Ingester serves /ingest and /reingest; optional.
	Ingester Ingester
	// Jobs queues /ingest and /reingest, which run in the background;
	// required with an Ingester.
	Jobs Jobs
	// Escalations stores escalation roles and escalated answers; optional
	// (without it there is no /escalation and no "Ask a person" button).
	Escalations Escalations
	// Capture adds messages through the "Add to knowledge" context menu;
	// optional (the command is not registered without it).
	Capture Capturer
	// RunJob runs queued jobs of kinds other than the bot's own (e.g. an
	// ingest queued from the command line); optional.
	RunJob func(ctx context.Context, j Job, progress func(IngestProgress)) (IngestSummary, error)
	// Logger receives structured logs; nil means slog.Default().
	Logger *slog.Logger

	// DevGuildID registers the commands to that guild only (instant);
	// empty registers them globally.
	DevGuildID string
	// MessageContent is whether the privileged Message Content intent is
	// requested; with it, follow-ups in a bot thread need no mention.
	MessageContent bool
	// DMCollection answers DMs from this collection; empty declines DMs.
	DMCollection string
	// Modes stores the channels' response modes (/mode); optional: without
	// it every channel answers mentions only.
	Modes Modes
	// Digest configures the weekly digest (/digest); optional.
	Digest DigestConfig
	// Stale hands out the stale answers whose message is to say so
	// (stale.go); optional.
	Stale StaleNotices

	UserRate  Rate // per user; default 5 per minute, burst 3
	GuildRate Rate // per guild; default 60 per minute, burst 20

	Workers        int           // concurrent answers; default 4
	QueueSize      int           // answers waiting for a worker; default 32
	MaxUploadBytes int64         // default 8 MiB
	EditInterval   time.Duration // between streamed edits; default 1.5 s
	TypingInterval time.Duration // typing refresh; default 8 s
	AnswerTimeout  time.Duration // one answer; default 2 min
	ShutdownGrace  time.Duration // answers in flight at shutdown; default 20 s
	HistoryTurns   int           // turns of history per thread; default 6
	JobWorkers     int           // jobs run at once by this process; default 1
	JobLease       time.Duration // a job's lease, renewed every third of it; default 1 min
	JobPoll        time.Duration // between looks for queued jobs; default 5 s
	JobTimeout     time.Duration // one job; default 1 h
	MaxJobAttempts int           // claims of a job before it is failed; default 3
	StalePoll      time.Duration // between looks for stale answers to mark; default 30 s
	// Observer receives rate-limit refusals, queue depth and send errors;
	// optional.
	Observer Observer
}

func (c *Config) defaults() {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Observer == nil {
		c.Observer = noObserver{}
	}
	if c.UserRate == (Rate{}) {
		c.UserRate = Rate{Burst: 3, Every: 12 * time.Second}
	}
	if c.GuildRate == (Rate{}) {
		c.GuildRate = Rate{Burst: 20, Every: time.Second}
	}
	setDefault(&c.Workers, 4)
	setDefault(&c.QueueSize, 32)
	setDefault(&c.MaxUploadBytes, 8<<20)
	setDefault(&c.EditInterval, 1500*time.Millisecond)
	setDefault(&c.TypingInterval, 8*time.Second)
	setDefault(&c.AnswerTimeout, 2*time.Minute)
	setDefault(&c.ShutdownGrace, 20*time.Second)
	setDefault(&c.HistoryTurns, 6)
	setDefault(&c.JobWorkers, 1)
	setDefault(&c.JobLease, time.Minute)
	setDefault(&c.JobPoll, 5*time.Second)
	setDefault(&c.JobTimeout, time.Hour)
	setDefault(&c.MaxJobAttempts, 3)
	c.Digest.defaults()
	setDefault(&c.StalePoll, 30*time.Second)
}

func setDefault[T int | int64 | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Intents are the gateway intents the bot needs: guilds and guild
// messages, plus the privileged message content intent when asked.
func Intents(messageContent bool) discordgo.Intent {
	i := discordgo.IntentsGuilds | discordgo.IntentsGuildMessages
	if messageContent {
		i |= discordgo.IntentMessageContent
	}
	return i
}

// Bot answers questions on Discord. Build it with New and start it with
// Run.
type Bot struct {
	s   *discordgo.Session
	cfg Config
	log *slog.Logger

	cmds     map[string]*command
	users    *buckets
	guilds   *buckets
	pool     *pool
	seen     *seenSet
	track    tracker
	workCtx  context.Context
	stopWork context.CancelFunc
	// owner names this process on the jobs it claims; jobWake wakes a
	// worker when a job is queued here.
	owner   string
	jobWake chan struct{}
	// staleWake wakes the stale-answer notifier (stale.go).
	staleWake chan struct{}
	// connected is true between READY (or RESUMED) and a disconnect.
	connected atomic.Bool
}

// Observer receives operational events, for metrics; *ops.Metrics
// implements it.
type Observer interface {
	RateLimited(scope string)
	QueueDepth(n int)
	Error(kind string)
}

// noObserver is the Observer used when none is configured.
type noObserver struct{}

func (noObserver) RateLimited(string) {}
func (noObserver) QueueDepth(int)     {}
func (noObserver) Error(string)       {}

// Connected reports whether the gateway session is up, for readiness
// checks.
func (b *Bot) Connected() bool { return b.connected.Load() }

// New builds a Bot on s, which should come from NewSession with
// Intents(cfg.MessageContent).
func New(s *discordgo.Session, cfg Config) (*Bot, error) {
	if s == nil || cfg.Answerer == nil || cfg.Library == nil || cfg.Answers == nil {
		return nil, errors.New("bot needs a session, an answerer, a library and an answer store")
	}
	if cfg.Ingester != nil && cfg.Jobs == nil {
		return nil, errors.New("bot needs a job queue to ingest")
	}
	cfg.defaults()
	b := &Bot{
		s: s, cfg: cfg, log: cfg.Logger,
		users:     newBuckets(cfg.UserRate, 10000, time.Now),
		guilds:    newBuckets(cfg.GuildRate, 10000, time.Now),
		pool:      newPool(cfg.Workers, cfg.QueueSize),
		seen:      newSeenSet(8192),
		owner:     newOwner(),
		jobWake:   make(chan struct{}, 1),
		staleWake: make(chan struct{}, 1),
	}
	b.workCtx, b.stopWork = context.WithCancel(context.Background())
	b.cmds = map[string]*command{}
	for _, c := range b.registry() {
		b.cmds[c.def.Name] = c
	}
	return b, nil
}

// Run connects, registers the commands and serves until ctx ends; then it
// stops taking work, lets answers in flight finish (up to
// Config.ShutdownGrace) and disconnects.
func (b *Bot) Run(ctx context.Context) error {
	removers := []func(){
		b.s.AddHandler(func(_ *discordgo.Session, e *discordgo.InteractionCreate) { b.onInteraction(e.Interaction) }),
		b.s.AddHandler(func(_ *discordgo.Session, e *discordgo.MessageCreate) { b.onMessage(e.Message) }),
		b.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Ready) { b.connected.Store(true) }),
		b.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) { b.connected.Store(true) }),
		b.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) { b.connected.Store(false) }),
	}
	defer func() {
		for _, r := range removers {
			r()
		}
	}()
	if err := b.open(); err != nil {
		return err
	}
	if err := b.RegisterCommands(ctx); err != nil {
		_ = b.s.Close()
		if ctx.Err() != nil {
			return nil // stopped while starting up: a shutdown, not a failure
		}
		return err
	}
	b.log.Info("discord bot ready", slog.String("user_id", b.selfID()), slog.Bool("message_content", b.cfg.MessageContent))
	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	waitJobs := b.startJobs(jobsCtx)
	waitDigests := b.startDigests(jobsCtx)
	waitStale := b.startStale(jobsCtx)
	<-ctx.Done()
	stopJobs() // running jobs are handed back for the next process to resume
	waitDigests()
	waitStale()
	b.shutdown(waitJobs)
	return nil
}

func (b *Bot) open() error {
	err := apiErr(b.s, b.s.Open())
	var ce *websocket.CloseError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce) && ce.Code == 4014:
		return fmt.Errorf("discord refused the gateway intents (close 4014): turn on Developer Portal → Bot → Privileged Gateway Intents → Message Content Intent, or run without the message content option: %w", err)
	case errors.As(err, &ce) && ce.Code == 4004:
		return fmt.Errorf("discord rejected the bot token (close 4004): %w", err)
	}
	return fmt.Errorf("connect to discord gateway: %w", err)
}

func (b *Bot) shutdown(waitJobs func()) {
	b.log.Info("discord bot stopping", slog.Int("in_flight", b.track.count()))
	if !b.track.drain(b.cfg.ShutdownGrace) {
		b.log.Warn("discord answers cut short at shutdown", slog.Int("in_flight", b.track.count()))
	}
	waitJobs()
	b.stopWork()
	if err := b.s.Close(); err != nil {
		b.log.Warn("discord close", slog.Any("err", err))
	}
}

// tracker counts work in flight and refuses new work once draining.
type tracker struct {
	mu       sync.Mutex
	n        int
	draining bool
	idle     chan struct{}
}

func (t *tracker) begin() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.draining {
		return false
	}
	t.n++
	return true
}

func (t *tracker) end() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n--
	if t.n == 0 && t.idle != nil {
		close(t.idle)
		t.idle = nil
	}
}

func (t *tracker) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// drain refuses new work and waits up to grace for work in flight.
func (t *tracker) drain(grace time.Duration) bool {
	t.mu.Lock()
	t.draining = true
	if t.n == 0 {
		t.mu.Unlock()
		return true
	}
	idle := make(chan struct{})
	t.idle = idle
	t.mu.Unlock()
	select {
	case <-idle:
		return true
	case <-time.After(grace):
		return false
	}
}

// selfID is the bot user's id (also the application id), from READY.
func (b *Bot) selfID() string {
	b.s.State.RLock()
	defer b.s.State.RUnlock()
	if b.s.State.User == nil {
		return ""
	}
	return b.s.State.User.ID
}

// GuildCollection is a guild's default collection.
func GuildCollection(guildID string) string { return "guild-" + guildID }

// NamedCollection is the collection a guild's admins call name.
func NamedCollection(guildID, name string) string { return "guild-" + guildID + "-" + name }

// collection resolves where a question asked in a channel is answered:
// the channel's mapping (or its parent's, for a thread), else the guild's
// default; DMs use Config.DMCollection. ok is false when there is none.
func (b *Bot) collection(ctx context.Context, guildID, channelID string) (string, bool, error) {
	if guildID == "" {
		return b.cfg.DMCollection, b.cfg.DMCollection != "", nil
	}
	for _, ch := range b.channelAndParent(ctx, channelID) {
		c, ok, err := b.cfg.Library.ChannelCollection(ctx, guildID, ch)
		if err != nil {
			return "", false, fmt.Errorf("channel collection: %w", err)
		}
		if ok && (c == GuildCollection(guildID) || strings.HasPrefix(c, GuildCollection(guildID)+"-")) {
			return c, true, nil
		}
	}
	return GuildCollection(guildID), true, nil
}

// channelAndParent returns the channel and, for a thread, its parent.
func (b *Bot) channelAndParent(ctx context.Context, channelID string) []string {
	out := []string{channelID}
	if c := b.channel(ctx, channelID); c != nil && c.IsThread() && c.ParentID != "" {
		out = append(out, c.ParentID)
	}
	return out
}

// channel looks a channel up in the state, else over REST (caching it);
// nil when neither knows it.
func (b *Bot) channel(ctx context.Context, channelID string) *discordgo.Channel {
	if c, err := b.s.State.Channel(channelID); err == nil {
		return c
	}
	c, err := b.s.Channel(channelID, discordgo.WithContext(ctx))
	if err != nil {
		b.log.Debug("discord channel lookup failed", slog.String("channel_id", channelID), slog.Any("err", err))
		return nil
	}
	_ = b.s.State.ChannelAdd(c)
	return c
}
