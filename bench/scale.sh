#!/usr/bin/env bash
# Scale run: generate an N GB corpus (bench/gen, recombined dev-corpus lines,
# deterministic), build it with each anchor scheme under GNU time, and
# measure what the scale issue asks for: build time and MB/s per core, peak
# RSS against --memory, index size split into postings / doc store / Bloom,
# the GSM8K check, and trace/count latency (bench/latency).
#
# usage: bench/scale.sh N            e.g. bench/scale.sh 1, bench/scale.sh 10
#
# Environment:
#   ANCHORS   anchor schemes to build (default "all winnow-6")
#   MEMORY    --memory of build and check (default 1GiB)
#   SHARDS    --shards (default: nproc)
#   WORK      where corpora and indexes go (default ${TMPDIR:-/tmp})
#   KEEP=1    keep the indexes (the generated corpus is always kept for reruns)
#   PHASES    "build check" (default), or one of them: "build" builds and
#             keeps the index with its build figures; a later "check" run
#             measures check and latency on it and writes the row
#   RESULTS   TSV file a row per build is appended to (default bench/scale-results.tsv;
#             bench/chart turns it into bench/scale.svg)
#   DEV       dev set with benchmarks/gsm8k_test.jsonl (default ../shared/data/dev)
#
# Needs Go, GNU time (/usr/bin/time) and ~3 GB of disk per GB of corpus for
# the all-anchors index. Prints markdown rows to paste into bench/README.md.
set -euo pipefail
die() { echo "scale.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: bench/scale.sh N   (gigabytes of text)"
N=$1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ANCHORS=${ANCHORS:-"all winnow-6"}
MEMORY=${MEMORY:-1GiB}
SHARDS=${SHARDS:-$(nproc)}
WORK=${WORK:-${TMPDIR:-/tmp}}
KEEP=${KEEP:-0}
RESULTS=${RESULTS:-$ROOT/bench/scale-results.tsv}
DEV=${DEV:-$ROOT/../shared/data/dev}
GSM=$DEV/benchmarks/gsm8k_test.jsonl
[ -x /usr/bin/time ] || die "GNU time is missing (apt-get install time)"
[ -f "$GSM" ] || die "$GSM not found: the scale runs need the shared dev set (seed corpus and GSM8K)"

BIN=$WORK/contam-scale-bin
mkdir -p "$BIN"
(cd "$ROOT" && go build -o "$BIN/contam" ./cmd/contam && go build -o "$BIN/latency" ./bench/latency)

CORPUS=$WORK/contam-scale-${N}g
if [ ! -f "$CORPUS/.complete" ]; then
	echo "== generating $N GB into $CORPUS"
	rm -rf "$CORPUS"
	(cd "$ROOT" && go run ./bench/gen -gb "$N" -out "$CORPUS" -seed-corpus "$DEV/corpus")
	touch "$CORPUS/.complete"
fi

# timed CMD...: runs under GNU time; sets WALL, CPU (user+sys s), RSS (MiB).
timed() {
	local log=$WORK/contam-scale-time.$$
	/usr/bin/time -v -o "$log" "$@"
	WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$log")
	CPU=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$log")
	RSS=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$log")
	rm -f "$log"
}

sum_bytes() { find "$@" -type f -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }

echo "== $(date -u +%FT%TZ) $(git -C "$ROOT" rev-parse --short HEAD) nproc $(nproc) load $(cut -d' ' -f1-3 /proc/loadavg)"
[ -f "$RESULTS" ] || printf 'gb\tanchors\ttext_bytes\ttokens\tbuild_s\tbuild_cpu_s\tbuild_rss_mib\tmemory\tpostings_b\tdocstore_b\tbloom_b\tcheck_s\tcheck_cpu_s\tcheck_rss_mib\ttrace_p50_ms\ttrace_p95_ms\tcount_p50_ms\tcount_p95_ms\n' >"$RESULTS"
echo "| corpus | anchors | build | MB/s (per core) | peak RSS (--memory $MEMORY) | postings / doc store / Bloom | index / text | bytes/token | GSM8K check (RSS) | trace p50/p95 | count p50/p95 |"
echo "|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|"
PHASES=${PHASES:-build check}
for A in $ANCHORS; do
	IDX=$WORK/contam-scale-${N}g-$A.idx
	FIG=$IDX.build-figures
	if [[ " $PHASES " == *" build "* ]]; then
		rm -rf "$IDX" "$FIG"
		timed "$BIN/contam" build -q --force --anchors "$A" --shards "$SHARDS" --memory "$MEMORY" --out "$IDX" "$CORPUS"
		echo "$WALL $CPU $RSS" >"$FIG"
		echo "built $IDX: ${WALL}s wall, ${CPU}s CPU, ${RSS} MiB peak RSS" >&2
	fi
	[[ " $PHASES " == *" check "* ]] || continue
	[ -f "$FIG" ] || die "$IDX has no build figures: run with PHASES=build first"
	read -r B_WALL B_CPU B_RSS <"$FIG"
	TEXT=$(sed -n 's/.*"text_bytes": \([0-9]*\).*/\1/p' "$IDX/manifest.json" | tail -1)
	TOKENS=$(sed -n 's/.*"tokens": \([0-9]*\).*/\1/p' "$IDX/manifest.json" | tail -1)
	PG=$(sum_bytes "$IDX"/shard-*/postings)
	DS=$(sum_bytes "$IDX"/shard-*/docs.zst "$IDX"/shard-*/docs.idx)
	BL=$(sum_bytes "$IDX"/shard-*/bloom.bin)
	timed "$BIN/contam" check -i "$IDX" --memory "$MEMORY" --bench "$GSM" --field question,answer \
		--id-field 'gsm8k/test/{{._index}}' --format jsonl -o "$WORK/contam-scale-check.jsonl"
	C_WALL=$WALL C_CPU=$CPU C_RSS=$RSS
	LAT=$("$BIN/latency" -index "$IDX" -bench "$GSM" -n 200)
	TP=$(echo "$LAT" | awk '/^trace/ { print $5 "\t" $8 }')
	CP=$(echo "$LAT" | awk '/^count \(present\)/ { print $5 "\t" $8 }')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$N" "$A" "$TEXT" "$TOKENS" \
		"$B_WALL" "$B_CPU" "$B_RSS" "$MEMORY" "$PG" "$DS" "$BL" "$C_WALL" "$C_CPU" "$C_RSS" "$TP" "$CP" >>"$RESULTS"
	cores=$(( SHARDS < $(nproc) ? SHARDS : $(nproc) ))
	awk -v gb="$N" -v a="$A" -v t="$TEXT" -v tok="$TOKENS" -v w="$B_WALL" -v rss="$B_RSS" \
		-v pg="$PG" -v ds="$DS" -v bl="$BL" -v cw="$C_WALL" -v crss="$C_RSS" -v cores="$cores" \
		-v tp="$(echo "$TP" | tr '\t' /)" -v cp="$(echo "$CP" | tr '\t' /)" 'BEGIN {
		mbs = t / 1e6 / w
		printf "| %s GB | %s | %.0f s | %.1f (%.1f) | %d MiB | %.2f / %.2f / %.2f GB | %.2f× | %.2f | %.0f s (%d MiB) | %s ms | %s ms |\n",
			gb, a, w, mbs, mbs / cores, rss, pg / 1e9, ds / 1e9, bl / 1e9, (pg + ds + bl) / t, (pg + ds + bl) / tok, cw, crss, tp, cp
	}'
	echo "$LAT" | sed 's/^/    /' >&2
	[ "$KEEP" = 1 ] || rm -rf "$IDX" "$FIG"
done
