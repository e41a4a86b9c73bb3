package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Digests stores the weekly digests: which channel each guild's goes to
// and which week was posted, claimed under a lease so that of many
// replicas exactly one posts a week. Weeks are named by their Monday,
// 00:00 UTC.
type Digests interface {
	// SetDigestChannel turns a guild's digest on (or moves it); lastWeek,
	// the latest week already over, is not posted.
	SetDigestChannel(ctx context.Context, guildID, channelID string, lastWeek time.Time) error
	// DisableDigest turns it off; false when it was off.
	DisableDigest(ctx context.Context, guildID string) (bool, error)
	// DigestChannel returns where it goes; ok is false when it is off.
	DigestChannel(ctx context.Context, guildID string) (channelID string, ok bool, err error)
	// DueDigests lists the guilds whose digest for week is neither posted
	// nor claimed.
	DueDigests(ctx context.Context, week time.Time) ([]string, error)
	// ClaimDigest claims a guild's week for owner until lease runs out and
	// returns its channel; ok is false when another has it or it is done.
	ClaimDigest(ctx context.Context, guildID string, week time.Time, owner string, lease time.Duration) (channelID string, ok bool, err error)
	// DigestPosted records that owner posted the week it claimed.
	DigestPosted(ctx context.Context, guildID string, week time.Time, owner string) error
	// DigestStats counts a collection's (and its named sub-collections')
	// questions and feedback in [from, to).
	DigestStats(ctx context.Context, collection string, from, to time.Time) (DigestStats, error)
}

// DigestStats are the counts a digest shows.
type DigestStats struct {
	Questions, Refused int
	Helpful, Unhelpful int
}

// DigestGap is one group of similar questions the documents did not
// answer well.
type DigestGap struct {
	Count   int    // questions in the group
	Example string // one wording
}

// DigestConfig configures the weekly digest; without Store there is no
// /digest command and no digest.
type DigestConfig struct {
	Store Digests
	// Gaps returns a guild's top gaps since a time, largest first;
	// optional (the digest then shows none).
	Gaps func(ctx context.Context, guildID string, since time.Time) ([]DigestGap, error)
	// Now is the clock the schedule reads; default time.Now.
	Now   func() time.Time
	Poll  time.Duration // between looks for due digests; default 5 min
	Lease time.Duration // a claim, before another replica may retry; default 10 min
}

func (c *DigestConfig) defaults() {
	if c.Now == nil {
		c.Now = time.Now
	}
	setDefault(&c.Poll, 5*time.Minute)
	setDefault(&c.Lease, 10*time.Minute)
}

// digestGaps is how many gap groups a digest lists.
const digestGaps = 5

// weekOf is the Monday, 00:00 UTC, of t's ISO week.
func weekOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day()-(int(t.Weekday())+6)%7, 0, 0, 0, 0, time.UTC)
}

// lastWeek is the latest week that is over at t: its digest is due.
func lastWeek(t time.Time) time.Time { return weekOf(t).AddDate(0, 0, -7) }

func (b *Bot) digestCommands() []*command {
	if b.cfg.Digest.Store == nil {
		return nil
	}
	return []*command{{def: &discordgo.ApplicationCommand{Name: "digest", Description: "Post a weekly digest of questions and gaps to a channel",
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionChannel, Name: "channel", Description: "Where to post it every Monday",
				ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews}},
			{Type: discordgo.ApplicationCommandOptionBoolean, Name: "off", Description: "Stop the weekly digest"},
		}}, admin: true, run: b.cmdDigest}}
}

func (b *Bot) cmdDigest(ctx context.Context, c *ictx, o options) error {
	d, g := b.cfg.Digest.Store, c.i.GuildID
	chID, off := o.str("channel"), o.boolean("off")
	var msg string
	var err error
	switch {
	case chID != "" && off:
		return c.say(ctx, "Give either a channel or off, not both.")
	case off:
		var was bool
		if was, err = d.DisableDigest(ctx, g); was {
			msg = "The weekly digest is off."
		} else {
			msg = "The weekly digest was already off."
		}
	case chID == "":
		var ok bool
		if chID, ok, err = d.DigestChannel(ctx, g); ok {
			msg = "The weekly digest goes to <#" + chID + "> every Monday (UTC). Stop it with `/digest off:True`."
		} else {
			msg = "The weekly digest is off. Turn it on with `/digest channel:#channel`."
		}
	default:
		if ch := b.channel(ctx, chID); ch == nil || ch.GuildID != g || ch.IsThread() {
			return c.say(ctx, "I can't post there; choose a text channel of this server that I can see.")
		}
		now := b.cfg.Digest.Now()
		err = d.SetDigestChannel(ctx, g, chID, lastWeek(now))
		msg = fmt.Sprintf("The weekly digest goes to <#%s> every Monday (UTC), covering the week before; the first on %s.",
			chID, weekOf(now).AddDate(0, 0, 7).Format("Mon 2 Jan 2006"))
	}
	if err != nil {
		c.log.Error("discord digest setting failed", slog.Any("err", err))
		return c.say(ctx, msgFailed)
	}
	return c.say(ctx, msg)
}

// startDigests posts due digests now and every Poll until ctx ends; the
// returned wait blocks until the loop has stopped.
func (b *Bot) startDigests(ctx context.Context) (wait func()) {
	done := make(chan struct{})
	if b.cfg.Digest.Store == nil {
		close(done)
		return func() { <-done }
	}
	go func() {
		defer close(done)
		t := time.NewTicker(b.cfg.Digest.Poll)
		defer t.Stop()
		for {
			if _, err := b.PostDueDigests(ctx); err != nil && ctx.Err() == nil {
				b.log.Warn("discord digests not posted", slog.Any("err", err))
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { <-done }
}

// PostDueDigests posts every guild's digest of the last week that is over
// (by Config.Digest.Now) and not yet posted, claiming each first so that
// replicas never post one twice. It returns how many this call posted. A
// digest that could not be posted is tried again once its claim runs out.
func (b *Bot) PostDueDigests(ctx context.Context) (int, error) {
	d := b.cfg.Digest.Store
	week := lastWeek(b.cfg.Digest.Now())
	guilds, err := d.DueDigests(ctx, week)
	if err != nil {
		return 0, fmt.Errorf("due digests: %w", err)
	}
	posted := 0
	for _, g := range guilds {
		chID, ok, err := d.ClaimDigest(ctx, g, week, b.owner, b.cfg.Digest.Lease)
		if err != nil {
			return posted, fmt.Errorf("claim digest: %w", err)
		}
		if !ok {
			continue
		}
		log := b.log.With(slog.String("guild_id", g), slog.String("channel_id", chID), slog.Time("week", week))
		if err := b.postDigest(ctx, g, chID, week); err != nil {
			log.Warn("discord digest not posted", slog.Any("err", err))
			continue
		}
		if err := d.DigestPosted(ctx, g, week, b.owner); err != nil {
			return posted, fmt.Errorf("record digest: %w", err)
		}
		log.Info("discord digest posted")
		posted++
	}
	return posted, nil
}

func (b *Bot) postDigest(ctx context.Context, guildID, channelID string, week time.Time) error {
	st, err := b.cfg.Digest.Store.DigestStats(ctx, GuildCollection(guildID), week, week.AddDate(0, 0, 7))
	if err != nil {
		return fmt.Errorf("digest stats: %w", err)
	}
	var gaps []DigestGap
	if b.cfg.Digest.Gaps != nil {
		if gaps, err = b.cfg.Digest.Gaps(ctx, guildID, week); err != nil {
			return fmt.Errorf("digest gaps: %w", err)
		}
	}
	_, err = b.post(ctx, channelID, renderDigest(week, st, gaps, b.cfg.Digest.Gaps != nil), nil)
	return err
}

// renderDigest is the weekly digest message; withGaps is whether gaps are
// known at all.
func renderDigest(week time.Time, st DigestStats, gaps []DigestGap, withGaps bool) rendered {
	var sb strings.Builder
	fmt.Fprintf(&sb, "📊 **Weekly digest** — %s to %s (UTC)\n", week.Format("Mon 2 Jan"), week.AddDate(0, 0, 6).Format("Sun 2 Jan 2006"))
	fmt.Fprintf(&sb, "**Questions asked:** %d", st.Questions)
	if st.Refused > 0 {
		fmt.Fprintf(&sb, " (%d without an answer in the documents)", st.Refused)
	}
	sb.WriteString("\n**Helpful rate:** ")
	if n := st.Helpful + st.Unhelpful; n > 0 {
		fmt.Fprintf(&sb, "%d%% (%d 👍, %d 👎)\n", (st.Helpful*100+n/2)/n, st.Helpful, st.Unhelpful)
	} else {
		sb.WriteString("no ratings this week\n")
	}
	if withGaps {
		sb.WriteString("**Top gaps:**")
		if len(gaps) == 0 {
			sb.WriteString(" none — every question found an answer.")
		}
		for i, g := range gaps[:min(len(gaps), digestGaps)] {
			fmt.Fprintf(&sb, "\n%d. %d× “%s”", i+1, g.Count, escapeMarkdown(truncate(strings.Join(strings.Fields(g.Example), " "), 150)))
		}
		if more := len(gaps) - digestGaps; more > 0 {
			fmt.Fprintf(&sb, "\n…and %d more.", more)
		}
		if len(gaps) > 0 {
			sb.WriteString("\nSee `/gaps` for the details.")
		}
	}
	return rendered{Content: truncate(strings.TrimRight(sb.String(), "\n"), MaxContent)}
}
