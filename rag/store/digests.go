package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Weekly digests (migrations/012_digests.sql). A week is named by its
// Monday, 00:00 UTC, stored as a date.

// SetDigestChannel turns a guild's weekly digest on, or moves it to
// another channel. A guild turning it on gets its first digest for the
// week after lastWeek, the most recent week already over, so that
// enabling it mid-week posts nothing until the next week is over.
func (s *Store) SetDigestChannel(ctx context.Context, guildID, channelID string, lastWeek time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO digests (guild_id, channel_id, posted_week) VALUES ($1, $2, $3)
		ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, updated_at = now()`,
		guildID, channelID, lastWeek.UTC())
	if err != nil {
		return fmt.Errorf("set digest channel: %w", err)
	}
	return nil
}

// DisableDigest turns a guild's digest off; false when it was not on.
func (s *Store) DisableDigest(ctx context.Context, guildID string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM digests WHERE guild_id = $1`, guildID)
	if err != nil {
		return false, fmt.Errorf("disable digest: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// DigestChannel returns the channel a guild's digest goes to; ok is false
// when the digest is off.
func (s *Store) DigestChannel(ctx context.Context, guildID string) (channelID string, ok bool, err error) {
	err = s.pool.QueryRow(ctx, `SELECT channel_id FROM digests WHERE guild_id = $1`, guildID).Scan(&channelID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read digest channel: %w", err)
	}
	return channelID, true, nil
}

// DueDigests lists the guilds whose digest for week is neither posted nor
// held by a live claim.
func (s *Store) DueDigests(ctx context.Context, week time.Time) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT guild_id FROM digests WHERE posted_week < $1
		AND (claimed_week IS NULL OR claimed_week < $1 OR claim_until < now()) ORDER BY guild_id`, week.UTC())
	if err != nil {
		return nil, fmt.Errorf("list due digests: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list due digests: %w", err)
	}
	return ids, nil
}

// ClaimDigest claims a guild's digest for week for owner until lease runs
// out and returns the channel to post it to; ok is false when it is
// already posted, claimed by a live owner, or off. One UPDATE decides, so
// of many replicas claiming at once exactly one wins.
func (s *Store) ClaimDigest(ctx context.Context, guildID string, week time.Time, owner string, lease time.Duration) (channelID string, ok bool, err error) {
	err = s.pool.QueryRow(ctx, `UPDATE digests SET claimed_week = $2, claim_owner = $3,
		claim_until = now() + make_interval(secs => $4)
		WHERE guild_id = $1 AND posted_week < $2 AND (claimed_week IS NULL OR claimed_week < $2 OR claim_until < now())
		RETURNING channel_id`, guildID, week.UTC(), owner, lease.Seconds()).Scan(&channelID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("claim digest: %w", err)
	}
	return channelID, true, nil
}

// DigestPosted records that owner posted the digest for week. It counts
// even when owner's claim ran out meanwhile (the post was slower than the
// lease), so that no later claim repeats it; the claim is released only
// when it is still owner's.
func (s *Store) DigestPosted(ctx context.Context, guildID string, week time.Time, owner string) error {
	_, err := s.pool.Exec(ctx, `UPDATE digests SET posted_week = greatest(posted_week, $2),
		claim_until = CASE WHEN claim_owner = $3 THEN NULL ELSE claim_until END
		WHERE guild_id = $1`, guildID, week.UTC(), owner)
	if err != nil {
		return fmt.Errorf("record digest posted: %w", err)
	}
	return nil
}

// DigestStats are the counts of a weekly digest.
type DigestStats struct {
	Questions int // questions answered or refused (answer_counts.asked)
	Refused   int // of which refused
	Helpful   int // 👍 given in the period
	Unhelpful int // 👎 given in the period
}

// DigestStats counts the questions and feedback of a collection and of
// the collections named after it ("<collection>-<name>", a guild's named
// collections) in [from, to). Questions come from answer_counts, whole UTC
// days, so they are counted whether or not question text is stored.
func (s *Store) DigestStats(ctx context.Context, collection string, from, to time.Time) (DigestStats, error) {
	var st DigestStats
	err := s.pool.QueryRow(ctx, `SELECT coalesce(sum(c.asked), 0), coalesce(sum(c.refused), 0),
		(SELECT count(*) FILTER (WHERE f.helpful) FROM feedback f JOIN collections k ON k.id = f.collection_id
			WHERE (k.name = $1 OR starts_with(k.name, $1 || '-')) AND f.created_at >= $2 AND f.created_at < $3),
		(SELECT count(*) FILTER (WHERE NOT f.helpful) FROM feedback f JOIN collections k ON k.id = f.collection_id
			WHERE (k.name = $1 OR starts_with(k.name, $1 || '-')) AND f.created_at >= $2 AND f.created_at < $3)
		FROM answer_counts c WHERE (c.collection = $1 OR starts_with(c.collection, $1 || '-'))
			AND c.day >= ($2::timestamptz AT TIME ZONE 'UTC')::date AND c.day < ($3::timestamptz AT TIME ZONE 'UTC')::date`,
		collection, from, to).Scan(&st.Questions, &st.Refused, &st.Helpful, &st.Unhelpful)
	if err != nil {
		return DigestStats{}, fmt.Errorf("count digest stats: %w", err)
	}
	return st, nil
}
