#!/usr/bin/env bash
# Fits the sentence re-rank weights (rag/retrieve/rerank.json) on three QA
# sets, each in a collection with 500 unrelated SciFact abstracts: the six
# squad-dev articles, ../shared/corpus with rag/answer/testdata/qa-hts.jsonl,
# and rag/retrieve/testdata/own with qa-own.jsonl. Prints each set before
# and after, and leave-one-article-out numbers; FIT_WRITE=1 writes the
# weights. Nothing from ../shared is committed.
#
#   CITEBOT_BIN=/tmp/citebot scripts/fit-rerank.sh [PREFIX]
#
# Needs DATABASE_URL and CITEBOT_MODEL_DIR. PREFIX (default fit-) names the
# collections; FIT_CACHE=DIR keeps what was read from the store there, so
# that a second run with changed features alone takes seconds.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${SHARED_DIR:-$repo/../shared}
p=${1:-fit-}
: "${CITEBOT_BIN:?set CITEBOT_BIN to a built citebot}"
"$repo/scripts/distract.sh" "${p}squad" 500 "$shared/bench/squad-dev/articles" >&2
"$repo/scripts/distract.sh" "${p}hts" 500 "$shared/corpus" >&2
"$repo/scripts/distract.sh" "${p}own" 500 "$repo/rag/retrieve/testdata/own" >&2
sets="${p}squad=$shared/bench/squad-dev/qa.jsonl"
sets+=",${p}hts=$repo/rag/answer/testdata/qa-hts.jsonl"
sets+=",${p}own=$repo/rag/retrieve/testdata/qa-own.jsonl"
cd "$repo/rag/retrieve"
FIT_SETS=$sets go test -tags fit -run TestFitRerank -count=1 -v -timeout 60m .
