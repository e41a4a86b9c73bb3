package bot_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/rag"
)

const wait = 20 * time.Second

// fakeAnswerer answers "Answer to <question> [1]." citing one passage,
// records requests and can be held until released.
type fakeAnswerer struct {
	mu       sync.Mutex
	reqs     []rag.Request
	text     func(q string) string
	partials []string
	hold     chan struct{} // when not nil, Answer waits for it to close
	started  chan string   // when not nil, receives each question on start
}

func (f *fakeAnswerer) Answer(ctx context.Context, req rag.Request, partial func(string)) (*rag.Answer, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	hold, started, text, partials := f.hold, f.started, f.text, f.partials
	f.mu.Unlock()
	if started != nil {
		started <- req.Question
	}
	for _, p := range partials {
		if partial != nil {
			partial(p)
		}
	}
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	t := "Answer to " + req.Question + " [1]."
	if text != nil {
		t = text(req.Question)
	}
	p := rag.Passage{ChunkID: 42, DocumentID: 7, Title: "Install guide", Source: "https://docs.example.com/install",
		HeadingPath: []string{"Setup", "Linux"}, Text: "Run make install."}
	return &rag.Answer{Question: req.Question, Text: t, Sources: []rag.Source{{N: 1, Passage: p}}, Mode: "extractive"}, nil
}

func (f *fakeAnswerer) requests() []rag.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]rag.Request(nil), f.reqs...)
}

type fakeSummarizer struct{}

func (fakeSummarizer) Summarize(_ context.Context, collection, document, topic string) (*rag.Answer, error) {
	return &rag.Answer{Text: fmt.Sprintf("Summary of %s in %s.", document, collection)}, nil
}

// fakeLibrary keeps documents, mappings and feedback in memory.
type fakeLibrary struct {
	mu       sync.Mutex
	docs     map[string][]rag.DocumentInfo
	maps     map[string]string
	feedback []bot.Feedback
	delay    time.Duration // ChannelCollection sleeps this long
}

func newLibrary() *fakeLibrary {
	return &fakeLibrary{docs: map[string][]rag.DocumentInfo{}, maps: map[string]string{}}
}

func (l *fakeLibrary) setDelay(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.delay = d
}

func (l *fakeLibrary) add(coll string, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range n {
		l.docs[coll] = append(l.docs[coll], rag.DocumentInfo{ID: int64(i + 1), Collection: coll,
			Source: fmt.Sprintf("docs/page-%02d.md", i), Title: fmt.Sprintf("Page %02d", i), Chunks: 3})
	}
}

func (l *fakeLibrary) Documents(_ context.Context, coll string, offset, limit int) ([]rag.DocumentInfo, int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := l.docs[coll]
	end := min(offset+limit, len(d))
	if offset >= len(d) {
		return nil, len(d), nil
	}
	return append([]rag.DocumentInfo(nil), d[offset:end]...), len(d), nil
}

func (l *fakeLibrary) SearchDocuments(_ context.Context, coll, prefix string, limit int) ([]rag.DocumentInfo, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []rag.DocumentInfo
	for _, d := range l.docs[coll] {
		if strings.Contains(strings.ToLower(d.Title), strings.ToLower(prefix)) && len(out) < limit {
			out = append(out, d)
		}
	}
	return out, nil
}

func (l *fakeLibrary) Forget(_ context.Context, coll, source string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, d := range l.docs[coll] {
		if d.Source == source {
			l.docs[coll] = append(l.docs[coll][:i], l.docs[coll][i+1:]...)
			return true, nil
		}
	}
	return false, nil
}

func (l *fakeLibrary) SaveFeedback(_ context.Context, f bot.Feedback) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.feedback = append(l.feedback, f)
	return nil
}

func (l *fakeLibrary) feedbacks() []bot.Feedback {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]bot.Feedback(nil), l.feedback...)
}

func (l *fakeLibrary) ChannelCollection(_ context.Context, guildID, channelID string) (string, bool, error) {
	l.mu.Lock()
	d := l.delay
	l.mu.Unlock()
	time.Sleep(d)
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.maps[guildID+"/"+channelID]
	return c, ok, nil
}

func (l *fakeLibrary) MapChannel(_ context.Context, guildID, channelID, coll string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maps[guildID+"/"+channelID] = coll
	return nil
}

// fakeIngester records what it was asked to ingest.
type fakeIngester struct {
	mu      sync.Mutex
	uploads map[string][]byte
	resyncs []string
	crawls  []string
	hold    chan struct{} // when not nil, Resync waits for it to close
}

func (f *fakeIngester) setHold(c chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hold = c
}

func (f *fakeIngester) resyncCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.resyncs)
}

func (f *fakeIngester) IngestUpload(_ context.Context, coll, filename string, data []byte, progress func(bot.IngestProgress)) (bot.IngestSummary, error) {
	f.mu.Lock()
	f.uploads[coll+"/"+filename] = data
	f.mu.Unlock()
	progress(bot.IngestProgress{Done: 1, Total: 1, Current: filename})
	return bot.IngestSummary{Added: 1, Chunks: 4}, nil
}

func (f *fakeIngester) IngestURL(_ context.Context, coll, url string, progress func(bot.IngestProgress)) (bot.IngestSummary, error) {
	return bot.IngestSummary{Added: 1, Chunks: 2}, nil
}

func (f *fakeIngester) CrawlURL(_ context.Context, coll, url string, progress func(bot.IngestProgress)) (bot.IngestSummary, error) {
	f.mu.Lock()
	f.crawls = append(f.crawls, coll+" "+url)
	f.mu.Unlock()
	return bot.IngestSummary{Added: 3, Chunks: 6}, nil
}

func (f *fakeIngester) crawled() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.crawls)
}

func (f *fakeIngester) Resync(ctx context.Context, coll string, progress func(bot.IngestProgress)) (bot.IngestSummary, error) {
	f.mu.Lock()
	f.resyncs = append(f.resyncs, coll)
	hold := f.hold
	f.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return bot.IngestSummary{}, ctx.Err()
		}
	}
	for i := range 3 {
		progress(bot.IngestProgress{Done: i + 1, Total: 3})
	}
	return bot.IngestSummary{Updated: 2, Unchanged: 1, Chunks: 9}, nil
}

func (f *fakeIngester) upload(key string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.uploads[key]
	return d, ok
}

// harness runs a Bot on a fake Discord.
type harness struct {
	srv  *discordtest.Server
	bot  *bot.Bot
	ans  *fakeAnswerer
	lib  *fakeLibrary
	ing  *fakeIngester
	st   *fakeAnswers
	jobs *fakeJobs
	stop func()
}

const (
	guildA   = "111"
	guildB   = "222"
	chanA    = "1001"
	chanB    = "2001"
	devGuild = "999"
)

var (
	member = discordtest.Invoker{GuildID: guildA, ChannelID: chanA, UserID: "501", Permissions: discordgo.PermissionSendMessages}
	admin  = discordtest.Invoker{GuildID: guildA, ChannelID: chanA, UserID: "502", Permissions: discordgo.PermissionManageGuild}
)

func start(t testing.TB, opts discordtest.Options, tweak func(*bot.Config)) *harness {
	t.Helper()
	h := &harness{srv: discordtest.New(t, opts), ans: &fakeAnswerer{}, lib: newLibrary(), ing: &fakeIngester{uploads: map[string][]byte{}},
		st: &fakeAnswers{}, jobs: &fakeJobs{}}
	h.run(t, tweak)
	h.srv.GuildCreate(t, guildA, "Guild A", chanA)
	h.srv.GuildCreate(t, guildB, "Guild B", chanB)
	return h
}

// restart stops the harness's bot and starts a new one on the same fake
// Discord and the same stores, as a restart or a second replica would.
func (h *harness) restart(t testing.TB, tweak func(*bot.Config)) {
	t.Helper()
	stop := h.stop
	h.stop = nil
	stop()
	h.run(t, tweak)
}

func (h *harness) run(t testing.TB, tweak func(*bot.Config)) {
	t.Helper()
	cfg := bot.Config{Answerer: h.ans, Summarizer: fakeSummarizer{}, Library: h.lib, Ingester: h.ing, Answers: h.st, Jobs: h.jobs, DevGuildID: devGuild,
		Logger: discardLogger(), ShutdownGrace: 5 * time.Second, EditInterval: 50 * time.Millisecond,
		UserRate: bot.Rate{Burst: 1000, Every: time.Millisecond}, GuildRate: bot.Rate{Burst: 1000, Every: time.Millisecond}}
	if tweak != nil {
		tweak(&cfg)
	}
	s, err := bot.NewSession(h.srv.Token(), bot.SessionConfig{APIBase: h.srv.APIBase(), Intents: bot.Intents(cfg.MessageContent)})
	if err != nil {
		t.Fatal(err)
	}
	if h.bot, err = bot.New(s, cfg); err != nil {
		t.Fatal(err)
	}
	const register = "PUT /applications/{app}/guilds/{guild}/commands"
	registered := len(h.srv.CallsTo(register))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.bot.Run(ctx) }()
	h.stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}
	if registered == 0 {
		t.Cleanup(func() {
			if h.stop != nil {
				h.stop()
			}
		})
	}
	// Ready once this bot has registered its commands (a restart finds the
	// first bot's commands already there).
	discordtest.WaitFor(t, func() bool { return len(h.srv.CallsTo(register)) > registered }, wait)
}

// original waits for an interaction's original response to satisfy pred.
func (h *harness) original(t testing.TB, i *discordgo.Interaction, pred func(discordgo.Message) bool) discordgo.Message {
	t.Helper()
	var m discordgo.Message
	discordtest.WaitFor(t, func() bool {
		var ok bool
		m, ok = h.srv.Original(i.Token)
		return ok && pred(m)
	}, wait)
	return m
}

func answered(m discordgo.Message) bool { return strings.HasPrefix(m.Content, "Answer to") }

// callbacks returns the callback bodies sent for an interaction.
func (h *harness) callbacks(i *discordgo.Interaction) []discordtest.Call {
	var out []discordtest.Call
	for _, c := range h.srv.CallsTo("POST /interactions/{id}/{token}/callback") {
		if strings.Contains(c.Path, "/"+i.ID+"/") {
			out = append(out, c)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fakeAnswers is an in-memory answer store; down makes every call fail,
// as a database outage would. Two bots sharing one play two replicas, or
// one bot before and after a restart.
type fakeAnswers struct {
	mu        sync.Mutex
	answers   []bot.StoredAnswer
	down      bool
	readDelay time.Duration // Answer sleeps this long
}

func (f *fakeAnswers) setReadDelay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.readDelay = d
}

var errDown = fmt.Errorf("connect: database unavailable")

func (f *fakeAnswers) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

func (f *fakeAnswers) SaveAnswer(_ context.Context, a bot.StoredAnswer) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return 0, errDown
	}
	a.ID = int64(len(f.answers) + 1)
	f.answers = append(f.answers, a)
	return a.ID, nil
}

func (f *fakeAnswers) AnswerPosted(_ context.Context, id int64, threadID, messageID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return errDown
	}
	f.answers[id-1].ThreadID, f.answers[id-1].MessageID = threadID, messageID
	return nil
}

func (f *fakeAnswers) Answer(_ context.Context, id int64) (bot.StoredAnswer, bool, error) {
	f.mu.Lock()
	d := f.readDelay
	f.mu.Unlock()
	time.Sleep(d)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return bot.StoredAnswer{}, false, errDown
	}
	if id < 1 || id > int64(len(f.answers)) {
		return bot.StoredAnswer{}, false, nil
	}
	return f.answers[id-1], true, nil
}

func (f *fakeAnswers) ThreadTurns(_ context.Context, threadID string, n int) ([]rag.Turn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, errDown
	}
	var out []rag.Turn
	for _, a := range f.answers {
		if a.ThreadID == threadID && threadID != "" && !a.Private {
			out = append(out, rag.Turn{Question: a.Question, Answer: a.Text})
		}
	}
	return out[max(0, len(out)-n):], nil
}

func (f *fakeAnswers) all() []bot.StoredAnswer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bot.StoredAnswer(nil), f.answers...)
}

// customID returns the custom_id of m's button whose id starts with
// prefix, failing the test when there is none.
func customID(t testing.TB, m discordgo.Message, prefix string) string {
	t.Helper()
	for _, c := range m.Components {
		row, ok := c.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, rc := range row.Components {
			if b, ok := rc.(*discordgo.Button); ok && strings.HasPrefix(b.CustomID, prefix) {
				return b.CustomID
			}
		}
	}
	t.Fatalf("no %q button on message %+v", prefix, m.Components)
	return ""
}

// fakeJobs is an in-memory job queue with leases, as the store keeps it.
type fakeJobs struct {
	mu   sync.Mutex
	jobs []*fakeJob
}

type fakeJob struct {
	bot.Job
	state    string // queued, running, done, failed
	owner    string
	lease    time.Time
	progress bot.IngestProgress
	sum      bot.IngestSummary
	failure  string
}

func (f *fakeJobs) EnqueueJob(_ context.Context, j bot.Job) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j.ID = int64(len(f.jobs) + 1)
	f.jobs = append(f.jobs, &fakeJob{Job: j, state: "queued"})
	return j.ID, nil
}

func (f *fakeJobs) ClaimJob(_ context.Context, owner string, lease time.Duration) (bot.Job, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, j := range f.jobs {
		if j.state == "queued" || (j.state == "running" && time.Now().After(j.lease)) {
			j.state, j.owner, j.lease = "running", owner, time.Now().Add(lease)
			j.Attempts++
			return j.Job, true, nil
		}
	}
	return bot.Job{}, false, nil
}

func (f *fakeJobs) held(id int64, owner string) (*fakeJob, error) {
	j := f.jobs[id-1]
	if j.owner != owner || j.state != "running" {
		return nil, bot.ErrLeaseLost
	}
	return j, nil
}

func (f *fakeJobs) HeartbeatJob(_ context.Context, id int64, owner string, p bot.IngestProgress, lease time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	j, err := f.held(id, owner)
	if err == nil {
		j.lease, j.progress = time.Now().Add(lease), p
	}
	return err
}

func (f *fakeJobs) FinishJob(_ context.Context, id int64, owner string, sum bot.IngestSummary, failure string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	j, err := f.held(id, owner)
	if err == nil {
		j.state, j.sum, j.failure = "done", sum, failure
		if failure != "" {
			j.state = "failed"
		}
	}
	return err
}

func (f *fakeJobs) ReleaseJob(_ context.Context, id int64, owner string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if j, err := f.held(id, owner); err == nil {
		j.lease = time.Now().Add(-time.Millisecond)
	}
	return nil
}

func (f *fakeJobs) SetJobMessage(_ context.Context, id int64, messageID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs[id-1].MessageID = messageID
	return nil
}

func (f *fakeJobs) job(id int64) fakeJob {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.jobs[id-1]
}
