#!/usr/bin/env bash
# Runs citebot's benchmarks on this machine and writes docs/benchmarks.md:
# the machine, the commit, and for each row the command that produced it
# and its peak memory. Benchmarks report; they do not fail on a target.
# Needs the database and the model (`make bench` sets both up).
#
#   scripts/bench.sh               every benchmark, the 1M-chunk rows too
#   scripts/bench.sh --scale-only  only the 1M-chunk rows (make bench BENCH=scale)
#
# The 1M-chunk rows (rag/store BenchmarkScale, cli BenchmarkServeMemory)
# grow a database citebot_bench_scale to 10k, 100k and 1M synthetic
# chunks (about an hour on 2 cores, ~10 GB of disk while it runs) and
# are written to docs/benchmarks-scale.md; the database is dropped after.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
out=${BENCH_OUT:-docs/benchmarks.md}
scale_out=${BENCH_SCALE_OUT:-docs/benchmarks-scale.md}
scale_only=
case "${1:-}" in
--scale-only) scale_only=1 ;;
"") ;;
*) echo "usage: scripts/bench.sh [--scale-only]" >&2; exit 2 ;;
esac
scifact=${SCIFACT_DIR:-$repo/../shared/bench/scifact}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v /usr/bin/time >/dev/null || { echo "bench: installing GNU time" >&2; apt-get install -y -qq time >/dev/null; }

rows=()
# row STEP COMMAND RESULT PEAK_KB
row() { rows+=("| $1 | \`$2\` | $3 | $(($4 / 1024)) MB |"); }

# gobench PKG REGEX BENCHTIME: runs a compiled test binary's benchmarks in
# the package folder; prints the benchmark lines, leaves peak RSS in $tmp/mem.
gobench() {
	local pkg=$1 re=$2 bt=$3 bin
	bin=$tmp/$(echo "$pkg" | tr / _).test
	[ -x "$bin" ] || go test -c -o "$bin" "./$pkg" >&2
	(cd "$pkg" && /usr/bin/time -f '%M' -o "$tmp/mem" "$bin" -test.run '^$' -test.bench "$re" -test.benchtime "$bt" -test.count 1) |
		tee -a "$tmp/raw.txt" | grep '^Benchmark' || true
}

# metrics LINE: the custom metrics of a benchmark line, "value unit" pairs.
metrics() { awk '{ s = ""; for (i = 5; i < NF; i += 2) s = s (s ? ", " : "") $i " " $(i+1); if (s == "") s = sprintf("%.1f ms/op", $3 / 1e6); print s }' <<<"$1"; }

bench_row() { # STEP PKG REGEX BENCHTIME
	local lines
	lines=$(gobench "$2" "$3" "$4")
	while IFS= read -r l; do
		[ -n "$l" ] || continue
		row "$1: $(awk '{print $1}' <<<"$l" | sed 's/-[0-9]*$//')" "go test -run '^\$' -bench '$3' -benchtime $4 ./$2" "$(metrics "$l")" "$(cat "$tmp/mem")"
	done <<<"$lines"
}

# machine: the header lines of a report.
machine() {
	echo "- machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(free -g | awk '/^Mem/{print $2}') GiB"
	echo "- commit: $commit"
	echo "- date: $(date -u +%Y-%m-%dT%H:%MZ); $(go version | awk '{print $3}'); PostgreSQL $(psql --version | awk '{print $3}')"
}

# scale_bench writes the 1M-chunk rows to $scale_out: the store grown to
# 10k, 100k and 1M chunks in its own database, and `citebot serve`'s memory
# under 200 questions at 100k and at 1M.
scale_bench() {
	local url base
	url=${DATABASE_URL:-$(cat "$repo/.data/database_url")}
	base=${url%%\?*}
	export CITEBOT_BENCH_DB="${base%/*}/citebot_bench_scale${url#"$base"}"
	psql "$url" -qAtX -v ON_ERROR_STOP=1 -c 'DROP DATABASE IF EXISTS citebot_bench_scale WITH (FORCE)' -c 'CREATE DATABASE citebot_bench_scale'
	rows=()
	echo "bench: scale, 10k and 100k chunks (synthetic, bulk path)" >&2
	bench_row "scale" rag/store 'Scale/chunks=(10000|100000)$' 300x
	echo "bench: scale, citebot serve at 100k chunks" >&2
	bench_row "scale, 100k chunks" cli 'ServeMemory' 1x
	echo "bench: scale, 1M chunks (loads 900k more chunks and builds the HNSW index: takes long)" >&2
	bench_row "scale" rag/store 'Scale/chunks=1000000$' 300x
	echo "bench: scale, citebot serve at 1M chunks" >&2
	bench_row "scale, 1M chunks" cli 'ServeMemory' 1x
	psql "$url" -qAtX -c 'DROP DATABASE IF EXISTS citebot_bench_scale WITH (FORCE)' || true
	unset CITEBOT_BENCH_DB
	{
		echo "# Benchmarks at scale"
		echo
		echo "Written by \`make bench\` (or \`make bench BENCH=scale\` alone; scripts/bench.sh): one synthetic"
		echo "collection (rag/store/scalegen_test.go) grown through the store's bulk path. load-chunks/s and"
		echo "hnsw-build-s are for the chunks added at that size; pg-MB is the server's memory (proportional set"
		echo "size of its processes) after the queries; peak memory is the benchmark process (or, for serve, see"
		echo "serve-rss-MB). Numbers from one run, not a target check."
		echo
		machine
		echo
		echo "| step | command | result | peak memory |"
		echo "| --- | --- | --- | --- |"
		printf '%s\n' "${rows[@]}"
		echo
		echo "Raw benchmark output:"
		echo
		echo '```'
		grep -E '^(Benchmark|goos|goarch|cpu|pkg|    scale_bench)' "$tmp/raw.txt" || true
		echo '```'
	} >"$scale_out"
	echo "bench: wrote $scale_out" >&2
	rows=()
	: >"$tmp/raw.txt"
}

# Before any report is opened for writing, which would count as a change.
commit="$(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
scale_bench
[ -z "$scale_only" ] || exit 0

echo "bench: local model" >&2
bench_row "embedding" embeddings/uselite 'EmbedFullChunks|EmbedQuery|Load' 3s
echo "bench: store and index" >&2
bench_row "store" rag/ingest 'StoreAndIndex' 2x
echo "bench: hybrid query latency (fills 110,000 chunks; takes minutes)" >&2
bench_row "query" rag/store 'HybridQuery' 300x
echo "bench: re-ingest" >&2
bench_row "ingest" rag/ingest 'ReingestUnchanged' 5x
# A gated re-ingest's store overhead on 2k chunks: shadow copy, swap, drop.
bench_row "gate" rag/store 'GateShadow' 3x
echo "bench: Discord" >&2
bench_row "discord" bot 'ConcurrentAsk' 5x
echo "bench: QA set with 1,000 distractors; 200 questions at 50 concurrent through the fake Discord" >&2
bench_row "end to end" cli 'QAWithDistractors|Load' 1x

echo "bench: PDF parsing (1,000 / 2,000 / 5,000 pages)" >&2
bench_row "pdf" rag/loader 'PDFPages' 3x

# Hostile inputs of issue 19, generated here (not committed): each is
# ingested by the citebot binary alone, and its peak memory (PDF worker
# included) is the row's; --prune drops what earlier runs stored.
echo "bench: hostile inputs, one ingest each (prose.txt, 5 MB accepted, embeds about 15,000 chunks: takes minutes)" >&2
CGO_ENABLED=0 go build -o "$tmp/citebot" .
mkdir -p "$tmp/hostile"
go run ./rag/loader/loadertest/gen "$tmp/hostile"
for f in stream-bomb.pdf long-line.txt words.docx prose.txt; do
	size=$(($(stat -c %s "$tmp/hostile/$f") / 1000))
	out=$(/usr/bin/time -f '%M %e' -o "$tmp/mem" "$tmp/citebot" ingest --collection bench-hostile --prune --log-level error "$tmp/hostile/$f" 2>/dev/null || true)
	read -r peak secs < <(tail -1 "$tmp/mem")
	result="$(grep -m1 '^failed:' <<<"$out" | sed 's/^failed: "[^"]*": //') $(grep -o '[0-9]* added, .*' <<<"$out" | sed 's/ in .*//'); ${secs} s"
	row "hostile: $f ($size kB)" "citebot ingest $f" "$result" "$peak"
done

scifact_rows=()
if [ -f "$scifact/corpus.jsonl" ]; then
	for mode in text vector hybrid; do
		echo "bench: SciFact ($mode; the first run ingests 5,183 abstracts)" >&2
		cmd="citebot eval beir --corpus \$S/corpus.jsonl --queries \$S/queries.jsonl --qrels \$S/qrels/train.tsv --mode $mode --json"
		json=$(/usr/bin/time -f '%M' -o "$tmp/mem" "$tmp/citebot" eval beir --corpus "$scifact/corpus.jsonl" \
			--queries "$scifact/queries.jsonl" --qrels "$scifact/qrels/train.tsv" --mode "$mode" --json --log-level warn)
		scifact_rows+=("| $mode | $(jq -r '[."ndcg@10", ."recall@100", ."recall@10", ."mrr@10"] | map(. * 10000 | round / 10000) | join(" | ")' <<<"$json") | $(jq -r '.queries' <<<"$json") | \`$cmd\` | $(($(cat "$tmp/mem") / 1024)) MB |")
	done
fi

# qa_row NAME COLLECTION QA PATH...: retrieval recall on a QA set over PATH
# plus 500 SciFact abstracts in one collection (scripts/distract.sh).
qa_rows=()
qa_row() {
	local name=$1 coll=$2 qa=$3 json
	shift 3
	echo "bench: retrieval on $name with 500 unrelated documents" >&2
	CITEBOT_BIN=$tmp/citebot scripts/distract.sh "$coll" 500 "$@" >/dev/null
	json=$("$tmp/citebot" eval retrieval --collection "$coll" --qa "$qa" --json --log-level warn)
	qa_rows+=("| $name | $(jq -r '[."recall@1", ."recall@3", ."recall@5", ."recall@10", ."mrr@10"] | map(. * 1000 | round / 1000) | join(" | ")' <<<"$json") | $(jq -r '.questions' <<<"$json") | \`scripts/distract.sh $coll 500 $*; citebot eval retrieval --collection $coll --qa $qa --json\` |")
}
squad=${SQUAD_DIR:-../shared/bench/squad-dev}
material=${MATERIAL_DIR:-../shared/corpus}
if [ -f "$scifact/corpus.jsonl" ]; then
	[ -d "$squad/articles" ] && qa_row squad-dev bench-squad "$squad/qa.jsonl" "$squad/articles"
	[ -d "$material" ] && qa_row material bench-material rag/answer/testdata/qa-hts.jsonl "$material"
	qa_row own bench-own rag/retrieve/testdata/qa-own.jsonl rag/retrieve/testdata/own
fi

{
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` (scripts/bench.sh); numbers from one run, not a target check."
	echo
	machine
	echo
	echo "| step | command | result | peak memory |"
	echo "| --- | --- | --- | --- |"
	printf '%s\n' "${rows[@]}"
	if [ ${#scifact_rows[@]} -gt 0 ]; then
		echo
		echo "## SciFact (train judgments, local model; S=../shared/bench/scifact)"
		echo
		echo "| mode | nDCG@10 | recall@100 | recall@10 | MRR@10 | queries | command | peak memory |"
		echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
		printf '%s\n' "${scifact_rows[@]}"
	fi
	if [ ${#qa_rows[@]} -gt 0 ]; then
		echo
		echo "## Retrieval on QA sets, each with 500 SciFact abstracts in the collection"
		echo
		echo "| set | recall@1 | recall@3 | recall@5 | recall@10 | MRR@10 | questions | command |"
		echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
		printf '%s\n' "${qa_rows[@]}"
	fi
	echo
	echo "Raw benchmark output:"
	echo
	echo '```'
	grep -E '^(Benchmark|goos|goarch|cpu|pkg)' "$tmp/raw.txt" || true
	echo '```'
} >"$out"
echo "bench: wrote $out" >&2
