-- BM25 at scale: posting lists ordered by impact, and document frequencies
-- kept per term, so that a query reads only the best postings of each of
-- its terms instead of all of them.

-- impact orders a term's postings by their BM25 term weight at reference
-- settings (k1 1.2, b 0.75, average chunk length 64 lexemes); it is only
-- an ordering key: scores are computed from tf and dl with the live
-- collection statistics. Must match store.impactSQL.
ALTER TABLE chunk_terms ADD COLUMN impact real;
UPDATE chunk_terms SET impact = tf / (tf + 1.2 * (0.25 + 0.75 * dl / 64.0));
ALTER TABLE chunk_terms ALTER COLUMN impact SET NOT NULL;
ALTER TABLE chunk_terms DROP CONSTRAINT chunk_terms_pkey;
CREATE INDEX chunk_terms_impact_idx ON chunk_terms (collection_id, term, impact DESC) INCLUDE (chunk_id, tf, dl);

-- term_df is each term's document frequency (in chunks) per collection,
-- updated in the same transaction as the postings.
CREATE TABLE term_df (
    collection_id bigint NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    term          text NOT NULL,
    df            integer NOT NULL,
    PRIMARY KEY (collection_id, term)
);
INSERT INTO term_df (collection_id, term, df)
SELECT collection_id, term, count(*) FROM chunk_terms GROUP BY collection_id, term;
