#!/usr/bin/env bash
# scifact-qa.sh CORPUS.jsonl QUERIES.jsonl QRELS.tsv [N]: writes to stdout a
# QA file (the format of `citebot eval answers --qa`) of SciFact claims over
# the first N (default 500) abstracts of the corpus, the ones
# scripts/scifact-docs.sh writes: a claim whose judged abstract is among
# them is answerable (gold: the abstract's title and sentences), one whose
# abstracts are all elsewhere is not (the material lacks it); as many of
# those as of the answerable ones, in file order. Benchmark
# data: keep the output out of the repository.
set -euo pipefail
if [ $# -lt 3 ]; then
	echo "usage: $0 CORPUS.jsonl QUERIES.jsonl QRELS.tsv [N]" >&2
	exit 2
fi
corpus=$1 queries=$2 qrels=$3 n=${4:-500}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -n "$n" "$corpus" | jq -c '{key: ._id, value: ([.title] + (.text | split(". ") | map(select(length > 30))))}' |
	jq -s 'from_entries' >"$tmp/docs.json"
tail -n +2 "$qrels" | awk -F'\t' '$3 > 0 {print $1 "\t" $2}' |
	jq -R -s 'split("\n") | map(select(length > 0) | split("\t")) | group_by(.[0]) | map({key: .[0][0], value: map(.[1])}) | from_entries' >"$tmp/qrels.json"
jq -c --slurpfile docs "$tmp/docs.json" --slurpfile rel "$tmp/qrels.json" '
	($rel[0][._id] // null) as $r | select($r != null) |
	([$r[] | $docs[0][.] // empty] | add) as $gold |
	{id: ("scifact-" + ._id), question: .text, gold: ($gold // []), answerable: ($gold != null)}' "$queries" |
	jq -s -c '(map(select(.answerable)) | length) as $k | map(select(.answerable)) + (map(select(.answerable | not)) | .[:$k]) | .[]'

