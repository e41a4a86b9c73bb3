package eval

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/citebot/citebot/rag"
)

// ChunkDepth is how many chunks RunBEIR asks for per query: enough for
// about 100 distinct documents once chunks are grouped by document.
const ChunkDepth = 300

// IngestBatch is how many documents go to IngestText at once.
const IngestBatch = 100

// TextDoc is a document given as plain text rather than as a file.
type TextDoc struct {
	// Source identifies the document in its collection; for BEIR it is the
	// corpus _id, and it comes back as Passage.Source.
	Source string
	// Title is for display.
	Title string
	// Text is everything to index. For BEIR it is the title, a blank line
	// and the body, as BEIR's baselines index title and text together.
	Text string
}

// IngestStats counts what an ingestion did.
type IngestStats struct {
	Added     int // new documents
	Updated   int // documents whose text changed
	Unchanged int // documents already stored with the same text, skipped
	Failed    int // documents that could not be ingested
	Chunks    int // chunks written
}

// Add accumulates o into s.
func (s *IngestStats) Add(o IngestStats) {
	s.Added += o.Added
	s.Updated += o.Updated
	s.Unchanged += o.Unchanged
	s.Failed += o.Failed
	s.Chunks += o.Chunks
}

// CorpusIngester stores plain-text documents in a collection. It must be
// incremental: a document whose source is stored with the same text is
// skipped (counted Unchanged) without re-embedding, so that running a BEIR
// evaluation a second time costs only reading the corpus.
type CorpusIngester interface {
	IngestText(ctx context.Context, collection string, docs []TextDoc) (IngestStats, error)
}

// BEIRInput is a BEIR data set to evaluate on.
type BEIRInput struct {
	Collection string
	// Corpus is a BEIR corpus.jsonl, streamed into the collection in
	// batches; nil skips ingestion.
	Corpus io.Reader
	// Queries are run when Qrels judge at least one document relevant to
	// them; the others are skipped.
	Queries []BEIRQuery
	Qrels   Qrels
	// KeepIdentical keeps a document whose id equals the query's id in
	// that query's ranking. By default it is dropped, as BEIR's evaluator
	// does (ignore_identical_ids), which matters for sets such as ArguAna
	// and Quora where queries are also corpus documents.
	KeepIdentical bool
}

// BEIRReport is the outcome of RunBEIR: per-query metrics over documents
// (ranked by their best chunk), averaged over the queries scored.
type BEIRReport struct {
	NDCG10    float64 `json:"ndcg@10"`
	Recall10  float64 `json:"recall@10"`
	Recall100 float64 `json:"recall@100"`
	MRR10     float64 `json:"mrr@10"`
	// Queries counts the queries scored: those in the queries file with at
	// least one relevant judged document.
	Queries int `json:"queries"`
	// Ingest is what ingesting the corpus did; not part of the JSON report.
	Ingest IngestStats `json:"-"`
}

// RunBEIR ingests in.Corpus into in.Collection (see CorpusIngester), then
// retrieves ChunkDepth chunks for every judged query, ranks documents with
// RankDocuments and scores the ranking against the qrels.
func RunBEIR(ctx context.Context, ing CorpusIngester, r Retriever, in BEIRInput) (BEIRReport, error) {
	var rep BEIRReport
	if in.Corpus != nil {
		st, err := IngestBEIR(ctx, ing, in.Collection, in.Corpus)
		if err != nil {
			return rep, err
		}
		rep.Ingest = st
	}
	queries := judgedQueries(in.Queries, in.Qrels)
	if len(queries) == 0 {
		return rep, errors.New("no query has a relevant judged document")
	}
	scores := make([][4]float64, len(queries))
	err := forEach(ctx, len(queries), func(ctx context.Context, i int) error {
		q := queries[i]
		ps, err := r.Retrieve(ctx, in.Collection, q.Text, ChunkDepth)
		if err != nil {
			return fmt.Errorf("query %q: retrieve: %w", q.ID, err)
		}
		ranked := RankDocuments(ps)
		if !in.KeepIdentical {
			ranked = slices.DeleteFunc(ranked, func(id string) bool { return id == q.ID })
		}
		scores[i] = beirScores(ranked, in.Qrels[q.ID])
		return nil
	})
	if err != nil {
		return rep, err
	}
	m := mean(scores)
	rep.NDCG10, rep.Recall10, rep.Recall100, rep.MRR10 = m[0], m[1], m[2], m[3]
	rep.Queries = len(queries)
	return rep, nil
}

// beirScores are nDCG@10, recall@10, recall@100 and MRR@10 of one query.
func beirScores(ranked []string, rel map[string]int) [4]float64 {
	return [4]float64{NDCG(ranked, rel, 10), Recall(ranked, rel, 10), Recall(ranked, rel, 100), MRR(ranked, rel, 10)}
}

// mean averages each column of rows.
func mean(rows [][4]float64) [4]float64 {
	var sum [4]float64
	for _, row := range rows {
		for c := range row {
			sum[c] += row[c]
		}
	}
	for c := range sum {
		sum[c] /= float64(len(rows))
	}
	return sum
}

// judgedQueries keeps the queries with at least one relevant document, in
// file order.
func judgedQueries(qs []BEIRQuery, qrels Qrels) []BEIRQuery {
	var out []BEIRQuery
	for _, q := range qs {
		for _, g := range qrels[q.ID] {
			if g > 0 {
				out = append(out, q)
				break
			}
		}
	}
	return out
}

// IngestBEIR streams a BEIR corpus into collection in batches, document id
// = the corpus _id, and sums what the ingester reports. Documents with
// neither title nor text are skipped.
func IngestBEIR(ctx context.Context, ing CorpusIngester, collection string, corpus io.Reader) (IngestStats, error) {
	var total IngestStats
	batch := make([]TextDoc, 0, IngestBatch)
	err := ReadBEIRCorpus(corpus, func(d BEIRDoc) error {
		doc := beirTextDoc(d)
		if strings.TrimSpace(doc.Text) == "" {
			return nil // nothing to index; it can only count as not retrieved
		}
		batch = append(batch, doc)
		if len(batch) < IngestBatch {
			return nil
		}
		err := ingestBatch(ctx, ing, collection, batch, &total)
		batch = batch[:0]
		return err
	})
	if err == nil && len(batch) > 0 {
		err = ingestBatch(ctx, ing, collection, batch, &total)
	}
	if err != nil {
		return total, fmt.Errorf("ingest beir corpus: %w", err)
	}
	return total, nil
}

// IngestBatched hands docs to ing IngestBatch at a time, so that a large
// set (thousands of distractors, say) is stored and reported in steps, and
// sums what the ingester reports.
func IngestBatched(ctx context.Context, ing CorpusIngester, collection string, docs []TextDoc) (IngestStats, error) {
	var total IngestStats
	for batch := range slices.Chunk(docs, IngestBatch) {
		if err := ingestBatch(ctx, ing, collection, batch, &total); err != nil {
			return total, err
		}
	}
	return total, nil
}

// ingestBatch ingests one batch, unless ctx has ended, and adds its stats
// to total.
func ingestBatch(ctx context.Context, ing CorpusIngester, collection string, batch []TextDoc, total *IngestStats) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st, err := ing.IngestText(ctx, collection, batch)
	if err != nil {
		return fmt.Errorf("ingest %d documents from %q: %w", len(batch), batch[0].Source, err)
	}
	total.Add(st)
	return nil
}

func beirTextDoc(d BEIRDoc) TextDoc {
	text := d.Text
	if d.Title != "" {
		text = d.Title + "\n\n" + d.Text
	}
	return TextDoc{Source: d.ID, Title: d.Title, Text: text}
}

// RankDocuments turns ranked chunks into ranked document ids (the passages'
// Source): each document scores its best chunk's Score, documents sort by
// score, highest first, and equal scores sort by id in descending byte
// order. That is trec_eval's rule (comp_sim_docno in form_res_rels.c),
// which ignores the given order and re-sorts by score then docno
// descending, so ties at a cutoff fall as they would for pytrec_eval.
//
// When Score is evidently not what ranked the passages (they are not in
// descending Score order, or all share one score), each document keeps
// the rank of its first chunk instead and no ties arise.
func RankDocuments(passages []rag.Passage) []string {
	best := make(map[string]float64, len(passages))
	byScore := rankedByScore(passages)
	for i, p := range passages {
		s := p.Score
		if !byScore {
			s = -float64(i)
		}
		if old, ok := best[p.Source]; !ok || s > old {
			best[p.Source] = s
		}
	}
	ids := make([]string, 0, len(best))
	for id := range best {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		if c := cmp.Compare(best[b], best[a]); c != 0 {
			return c
		}
		return cmp.Compare(b, a)
	})
	return ids
}

// rankedByScore reports whether passages are in descending Score order
// with at least two distinct scores (or fewer than two passages).
func rankedByScore(passages []rag.Passage) bool {
	if len(passages) < 2 {
		return true
	}
	if passages[0].Score == passages[len(passages)-1].Score {
		return false
	}
	return slices.IsSortedFunc(passages, func(a, b rag.Passage) int { return cmp.Compare(b.Score, a.Score) })
}
