-- Stale answers: answers.stale_at (migration 006) is now kept by every
-- write that replaces or deletes chunks, in the same transaction
-- (rag/store/stale.go). A citation whose text is still in the collection
-- (same content hash, even in another chunk) follows it there; one whose
-- text is gone is marked changed, and its answer stale.

-- changed_at is when the cited passage changed or went; NULL while the
-- citation's chunk_id still names a chunk with its content_hash.
ALTER TABLE answer_citations ADD COLUMN changed_at timestamptz;

-- stale_notified_at is when the Discord answer message was edited to say
-- so; the notifier claims stale, unnotified, posted answers.
ALTER TABLE answers ADD COLUMN stale_notified_at timestamptz;
CREATE INDEX answers_stale_idx ON answers (stale_at) WHERE stale_at IS NOT NULL;
CREATE INDEX answers_stale_unnotified_idx ON answers (id)
    WHERE stale_at IS NOT NULL AND stale_notified_at IS NULL AND surface = 'discord' AND message_id <> '';

-- Bring the answers stored before this migration up to date the same way.
UPDATE answer_citations c SET (chunk_id, document_id) = (
    SELECT k.id, k.document_id FROM answers a JOIN collections l ON l.name = a.collection
        JOIN chunks k ON k.collection_id = l.id AND k.content_hash = c.content_hash
    WHERE a.id = c.answer_id ORDER BY k.id LIMIT 1)
WHERE c.content_hash <> ''
    AND NOT EXISTS (SELECT 1 FROM chunks k WHERE k.id = c.chunk_id AND k.content_hash = c.content_hash)
    AND EXISTS (SELECT 1 FROM answers a JOIN collections l ON l.name = a.collection
        JOIN chunks k ON k.collection_id = l.id AND k.content_hash = c.content_hash WHERE a.id = c.answer_id);
UPDATE answer_citations c SET changed_at = now()
WHERE NOT EXISTS (SELECT 1 FROM chunks k WHERE k.id = c.chunk_id AND k.content_hash = c.content_hash);
UPDATE answers a SET stale_at = now()
WHERE EXISTS (SELECT 1 FROM answer_citations c WHERE c.answer_id = a.id AND c.changed_at IS NOT NULL);
