package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/citebot/citebot/rag/wordforms"
)

// QueryTerm is one stemmed term of a query, with its weight in the
// collection and the texts that hold it.
type QueryTerm struct {
	Term string
	// IDF is the term's BM25 inverse document frequency in the collection,
	// as the text leg computes it.
	IDF float64
	// In lists the indexes, into the texts given to MatchTerms, of the
	// texts that hold the term.
	In []int
}

// matchTermsSQL stems the query and each text as the text leg stems
// chunks ('english', after wordforms.Normalize) and lists, for every query
// term the collection holds (term_df.df > 0, as the text leg's tdf), its
// idf and which texts hold it. Ordinals are 1-based in SQL.
const matchTermsSQL = `
WITH coll AS (SELECT id, greatest(chunk_count, 1)::float8 AS n FROM collections WHERE name = $1),
qterms AS (SELECT DISTINCT lexeme AS term FROM unnest(to_tsvector('english'::regconfig, $2::text))),
tdf AS (
	SELECT d.term, ln(1 + (coll.n - d.df + 0.5) / (d.df + 0.5)) AS idf
	FROM coll JOIN term_df d ON d.collection_id = coll.id
	WHERE d.df > 0 AND d.term IN (SELECT term FROM qterms)
),
occ AS (
	SELECT DISTINCT t.ord, u.lexeme
	FROM unnest($3::text[]) WITH ORDINALITY AS t(txt, ord)
	CROSS JOIN LATERAL unnest(to_tsvector('english'::regconfig, t.txt)) u
)
SELECT tdf.term, tdf.idf, coalesce(array_agg(occ.ord - 1 ORDER BY occ.ord) FILTER (WHERE occ.ord IS NOT NULL), '{}')
FROM tdf LEFT JOIN occ ON occ.lexeme = tdf.term
GROUP BY tdf.term, tdf.idf
ORDER BY tdf.term`

// MatchTerms returns the terms of query that occur in the collection,
// each with its idf and the indexes of the texts that hold it, analysed
// as the text leg analyses queries and chunks. Terms are in lexical
// order; an unknown collection has none.
func (s *Store) MatchTerms(ctx context.Context, collection, query string, texts []string) ([]QueryTerm, error) {
	norm := make([]string, len(texts))
	for i, t := range texts {
		norm[i] = wordforms.Normalize(t)
	}
	rows, err := s.pool.Query(ctx, matchTermsSQL, collection, queryText(query), norm)
	if err != nil {
		return nil, fmt.Errorf("match query terms: %w", err)
	}
	var out []QueryTerm
	var q QueryTerm
	var in []int32
	_, err = pgx.ForEachRow(rows, []any{&q.Term, &q.IDF, &in}, func() error {
		q.In = make([]int, len(in))
		for i, v := range in {
			q.In[i] = int(v)
		}
		out = append(out, q)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("match query terms: %w", err)
	}
	return out, nil
}
