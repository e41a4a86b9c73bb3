-- digests are the guilds whose admins chose a channel for the weekly digest
-- (/digest channel:#x; /digest off deletes the row). Weeks are ISO weeks,
-- named by their Monday (UTC). posted_week is the last week whose digest was
-- posted; a replica claims the next due week by setting claimed_week,
-- claim_owner and claim_until in one UPDATE, posts, then sets posted_week.
-- A claim whose process died runs out at claim_until and is taken again, so
-- a restart neither skips a week nor posts it twice, and two replicas never
-- both post.
CREATE TABLE digests (
    guild_id     text PRIMARY KEY,
    channel_id   text NOT NULL,
    posted_week  date NOT NULL,
    claimed_week date,
    claim_owner  text NOT NULL DEFAULT '',
    claim_until  timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
