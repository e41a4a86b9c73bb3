-- The admin's loop (issue 13): what the gap and feedback reports read.

-- reason is what a user wrote in the 👎 modal ("what was wrong?"); '' when
-- they wrote nothing or closed it.
ALTER TABLE feedback ADD COLUMN reason text NOT NULL DEFAULT '';

-- relevance is the best passage sentence's relevance to the query, the
-- score that gates answering; low_confidence marks an answer given with a
-- relevance just above the refusal threshold (rag.Answer.LowConfidence).
ALTER TABLE answers ADD COLUMN relevance double precision NOT NULL DEFAULT 0;
ALTER TABLE answers ADD COLUMN low_confidence boolean NOT NULL DEFAULT false;

-- Escalation to a person: set by the "Ask a person" and "Resolved" buttons;
-- *_by is the Discord user id of who pressed it ('' while unset).
ALTER TABLE answers ADD COLUMN escalated_at timestamptz;
ALTER TABLE answers ADD COLUMN escalated_by text NOT NULL DEFAULT '';
ALTER TABLE answers ADD COLUMN resolved_at timestamptz;
ALTER TABLE answers ADD COLUMN resolved_by text NOT NULL DEFAULT '';
CREATE INDEX answers_unresolved_idx ON answers (collection, escalated_at)
    WHERE escalated_at IS NOT NULL AND resolved_at IS NULL;

-- answer_counts holds, per collection, UTC day and surface, how many
-- questions were answered, refused and answered with low confidence. Every
-- stored answer adds to it in the same transaction. It holds no text and no
-- ids, so it outlives answer retention, and it is all that the reports have
-- when questions are not stored (--store-questions=false).
CREATE TABLE answer_counts (
    collection     text NOT NULL,
    day            date NOT NULL,
    surface        text NOT NULL,
    asked          integer NOT NULL DEFAULT 0,
    refused        integer NOT NULL DEFAULT 0,
    low_confidence integer NOT NULL DEFAULT 0,
    PRIMARY KEY (collection, day, surface)
);
