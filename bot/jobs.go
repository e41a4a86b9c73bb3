package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Job kinds.
const (
	JobUpload = "upload" // an attached file, kept in Job.Data
	JobURL    = "url"    // one http(s) document
	JobCrawl  = "crawl"  // the site under an http(s) URL
	JobResync = "resync" // every source of the collection again
)

// ErrLeaseLost is what Jobs returns when a worker reports on a job it no
// longer holds (its lease ran out and another worker took it over).
var ErrLeaseLost = errors.New("job lease lost")

// Jobs is the durable queue /ingest and /reingest run from: a job is
// claimed by one worker at a time under a lease the worker renews, and a
// job whose worker died is claimed again once its lease runs out.
type Jobs interface {
	EnqueueJob(ctx context.Context, j Job) (int64, error)
	// ClaimJob leases the oldest queued or abandoned job to owner; ok is
	// false when there is none.
	ClaimJob(ctx context.Context, owner string, lease time.Duration) (j Job, ok bool, err error)
	// HeartbeatJob renews the lease and stores progress; ErrLeaseLost when
	// owner no longer holds the job.
	HeartbeatJob(ctx context.Context, id int64, owner string, p IngestProgress, lease time.Duration) error
	// FinishJob ends the job, failed when failure is not empty;
	// ErrLeaseLost when owner no longer holds it.
	FinishJob(ctx context.Context, id int64, owner string, sum IngestSummary, failure string) error
	// ReleaseJob hands a job back at once, for the next worker.
	ReleaseJob(ctx context.Context, id int64, owner string) error
	// SetJobMessage records the channel message that shows the job's
	// progress once the interaction token has expired.
	SetJobMessage(ctx context.Context, id int64, messageID string) error
}

// Job is one background ingest and where its progress is shown.
type Job struct {
	ID         int64
	Kind       string // JobUpload, JobURL, JobCrawl or JobResync
	Collection string
	URL        string
	Filename   string
	Data       []byte
	Args       []string // for kinds Config.RunJob runs
	Attempts   int      // claims so far, this one included
	// The interaction whose original response shows progress while its
	// token lasts, then a message of the bot's own in ChannelID.
	GuildID, ChannelID, AppID, Token string
	TokenAt                          time.Time
	MessageID                        string
}

// tokenLife is how long an interaction token is used to edit the original
// response; Discord honours them for 15 minutes.
const tokenLife = 14 * time.Minute

// tokenGone reports whether Discord refused an interaction token as
// unknown or expired (401 or 404), rather than the message sent with it.
func tokenGone(err error) bool {
	var re *discordgo.RESTError
	return errors.As(err, &re) && re.Response != nil &&
		(re.Response.StatusCode == http.StatusUnauthorized || re.Response.StatusCode == http.StatusNotFound)
}

// newOwner names this process as a job owner.
func newOwner() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// enqueue defers the reply, builds a job in the channel's collection and
// queues it; a worker runs it outside the answer deadline.
func (b *Bot) enqueue(ctx context.Context, c *ictx, what string, build func() (Job, error)) error {
	if err := c.deferReply(ctx, false); err != nil {
		return err
	}
	coll, _, err := b.collection(ctx, c.i.GuildID, c.i.ChannelID)
	if err != nil {
		c.fail(ctx, msgFailed, err)
		return nil
	}
	j, err := build()
	if err != nil {
		msg := what + " failed. Check the file or URL and try again."
		if errors.Is(err, errTooLarge) {
			msg = fmt.Sprintf("That file is too large; the limit is %d MiB.", b.cfg.MaxUploadBytes>>20)
		}
		c.fail(ctx, msg, err)
		return nil
	}
	j.Collection, j.GuildID, j.ChannelID = coll, c.i.GuildID, c.i.ChannelID
	j.AppID, j.Token, j.TokenAt = c.i.AppID, c.i.Token, time.Now()
	// The reply says "queued" before the job exists: once it is enqueued,
	// a worker of any replica may claim it and edit this reply, and no
	// later edit of the handler's may overwrite what the worker showed.
	if err := c.final(ctx, rendered{Content: what + " queued…"}); err != nil {
		return err
	}
	id, err := b.cfg.Jobs.EnqueueJob(ctx, j)
	if err != nil {
		c.fail(ctx, msgNoStore, fmt.Errorf("enqueue job: %w", err))
		return nil
	}
	c.log.Info("discord job queued", slog.Int64("job_id", id), slog.String("kind", j.Kind))
	b.wakeJobs()
	return nil
}

func (b *Bot) wakeJobs() {
	select {
	case b.jobWake <- struct{}{}:
	default:
	}
}

// startJobs runs Config.JobWorkers workers until ctx ends; the returned
// wait blocks until they have handed their jobs back.
func (b *Bot) startJobs(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	if b.cfg.Jobs == nil || b.cfg.Ingester == nil {
		return wg.Wait
	}
	for range b.cfg.JobWorkers {
		wg.Go(func() { b.jobLoop(ctx) })
	}
	return wg.Wait
}

func (b *Bot) jobLoop(ctx context.Context) {
	t := time.NewTicker(b.cfg.JobPoll)
	defer t.Stop()
	for ctx.Err() == nil {
		j, ok, err := b.cfg.Jobs.ClaimJob(ctx, b.owner, b.cfg.JobLease)
		if err != nil && ctx.Err() == nil {
			b.log.Warn("discord job not claimed", slog.Any("err", err))
		}
		if ok {
			b.runJob(ctx, j)
			b.wakeStale() // the job may have made answers stale
			continue
		}
		select {
		case <-ctx.Done():
		case <-b.jobWake:
		case <-t.C:
		}
	}
}

func jobTitle(kind string) string {
	switch kind {
	case JobResync:
		return "Re-sync"
	case JobGatedResync:
		return "Gated re-sync"
	}
	return "Ingest"
}

// runJob runs a claimed job while renewing its lease, and reports it. On
// shutdown it hands the job back; when its lease was lost it leaves the
// job (and its report) to the worker that took it over.
func (b *Bot) runJob(ctx context.Context, j Job) {
	log := b.log.With(slog.Int64("job_id", j.ID), slog.String("kind", j.Kind), slog.Int("attempt", j.Attempts))
	rep := &jobReport{b: b, j: &j, log: log}
	what := jobTitle(j.Kind)
	if j.Attempts > b.cfg.MaxJobAttempts {
		b.endJob(ctx, rep, IngestSummary{}, fmt.Errorf("interrupted %d times", j.Attempts-1))
		return
	}
	log.Info("discord job started")
	jctx, cancel := context.WithTimeout(ctx, b.cfg.JobTimeout)
	defer cancel()
	start := fmt.Sprintf("%s running (job %d)…", what, j.ID)
	if j.Attempts > 1 {
		start = fmt.Sprintf("%s resumed after an interruption (job %d)…", what, j.ID)
	}
	rep.show(jctx, rendered{Content: start})
	hb := b.heartbeat(jctx, cancel, j)
	st := startThrottle(b.cfg.EditInterval, func(text string) { rep.show(jctx, rendered{Content: text}) })
	sum, err := b.execJob(jctx, j, func(p IngestProgress) { hb.set(p); st.set(what + " " + progressBar(p)) })
	st.stop()
	lost := hb.stop()
	switch {
	case lost:
		log.Warn("discord job taken over by another worker")
	case ctx.Err() != nil:
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer rcancel()
		if err := b.cfg.Jobs.ReleaseJob(rctx, j.ID, b.owner); err != nil {
			log.Warn("discord job not released", slog.Any("err", err))
		}
		log.Info("discord job handed back at shutdown")
	default:
		b.endJob(ctx, rep, sum, err)
	}
}

func (b *Bot) execJob(ctx context.Context, j Job, progress func(IngestProgress)) (IngestSummary, error) {
	switch j.Kind {
	case JobUpload:
		return b.cfg.Ingester.IngestUpload(ctx, j.Collection, j.Filename, j.Data, progress)
	case JobURL:
		return b.cfg.Ingester.IngestURL(ctx, j.Collection, j.URL, progress)
	case JobCrawl:
		return b.cfg.Ingester.CrawlURL(ctx, j.Collection, j.URL, progress)
	case JobResync:
		return b.cfg.Ingester.Resync(ctx, j.Collection, progress)
	case JobGatedResync:
		return b.gatedResync(ctx, j, progress)
	}
	if b.cfg.RunJob != nil {
		return b.cfg.RunJob(ctx, j, progress)
	}
	return IngestSummary{}, fmt.Errorf("unknown job kind %q", j.Kind)
}

// endJob stores a job's outcome and shows its final report.
func (b *Bot) endJob(ctx context.Context, rep *jobReport, sum IngestSummary, runErr error) {
	what := jobTitle(rep.j.Kind)
	failure, final := "", renderSummary(what, sum)
	if sum.Gate != nil {
		final = renderGated(sum)
	}
	if runErr != nil {
		failure = runErr.Error()
		final = rendered{Content: what + " failed. Check the file or URL and try again."}
		rep.log.Error("discord job failed", slog.Any("err", runErr))
	}
	if err := b.cfg.Jobs.FinishJob(ctx, rep.j.ID, b.owner, sum, failure); err != nil {
		rep.log.Warn("discord job outcome not stored", slog.Any("err", err))
		if errors.Is(err, ErrLeaseLost) {
			return // the worker that took it over reports it
		}
	}
	rep.log.Info("discord job finished", slog.Bool("failed", runErr != nil))
	rep.final(ctx, final)
}

// beat renews a job's lease with its latest progress every JobLease/3.
type beat struct {
	mu     sync.Mutex
	latest IngestProgress
	lost   bool
	quit   chan struct{}
	done   chan struct{}
}

// heartbeat starts renewing j's lease; when the lease is lost it calls
// cancel, so that the work stops.
func (b *Bot) heartbeat(ctx context.Context, cancel context.CancelFunc, j Job) *beat {
	hb := &beat{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(hb.done)
		t := time.NewTicker(b.cfg.JobLease / 3)
		defer t.Stop()
		for {
			select {
			case <-hb.quit:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			hb.mu.Lock()
			p := hb.latest
			hb.mu.Unlock()
			err := b.cfg.Jobs.HeartbeatJob(ctx, j.ID, b.owner, p, b.cfg.JobLease)
			if errors.Is(err, ErrLeaseLost) {
				hb.mu.Lock()
				hb.lost = true
				hb.mu.Unlock()
				cancel()
				return
			}
			if err != nil && ctx.Err() == nil {
				b.log.Warn("discord job heartbeat failed", slog.Int64("job_id", j.ID), slog.Any("err", err))
			}
		}
	}()
	return hb
}

func (hb *beat) set(p IngestProgress) {
	hb.mu.Lock()
	hb.latest = p
	hb.mu.Unlock()
}

// stop ends the heartbeat and reports whether the lease was lost.
func (hb *beat) stop() bool {
	close(hb.quit)
	<-hb.done
	hb.mu.Lock()
	defer hb.mu.Unlock()
	return hb.lost
}

// jobReport shows a job's progress: the interaction's original response
// while its token lasts, then a message of the bot's own in the channel.
type jobReport struct {
	b   *Bot
	j   *Job
	log *slog.Logger
}

func (r *jobReport) show(ctx context.Context, m rendered) {
	if err := r.send(ctx, m); err != nil && ctx.Err() == nil {
		r.log.Warn("discord job progress not shown", slog.Any("err", err))
	}
}

// final shows the last report, falling back as ictx.final does.
func (r *jobReport) final(ctx context.Context, m rendered) {
	err := r.send(ctx, m)
	for _, fb := range fallbacks(m) {
		if err == nil {
			return
		}
		err = r.send(ctx, fb)
	}
	if err != nil {
		r.b.cfg.Observer.Error("discord")
		r.log.Warn("discord job report not shown", slog.Any("err", err))
	}
}

func (r *jobReport) send(ctx context.Context, m rendered) error {
	s := r.b.s
	if r.j.Token != "" && time.Since(r.j.TokenAt) < tokenLife {
		embeds, comps := []*discordgo.MessageEmbed{}, []discordgo.MessageComponent{}
		_, err := s.WebhookMessageEdit(r.j.AppID, r.j.Token, "@original", &discordgo.WebhookEdit{Content: &m.Content,
			Embeds: &embeds, Components: &comps, AllowedMentions: noMentions()}, discordgo.WithContext(ctx))
		if err == nil {
			return nil
		}
		if !tokenGone(err) {
			return fmt.Errorf("edit job response: %w", apiErr(s, err))
		}
		r.log.Info("discord job report moves to a channel message", slog.Any("err", apiErr(s, err)))
		r.j.Token = "" // expired or gone: the channel message takes over
	}
	if r.j.ChannelID == "" {
		return nil // a job from the command line: no Discord report
	}
	if r.j.MessageID != "" {
		_, err := s.ChannelMessageEditComplex(&discordgo.MessageEdit{ID: r.j.MessageID, Channel: r.j.ChannelID,
			Content: &m.Content, AllowedMentions: noMentions()}, discordgo.WithContext(ctx))
		if err != nil {
			return fmt.Errorf("edit job message: %w", apiErr(s, err))
		}
		return nil
	}
	msg, err := s.ChannelMessageSendComplex(r.j.ChannelID, &discordgo.MessageSend{Content: m.Content, AllowedMentions: noMentions()},
		discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("send job message: %w", apiErr(s, err))
	}
	r.j.MessageID = msg.ID
	if err := r.b.cfg.Jobs.SetJobMessage(ctx, r.j.ID, msg.ID); err != nil {
		r.log.Warn("discord job message not recorded", slog.Any("err", err))
	}
	return nil
}
