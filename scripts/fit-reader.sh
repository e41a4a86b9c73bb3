#!/usr/bin/env bash
# fit-reader.sh [SHARED]: refits the extractive reader's sentence weights
# (rag/answer/reader_weights.json) on squad-dev with 500 unrelated SciFact
# abstracts and on the material's own questions (rag/answer/testdata/
# qa-hts.jsonl), and prints the lead rates in sample and
# leave-one-document-out. SHARED (default ../shared) holds bench/ and
# corpus/; nothing from it is written into the repository, only the
# fitted weights. Needs DATABASE_URL and the local model, like citebot;
# CITEBOT (default bin/citebot) is the binary, PREFIX (default fit-) the
# prefix of the two collections it makes.
set -euo pipefail
shared=${1:-../shared}
prefix=${PREFIX:-fit-}
bin=${CITEBOT:-bin/citebot}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scripts/scifact-docs.sh "$shared/bench/scifact/corpus.jsonl" "$tmp/scifact" 500 >/dev/null
"$bin" ingest --exact --collection "${prefix}squad" "$shared/bench/squad-dev/articles" "$tmp/scifact"
"$bin" ingest --exact --collection "${prefix}hts" "$shared/corpus"
"$bin" eval reader --out rag/answer/reader_weights.json \
	--set "${prefix}squad=$shared/bench/squad-dev/qa.jsonl" \
	--set "${prefix}hts=rag/answer/testdata/qa-hts.jsonl"
