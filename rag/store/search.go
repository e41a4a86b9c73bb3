package store

import (
	"cmp"
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/wordforms"
)

// SearchParams is one query against one collection.
type SearchParams struct {
	Collection string
	Mode       rag.Mode
	// Text is the question as typed; the text leg stems it like the chunks.
	Text string
	// Vector is the question's embedding by Model; unused in text mode.
	Vector []float32
	Model  Model
	// K is how many passages to return; Candidates how many each leg
	// contributes before fusion (at least K).
	K          int
	Candidates int
	// TextWeight and VectorWeight weigh each leg's normalised score: BM25
	// divided by the best BM25 among the candidates, cosine similarity
	// min-max scaled over the candidates. ProximityWeight weighs how much
	// of the query's terms (by idf) one window of ProximityWindow words of
	// the chunk holds, 0 to 1: the terms of a question sit together in the
	// sentence that answers it.
	TextWeight      float64
	VectorWeight    float64
	ProximityWeight float64
	// K1 and B are BM25's term-frequency saturation and length
	// normalisation.
	K1, B float64
	// Neighbours, when positive, fills Passage.Context with that many
	// chunks either side of the hit in the same section.
	Neighbours int
	// TermDepth is how many postings of each query term the text leg
	// reads, best impact first; 0 means DefaultTermDepth. Terms in fewer
	// chunks are scored exactly.
	TermDepth int
}

// ProximityWindow is the span, in word positions of the chunk's tsvector
// (stop words count), within which query terms count as together: about a
// sentence.
const ProximityWindow = 24

// DefaultTermDepth bounds the text leg's work per query term: a term in
// more chunks than this contributes only through its best postings.
const DefaultTermDepth = 2000

// hybridSQL ranks one collection's chunks in one statement: a BM25 text
// leg over chunk_terms, an HNSW cosine leg over the model's vectors, and a
// weighted fusion of both, and of the query terms' proximity in each
// candidate, over the union of their candidates. The model id, dimension
// and proximity window are formatted in (integers from embedding_models) because the
// partial expression index matches only constants; everything else is a
// parameter.
const hybridSQL = `
WITH coll AS (
	SELECT id, greatest(chunk_count, 1)::float8 AS n,
		greatest(term_count, 1)::float8 / greatest(chunk_count, 1) AS avgdl
	FROM collections WHERE name = $1
),
qterms AS (SELECT DISTINCT lexeme AS term FROM unnest(to_tsvector('english'::regconfig, $2::text))),
tdf AS (
	SELECT d.term, ln(1 + (coll.n - d.df + 0.5) / (d.df + 0.5)) AS idf,
		$7::float8 * (1 - $8::float8) AS k0, $7::float8 * $8::float8 / coll.avgdl AS kdl
	FROM coll JOIN term_df d ON d.collection_id = coll.id
	WHERE $6::bool AND d.df > 0 AND d.term IN (SELECT term FROM qterms)
),
text_all AS MATERIALIZED (
	SELECT p.chunk_id, sum(tdf.idf * ($7::float8 + 1) * p.tf / (p.tf + tdf.k0 + tdf.kdl * p.dl)) AS score
	FROM coll, tdf, LATERAL (
		SELECT chunk_id, tf, dl FROM chunk_terms
		WHERE collection_id = coll.id AND term = tdf.term ORDER BY impact DESC LIMIT $13) p
	GROUP BY p.chunk_id
),
text_leg AS (SELECT chunk_id FROM text_all ORDER BY score DESC, chunk_id LIMIT $4),
vec_leg AS MATERIALIZED (
	SELECT e.chunk_id FROM coll JOIN chunk_embeddings e ON e.collection_id = coll.id
	WHERE $5::bool AND e.model_id = %[1]d
	ORDER BY e.embedding::vector(%[2]d) <=> $3::vector(%[2]d) LIMIT $4
),
cand AS (SELECT chunk_id FROM text_leg UNION SELECT chunk_id FROM vec_leg),
occ AS MATERIALIZED (
	SELECT c.id AS chunk_id, u.lexeme AS term, tdf.idf, pos
	FROM cand JOIN chunks c ON c.id = cand.chunk_id
	CROSS JOIN LATERAL unnest(c.tsv) u JOIN tdf ON tdf.term = u.lexeme
	CROSS JOIN LATERAL unnest(u.positions) pos
	WHERE $14::float8 > 0
),
win AS (
	SELECT a.chunk_id, a.pos, b.term, max(b.idf) AS idf
	FROM occ a JOIN occ b ON b.chunk_id = a.chunk_id AND b.pos >= a.pos AND b.pos < a.pos + %[3]d
	GROUP BY a.chunk_id, a.pos, b.term
),
prox AS (
	SELECT chunk_id, max(mass) / (SELECT nullif(sum(idf), 0) FROM tdf) AS prox
	FROM (SELECT chunk_id, pos, sum(idf) AS mass FROM win GROUP BY chunk_id, pos) w
	GROUP BY chunk_id
),
scored AS (
	SELECT cand.chunk_id, coalesce(t.score, 0) AS text_score, coalesce(x.prox, 0) AS prox,
		CASE WHEN $5::bool THEN coalesce(1 - (e.embedding::vector(%[2]d) <=> $3::vector(%[2]d)), 0) ELSE 0 END AS vec_score
	FROM cand LEFT JOIN text_all t ON t.chunk_id = cand.chunk_id
	LEFT JOIN prox x ON x.chunk_id = cand.chunk_id
	LEFT JOIN chunk_embeddings e ON e.chunk_id = cand.chunk_id AND e.model_id = %[1]d
),
fused AS (
	SELECT chunk_id, text_score, vec_score,
		$9::float8 * coalesce(text_score / nullif(max(text_score) OVER (), 0), 0)
		+ $14::float8 * prox
		+ $10::float8 * coalesce((vec_score - min(vec_score) OVER ())
			/ nullif(max(vec_score) OVER () - min(vec_score) OVER (), 0), 1) AS score
	FROM scored
),
top AS (SELECT * FROM fused ORDER BY score DESC, chunk_id LIMIT $11)
SELECT top.chunk_id, c.document_id, d.title, d.source, c.heading_path, c.page, c.position,
	c.start_offset, c.end_offset, c.content,
	CASE WHEN $12::int > 0 THEN (
		SELECT string_agg(n.content, E'\n' ORDER BY n.position) FROM chunks n
		WHERE n.document_id = c.document_id AND n.heading_path = c.heading_path
			AND n.position BETWEEN c.position - $12::int AND c.position + $12::int)
	ELSE '' END,
	top.vec_score, top.text_score, top.score
FROM top JOIN chunks c ON c.id = top.chunk_id JOIN documents d ON d.id = c.document_id
ORDER BY top.score DESC, top.chunk_id`

// Search ranks a collection's chunks for a query. It never returns chunks
// of another collection.
func (s *Store) Search(ctx context.Context, p SearchParams) ([]rag.Passage, error) {
	if p.K <= 0 {
		return nil, nil
	}
	st, err := searchStatement(p)
	if err != nil {
		return nil, err
	}
	conn, err := s.reads().Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("search: acquire connection: %w", err)
	}
	defer conn.Release()
	// One round trip: pgvector returns at most hnsw.ef_search rows, so it is
	// raised to the candidate depth for this transaction, and iterative scans
	// keep the list full when the collection filter drops rows.
	b := &pgx.Batch{}
	b.Queue(`BEGIN READ ONLY`)
	b.Queue(`SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)`, st.efSearch)
	var out []rag.Passage
	b.Queue(st.query, st.args...).Query(func(rows pgx.Rows) error {
		var err error
		out, err = scanPassages(rows)
		return err
	})
	b.Queue(`COMMIT`)
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("search chunks: %w", err)
	}
	return out, nil
}

// statement is a formatted hybridSQL with its arguments and the HNSW
// search depth it runs at.
type statement struct {
	query    string
	args     []any
	efSearch string
}

func searchStatement(p SearchParams) (statement, error) {
	cand := max(p.Candidates, p.K)
	useText, useVec := p.Mode != rag.ModeVector, p.Mode != rag.ModeText
	wt, wv, wp := p.TextWeight, p.VectorWeight, p.ProximityWeight
	// One leg alone is that leg's ranking; proximity is part of the fusion.
	switch p.Mode {
	case rag.ModeText:
		wt, wv, wp = 1, 0, 0
	case rag.ModeVector:
		wt, wv, wp = 0, 1, 0
	}
	vec := p.Vector
	if !useVec || len(vec) != p.Model.Dim {
		if useVec {
			return statement{}, fmt.Errorf("search: query vector has %d dimensions, model %s takes %d", len(vec), p.Model.Name, p.Model.Dim)
		}
		vec = make([]float32, p.Model.Dim)
	}
	return statement{
		query: fmt.Sprintf(hybridSQL, p.Model.ID, p.Model.Dim, ProximityWindow),
		args: []any{p.Collection, queryText(p.Text), pgvector.NewVector(vec), cand, useVec, useText,
			p.K1, p.B, wt, wv, p.K, p.Neighbours, cmp.Or(p.TermDepth, DefaultTermDepth), wp},
		efSearch: fmt.Sprint(max(40, min(cand, 1000))),
	}, nil
}

func scanPassages(rows pgx.Rows) ([]rag.Passage, error) {
	var out []rag.Passage
	var p rag.Passage
	_, err := pgx.ForEachRow(rows, []any{&p.ChunkID, &p.DocumentID, &p.Title, &p.Source, &p.HeadingPath,
		&p.Page, &p.Position, &p.Start, &p.End, &p.Text, &p.Context, &p.VectorScore, &p.TextScore, &p.Score},
		func() error {
			out = append(out, p)
			p.HeadingPath = nil
			return nil
		})
	return out, err
}

// queryText is what the text leg stems of a question: the question, and
// again with its irregular word forms brought to their base form as
// SearchText does for chunks. The forms as typed stay so that chunks
// indexed before AnalysisVersion 2 still match them; in chunks indexed
// since, they have no postings and weigh nothing.
func queryText(q string) string {
	if n := wordforms.Normalize(q); n != q {
		return q + "\n" + n
	}
	return q
}
