package cli

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/ops"
	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/loader"
	"github.com/citebot/citebot/rag/source"
	"github.com/citebot/citebot/rag/store"
)

const noTokenHelp = `DISCORD_TOKEN is not set, so citebot answers here in the terminal instead of on Discord.
To connect Discord: create an application and a bot at https://discord.com/developers/applications,
invite it with the scopes "bot" and "applications.commands", then run: DISCORD_TOKEN=... make run
(README.md, "Connecting a Discord application", has the details).
`

func cmdServe(ctx context.Context, e *env, args []string) error {
	if err := e.parseNoArgs(args, true, nil, ""); err != nil {
		return err
	}
	if e.cfg.DiscordToken == "" {
		fmt.Fprint(e.io.Stderr, noTokenHelp)
		return e.chat(ctx)
	}
	var pk ed25519.PublicKey
	if e.cfg.InteractionsAddr != "" {
		var err error
		if pk, err = publicKey(e.cfg.PublicKey); err != nil {
			return err
		}
	}
	if e.cfg.MetricsAddr != "" {
		e.metrics = ops.New()
	}
	svc, err := e.services(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	b, err := e.discordBot(svc)
	if err != nil {
		return err
	}
	fns := []func(context.Context) error{b.Run, func(ctx context.Context) error {
		return enforceRetention(ctx, e.logger, svc.store, e.cfg.Retention)
	}}
	if e.cfg.SyncInterval > 0 {
		runner := e.sourceRunner(svc)
		fns = append(fns, func(ctx context.Context) error { return runner.Schedule(ctx, svc.store, e.cfg.SyncInterval) })
	}
	if e.cfg.InteractionsAddr != "" {
		fns = append(fns, func(ctx context.Context) error {
			return serveHTTP(ctx, e, e.cfg.InteractionsAddr, b.InteractionsHandler(bot.HTTPConfig{PublicKey: pk}))
		})
	}
	if e.cfg.ConsoleAddr != "" {
		fns = append(fns, func(ctx context.Context) error { return e.serveConsole(ctx, svc) })
	}
	if e.metrics != nil {
		fns = append(fns, func(ctx context.Context) error {
			return ops.Serve(ctx, e.cfg.MetricsAddr, e.metrics, ops.HandlerOptions{Logger: e.logger,
				Checks: []ops.Check{ops.DatabaseCheck(svc.store), ops.FlagCheck("gateway", b.Connected)}})
		})
	}
	return runAll(ctx, fns...)
}

// discordBot wires the Discord layer to the pipeline, the store and the
// ingester.
func (e *env) discordBot(svc *services) (*bot.Bot, error) {
	sess, err := bot.NewSession(e.cfg.DiscordToken, bot.SessionConfig{APIBase: e.cfg.DiscordAPI,
		Intents: bot.Intents(e.cfg.MessageContent), ShardID: e.cfg.ShardID, ShardCount: e.cfg.ShardCount})
	if err != nil {
		return nil, fmt.Errorf("discord session: %w", err)
	}
	up := &uploads{store: svc.store, in: e.ingester(svc), sources: e.sourceRunner(svc), metrics: e.metrics,
		scrub: ops.NewScrubber(e.secrets()...), opts: e.loaderOptions(), crawlDelay: e.cfg.CrawlDelay,
		gate: e.gatedResyncs(svc)}
	cfg := bot.Config{Answerer: ops.InstrumentAnswerer(svc.pipeline, e.metrics), Summarizer: svc.pipeline,
		Library: library{svc.store}, Answers: answers{svc.store}, Jobs: jobs{svc.store}, RunJob: e.runQueued(svc),
		Logger: e.logger, DevGuildID: e.cfg.DevGuild,
		MessageContent: e.cfg.MessageContent, DMCollection: e.cfg.Collection, Modes: svc.store,
		Digest: bot.DigestConfig{Store: digests{svc.store}},
		Stale:  staleNotices{svc.store}, StalePoll: e.cfg.StalePoll,
		Ingester: up, Capture: up, Escalations: escalations{svc.store}}
	if e.metrics != nil {
		cfg.Observer = e.metrics
	}
	reporter, err := e.reporter(svc)
	if err != nil {
		return nil, err
	}
	cfg.Gaps, cfg.Digest.Gaps = reporter, digestGaps(reporter)
	if e.cfg.StoreQuestions { // a reason is text: not asked for when questions are not stored
		cfg.Reasons = reasons{svc.store}
	}
	b, err := bot.New(sess, cfg)
	if err != nil {
		return nil, fmt.Errorf("discord bot: %w", err)
	}
	return b, nil
}

// publicKey decodes the application's hex Ed25519 public key.
func publicKey(s string) (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("--public-key (DISCORD_PUBLIC_KEY): want the application's 64-hex-digit public key " +
			"from the developer portal, needed with --interactions-addr")
	}
	return ed25519.PublicKey(b), nil
}

// runAll runs the functions until the first one returns, then cancels
// the others and waits for them; it returns the first error.
func runAll(ctx context.Context, fns ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(fns))
	for _, fn := range fns {
		go func() { errs <- fn(ctx) }()
	}
	first := <-errs
	cancel()
	for range len(fns) - 1 {
		<-errs
	}
	return first
}

// serveHTTP serves h on addr until ctx ends, then shuts down gracefully.
// The listener is open to the internet: ops.PublicLimits bound its
// connections, timeouts and headers.
func serveHTTP(ctx context.Context, e *env, addr string, h http.Handler) error {
	srv, ln, err := ops.NewServer(ctx, addr, h, ops.PublicLimits)
	if err != nil {
		return err
	}
	e.logger.InfoContext(ctx, "http listening", "addr", ln.Addr().String())
	return ops.Run(ctx, srv, ln, 10*time.Second)
}

// library adapts the store to what the Discord layer reads and writes.
type library struct{ *store.Store }

func (l library) Forget(ctx context.Context, collection, source string) (bool, error) {
	return l.DeleteDocument(ctx, collection, source)
}

func (l library) SaveFeedback(ctx context.Context, f bot.Feedback) error {
	return l.Store.SaveFeedback(ctx, storeFeedback(f))
}

// uploadPrefix marks documents that came as Discord attachments: they
// have no source to read again, so a re-sync keeps them as they are.
const uploadPrefix = "upload:"

// uploads is the Discord layer's ingester: attachments, URLs, crawls and re-syncs.
type uploads struct {
	store      *store.Store
	in         *ingest.Ingester
	sources    *source.Runner
	opts       loader.Options
	crawlDelay time.Duration
	metrics    *ops.Metrics
	scrub      *ops.Scrubber // failures are shown on Discord: no configured secret in them
	gate       *gatedResyncs
}

func (u *uploads) IngestUpload(ctx context.Context, collection, filename string, data []byte, progress func(bot.IngestProgress)) (bot.IngestSummary, error) {
	doc, err := loader.Load(ctx, filename, bytes.NewReader(data), u.opts)
	if err != nil {
		return u.summary(ingest.Summary{Failed: 1, Failures: []ingest.Failure{{Source: filename, Err: err.Error()}}}), nil
	}
	doc.Source = uploadPrefix + filename
	sum, err := u.in.IngestDocuments(ctx, collection, []*loader.Document{doc}, ingest.Options{Progress: adapt(progress)})
	return u.summary(sum), err
}

func (u *uploads) IngestURL(ctx context.Context, collection, url string, progress func(bot.IngestProgress)) (bot.IngestSummary, error) {
	return u.addSource(ctx, collection, source.Spec{Kind: store.SourceKindURL, Location: url}, progress)
}

func (u *uploads) CrawlURL(ctx context.Context, collection, url string, progress func(bot.IngestProgress)) (bot.IngestSummary, error) {
	return u.addSource(ctx, collection, source.Spec{Kind: store.SourceKindCrawl, Location: url,
		Crawl: source.CrawlOptions{Delay: u.crawlDelay}}, progress)
}

func (u *uploads) addSource(ctx context.Context, collection string, spec source.Spec, progress func(bot.IngestProgress)) (bot.IngestSummary, error) {
	sum, err := u.sources.Add(ctx, collection, []source.Spec{spec}, adaptSources(progress))
	return u.sourceSummary(sum), err
}

// Resync syncs the collection's remembered sources and re-reads the files
// and URLs stored before sources were remembered; uploads and captured
// Discord messages stay as they are.
func (u *uploads) Resync(ctx context.Context, collection string, progress func(bot.IngestProgress)) (bot.IngestSummary, error) {
	sum, err := u.sources.Resync(ctx, keepCaptured{u.store}, collection, adaptSources(progress))
	return u.sourceSummary(sum), err
}

func adaptSources(progress func(bot.IngestProgress)) func(source.Progress) {
	if progress == nil {
		return nil
	}
	return func(p source.Progress) {
		progress(bot.IngestProgress{Done: p.Done, Total: p.Total, Current: cmp.Or(p.Page, p.Result.Location)})
	}
}

// sourceSummary converts a source run for the Discord layer.
func (u *uploads) sourceSummary(s source.Summary) bot.IngestSummary {
	sum := ingest.Summary{Added: s.Added, Updated: s.Changed, Unchanged: s.Unchanged, Removed: s.Removed, Failed: s.Failed}
	for _, r := range s.Sources {
		sum.Failures = append(sum.Failures, r.Failures...)
	}
	return u.summary(sum)
}

func adapt(progress func(bot.IngestProgress)) func(ingest.Progress) {
	if progress == nil {
		return nil
	}
	return func(p ingest.Progress) { progress(bot.IngestProgress{Done: p.Done, Total: p.Total, Current: p.Source}) }
}

// summary counts an ingest in the metrics and converts it for the
// Discord layer.
func (u *uploads) summary(s ingest.Summary) bot.IngestSummary {
	u.metrics.Ingested(ops.IngestCounts{Added: s.Added, Updated: s.Updated, Unchanged: s.Unchanged,
		Removed: s.Removed, Failed: s.Failed, Chunks: s.Chunks})
	out := bot.IngestSummary{Added: s.Added, Updated: s.Updated, Unchanged: s.Unchanged, Removed: s.Removed,
		Failed: s.Failed, Chunks: s.Chunks}
	for _, f := range s.Failures {
		out.Errors = append(out.Errors, u.scrub.Replace(f.Source+": "+f.Err))
	}
	return out
}
