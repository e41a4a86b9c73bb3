-- The role a guild's "Ask a person" button pings (issue 13.3), set with
-- /escalation. A guild without a row has no escalation: its answers carry
-- no such button. The escalations themselves are answers.escalated_* and
-- answers.resolved_*.
CREATE TABLE escalation_roles (
    guild_id text PRIMARY KEY CHECK (guild_id <> ''),
    role_id  text NOT NULL CHECK (role_id <> ''),
    set_at   timestamptz NOT NULL DEFAULT now()
);
