-- A shadow collection is the next version of a live collection, built
-- beside it by a gated re-ingest (rag/store/shadow.go) and made live by
-- swapping names in one transaction only when the gate passes. shadow_of
-- is the live collection it shadows. A shadow's name is the live name, the
-- unit separator (store.shadowMark) and a tag: searches, listings and
-- ingests name live collections, so they never reach a shadow, and no live
-- collection may hold the mark in its name.
ALTER TABLE collections ADD COLUMN shadow_of bigint REFERENCES collections (id) ON DELETE CASCADE;
ALTER TABLE collections ADD CONSTRAINT collections_shadow_name
    CHECK ((shadow_of IS NULL) = (strpos(name, E'\x1f') = 0));
CREATE INDEX collections_shadow_idx ON collections (shadow_of) WHERE shadow_of IS NOT NULL;
