#!/usr/bin/env bash
# Builds a retrieval benchmark collection with unrelated documents in it:
# the given files or directories plus the first N SciFact abstracts, each
# abstract written to a temporary file (nothing from ../shared is
# committed), all ingested into one collection. Re-running it is cheap:
# unchanged documents are skipped.
#
#   scripts/distract.sh COLLECTION N PATH...
#
# squad-dev with 500 abstracts:
#   scripts/distract.sh h1-squad 500 ../shared/bench/squad-dev/articles
# Needs DATABASE_URL and CITEBOT_MODEL_DIR; CITEBOT_BIN is the binary
# (default: go run .). SCIFACT_DIR overrides ../shared/bench/scifact.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# -ge 3 ] || { echo "usage: distract.sh COLLECTION N PATH..." >&2; exit 2; }
coll=$1 n=$2
shift 2
scifact=${SCIFACT_DIR:-$repo/../shared/bench/scifact}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One file per abstract, named by its id; the title is the first line.
head -n "$n" "$scifact/corpus.jsonl" | jq -r '[._id, .title, .text] | @tsv' |
	while IFS=$'\t' read -r id title text; do
		printf '%s\n\n%s\n' "$title" "$text" >"$tmp/scifact-$id.txt"
	done
if [ -n "${CITEBOT_BIN:-}" ]; then
	"$CITEBOT_BIN" ingest --collection "$coll" "$@" "$tmp"
else
	(cd "$repo" && go run . ingest --collection "$coll" "$@" "$tmp")
fi
