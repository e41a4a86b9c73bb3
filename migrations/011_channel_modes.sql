-- channel_modes holds how the bot responds in a channel, set by a guild's
-- admins with /mode. A channel without a row answers mentions only (and
-- follow-ups in the bot's threads). mode is 'forum' (answer each new post
-- of a forum channel, in its thread) or 'all' (answer every message of the
-- channel); both need the Message Content intent.
CREATE TABLE channel_modes (
    guild_id   text NOT NULL,
    channel_id text NOT NULL,
    mode       text NOT NULL CHECK (mode IN ('forum', 'all')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, channel_id)
);
