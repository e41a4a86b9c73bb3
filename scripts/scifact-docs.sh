#!/usr/bin/env bash
# scifact-docs.sh CORPUS.jsonl OUTDIR [N]: writes the first N (default 500)
# abstracts of a BEIR corpus (e.g. SciFact's corpus.jsonl) as text files,
# one per abstract, to use as unrelated documents in answer evaluations.
# The files are benchmark data: keep them out of the repository.
set -euo pipefail
if [ $# -lt 2 ]; then
	echo "usage: $0 CORPUS.jsonl OUTDIR [N]" >&2
	exit 2
fi
corpus=$1 out=$2 n=${3:-500}
mkdir -p "$out"
head -n "$n" "$corpus" | jq -r '[._id, .title, .text] | @tsv' |
	while IFS=$'\t' read -r id title text; do
		printf '%s\n\n%s\n' "$title" "$text" >"$out/scifact-$id.txt"
	done
echo "wrote $(ls "$out" | wc -l) documents to $out"
