// Package eval measures citebot's retrieval and answers against judged
// questions. It reads two kinds of judgments: citebot's own QA files (JSONL,
// one question a line, with gold substrings that mark a passage as a hit)
// and BEIR data sets (corpus, queries and graded qrels). It computes the
// usual ranking metrics (recall, MRR, nDCG with trec_eval's conventions),
// runs questions through consumer-owned Retriever, Answerer and
// CorpusIngester interfaces with a small bounded pool, and prints reports
// as JSON or as an aligned table. Distractors generates unrelated documents
// that benchmarks mix into a collection to make retrieval harder.
package eval
