// Package eval measures citebot's retrieval and answers against judged
// questions. It reads two kinds of judgments: citebot's own QA files (JSONL,
// one question a line, with gold substrings that mark a passage as a hit)
// and BEIR data sets (corpus, queries and graded qrels). It computes the
// usual ranking metrics, runs questions through consumer-owned Retriever,
// Answerer and CorpusIngester interfaces with a small bounded pool
// (Workers at once, stopping at the first error or when the context ends),
// and prints reports as JSON or as an aligned table. Distractors generates
// unrelated documents that benchmarks mix into a collection to make
// retrieval harder.
//
// The ranking metrics follow trec_eval, which BEIR's published numbers
// come from through pytrec_eval: a document is relevant when its grade is
// above zero; unjudged documents are non-relevant; nDCG's gain is the grade
// itself (not 2^grade-1), discounted by log2(rank+1), over an ideal ranking
// of the judged grades; queries without a relevant document are left out;
// and documents with equal scores rank by descending id, as trec_eval's
// comp_sim_docno sorts them (see RankDocuments).
//
// QA retrieval counts a passage as a hit when its Text (the chunk, not its
// neighbours) contains a gold string after Normalize; recall@k there is the
// fraction of questions with a hit in the top k. How the answer metrics
// are counted, refusals and citations included, is on AnswerReport.
package eval
