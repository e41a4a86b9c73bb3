package cli_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/embeddings/uselite"
	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/answer"
	"github.com/citebot/citebot/rag/answer/llm"
	"github.com/citebot/citebot/rag/answer/llm/llmtest"
	"github.com/citebot/citebot/rag/retrieve"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/faulttest"
)

// stages records how long each stage of each question took.
type stages struct {
	mu   sync.Mutex
	durs map[string][]time.Duration
	done map[string]time.Time // question -> when its answer was ready
}

func (s *stages) add(stage string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.durs[stage] = append(s.durs[stage], d)
}

type timedRetriever struct {
	r  answer.Retriever
	st *stages
}

func (t timedRetriever) Retrieve(ctx context.Context, c, q string, k int) ([]rag.Passage, error) {
	start := time.Now()
	defer func() { t.st.add("retrieve", time.Since(start)) }()
	return t.r.Retrieve(ctx, c, q, k)
}

type timedChat struct {
	c  answer.ChatModel
	st *stages
}

func (t timedChat) Chat(ctx context.Context, m []llm.Message, p func(string)) (string, error) {
	start := time.Now()
	defer func() { t.st.add("llm", time.Since(start)) }()
	return t.c.Chat(ctx, m, p)
}
func (t timedChat) Model() string { return t.c.Model() }

type timedAnswerer struct {
	p     *answer.Pipeline
	st    *stages
	calls sync.Map // question -> *int
}

func (t *timedAnswerer) Answer(ctx context.Context, req rag.Request, partial func(string)) (*rag.Answer, error) {
	start := time.Now()
	a, err := t.p.Answer(ctx, req, partial)
	t.st.add("answer", time.Since(start))
	t.st.mu.Lock()
	t.st.done[req.Question] = time.Now()
	t.st.mu.Unlock()
	n, _ := t.calls.LoadOrStore(req.Question, new(int))
	t.st.mu.Lock()
	*n.(*int)++
	t.st.mu.Unlock()
	return a, err
}

// BenchmarkLoad sends 200 /ask, 50 at a time, through the fake Discord to
// the real answer pipeline (store, local model, an OpenAI-compatible fake
// LLM) and reports the p99 of each stage; every question must be answered
// exactly once.
func BenchmarkLoad(b *testing.B) {
	env := map[string]string{"DATABASE_URL": dbURL, "CITEBOT_MODEL_DIR": faulttest.ModelDir(b), "CITEBOT_LOG_LEVEL": "warn"}
	if dbURL == "" {
		b.Skip("no database")
	}
	const guild, total, concurrent = "700000000000000009", 200, 50
	if r := run(b, env, "ingest", "--collection", "guild-"+guild, "../rag/ingest/testdata/corpus"); r.err != nil {
		b.Fatalf("ingest: %v", r.err)
	}
	for b.Loop() {
		loadOnce(b, env, guild, total, concurrent)
	}
}

func loadOnce(b *testing.B, env map[string]string, guild string, total, concurrent int) {
	ctx := b.Context()
	st := &stages{durs: map[string][]time.Duration{}, done: map[string]time.Time{}}
	replies := make([]llmtest.Reply, total)
	for i := range replies {
		replies[i] = llmtest.Reply{Chunks: []string{"The on-call engineer answers pages ", "within fifteen minutes [1]."}}
	}
	fakeLLM := llmtest.New(b, "load-model", replies...)
	s, err := store.Open(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	enc, err := uselite.Load(env["CITEBOT_MODEL_DIR"])
	if err != nil {
		b.Fatal(err)
	}
	sm, err := s.EnsureModel(ctx, enc.Name(), enc.Dim())
	if err != nil {
		b.Fatal(err)
	}
	chat, err := llm.New(llm.Config{BaseURL: fakeLLM.URL(), Model: "load-model"})
	if err != nil {
		b.Fatal(err)
	}
	cfg := answer.DefaultConfig()
	cfg.Retriever = timedRetriever{retrieve.New(s, enc, sm, retrieve.DefaultConfig()), st}
	cfg.Embedder, cfg.LLM, cfg.Chunks, cfg.Cache = enc, timedChat{chat, st}, s, s
	p, err := answer.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ans := &timedAnswerer{p: p, st: st}
	srv := discordtest.New(b, discordtest.Options{})
	sess, err := bot.NewSession(srv.Token(), bot.SessionConfig{APIBase: srv.APIBase(), Intents: bot.Intents(false)})
	if err != nil {
		b.Fatal(err)
	}
	bt, err := bot.New(sess, bot.Config{Answerer: ans, Library: emptyLibrary{}, DevGuildID: guild,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		GuildRate: bot.Rate{Burst: 1000, Every: time.Millisecond}, Workers: 4, QueueSize: 64})
	if err != nil {
		b.Fatal(err)
	}
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go bt.Run(bctx)
	srv.WaitFor(b, func() bool { return srv.Readies() > 0 }, 30*time.Second)
	sent := map[string]string{} // interaction token -> question
	for wave := 0; wave < total/concurrent; wave++ {
		var is []*discordgo.Interaction
		for k := range concurrent {
			q := fmt.Sprintf("How quickly must the on-call engineer answer page number %d?", wave*concurrent+k)
			inv := discordtest.Invoker{GuildID: guild, ChannelID: "800000000000000009", UserID: fmt.Sprint(5000 + wave*concurrent + k)}
			i := srv.Command(b, inv, "ask", discordtest.StringOption("question", q))
			sent[i.Token], is = q, append(is, i)
		}
		for _, i := range is {
			srv.WaitFor(b, func() bool {
				m, ok := srv.Original(i.Token)
				return ok && (strings.Contains(m.Content, "fifteen") || strings.Contains(m.Content, "couldn't"))
			}, 2*time.Minute)
		}
	}
	report(b, st, srv, sent, ans)
}

func report(b *testing.B, st *stages, srv *discordtest.Server, sent map[string]string, ans *timedAnswerer) {
	for _, c := range srv.CallsTo("PATCH /webhooks/{app}/{token}/messages/{message}") {
		for tok, q := range sent {
			if len(c.Path) > len(tok) && containsToken(c.Path, tok) {
				st.mu.Lock()
				if d, ok := st.done[q]; ok && !c.At.Before(d) {
					st.durs["deliver"] = append(st.durs["deliver"], c.At.Sub(d))
				}
				st.mu.Unlock()
			}
		}
	}
	calls := 0
	ans.calls.Range(func(_, v any) bool {
		if *v.(*int) != 1 {
			b.Errorf("a question was answered %d times", *v.(*int))
		}
		calls++
		return true
	})
	if calls != len(sent) {
		b.Errorf("%d questions answered, %d asked", calls, len(sent))
	}
	for stage, ds := range st.durs {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		i := int(math.Ceil(0.99*float64(len(ds)))) - 1
		b.ReportMetric(float64(ds[max(i, 0)].Microseconds())/1000, stage+"-p99-ms")
	}
}

func containsToken(path, tok string) bool {
	for i := 0; i+len(tok) <= len(path); i++ {
		if path[i:i+len(tok)] == tok && (i+len(tok) == len(path) || path[i+len(tok)] == '/') {
			return true
		}
	}
	return false
}

// emptyLibrary serves the Discord layer's library calls with nothing.
type emptyLibrary struct{}

func (emptyLibrary) Documents(context.Context, string, int, int) ([]rag.DocumentInfo, int, error) {
	return nil, 0, nil
}
func (emptyLibrary) SearchDocuments(context.Context, string, string, int) ([]rag.DocumentInfo, error) {
	return nil, nil
}
func (emptyLibrary) Forget(context.Context, string, string) (bool, error)     { return false, nil }
func (emptyLibrary) SaveFeedback(context.Context, bot.Feedback) error         { return nil }
func (emptyLibrary) MapChannel(context.Context, string, string, string) error { return nil }
func (emptyLibrary) ChannelCollection(context.Context, string, string) (string, bool, error) {
	return "", false, nil
}
