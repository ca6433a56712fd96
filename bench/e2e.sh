#!/usr/bin/env bash
# End-to-end benchmark of the contam binary: build an index over a corpus
# directory under GNU time, report throughput, peak memory and index size,
# time 'contam check' on GSM8K (with and without the Bloom filters), and score
# the verdicts for GSM8K, HumanEval and MBPP against the dev-set labels.
#
# usage: bench/e2e.sh [CORPUS_DIR]          (run from anywhere)
#
# Environment:
#   CORPUS    corpus directory (default: ../shared/data/dev/corpus beside the
#             repository root; the first argument wins over it)
#   DEV       dev set directory holding benchmarks/ and labels/
#             (default: ../shared/data/dev beside the repository root)
#   SCORER    scorer script (default: ../shared/data/score.py)
#   MEMORY    --memory budget of the build (default 1GiB)
#   SHARDS    --shards of the build (default: nproc)
#   WORKERS   --workers of the build (default: contam's, min(shards, cores))
#   REPEAT    timed runs of each check (default 3)
#   SHARDS4=1 also build a 4-shard index and time the checks on it
#   KEEP=1    keep the work directory (printed at the end)
#   TMPDIR    where the work directory is made (default /tmp)
#
# The report goes to stdout; paste it into bench/README.md.
set -euo pipefail

die() { echo "e2e.sh: $*" >&2; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
abspath() { (cd "$1" && pwd); }

CORPUS=${1:-${CORPUS:-$ROOT/../shared/data/dev/corpus}}
DEV=${DEV:-$ROOT/../shared/data/dev}
SCORER=${SCORER:-$ROOT/../shared/data/score.py}
MEMORY=${MEMORY:-1GiB}
NPROC=$(nproc)
SHARDS=${SHARDS:-$NPROC}
WORKERS=${WORKERS:-}
REPEAT=${REPEAT:-3}
SHARDS4=${SHARDS4:-0}
KEEP=${KEEP:-0}

[[ -d $CORPUS ]] || die "corpus directory $CORPUS not found.
Give one as the first argument or in CORPUS=..., e.g. the shared developer set:
  bench/e2e.sh ../shared/data/dev/corpus"
CORPUS=$(abspath "$CORPUS")
[[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1 ||
	die "GNU time (/usr/bin/time -v) is needed for peak RSS: apt-get install time"
command -v python3 >/dev/null || die "python3 is needed (manifest parsing and the scorer)"
command -v go >/dev/null || die "go is needed to build the contam binary"
[[ $REPEAT -ge 1 ]] || die "REPEAT must be at least 1"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/contam-e2e.XXXXXX")
cleanup() {
	if [[ $KEEP == 1 ]]; then
		echo "(work directory kept: $WORK)" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT

BIN=$WORK/contam
(cd "$ROOT" && go build -o "$BIN" ./cmd/contam) || die "go build ./cmd/contam failed"

# py EXPR FILE: evaluate a Python expression over the JSON document m in FILE.
py() { python3 -c 'import json,sys; m=json.load(open(sys.argv[2])); print(eval(sys.argv[1]))' "$1" "$2"; }

# gtime FIELD FILE: one field of a GNU time -v report.
gtime() { sed -n "s/^[[:space:]]*$1: //p" "$2"; }

# secs H:MM:SS.ss | M:SS.ss → seconds
secs() { awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<<"$1"; }

load1() { cut -d' ' -f1 /proc/loadavg; }

loadnote() {
	local l
	l=$(load1)
	if awk -v l="$l" 'BEGIN { exit !(l > 1.5) }'; then
		echo "NOTE: load average $l > 1.5 -- other jobs share this machine; times are inflated"
	fi
}

# ---------------------------------------------------------------- header
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]]; then commit="$commit (+ uncommitted changes)"; fi
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem_total=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
corpus_files=$(find "$CORPUS" -type f | wc -l)
corpus_disk=$(find "$CORPUS" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.1f MB", s / 1e6 }')

echo "== contam end-to-end benchmark"
echo "date      $(date -u '+%Y-%m-%d %H:%M:%SZ')"
echo "commit    $commit"
echo "machine   $(uname -m), nproc $NPROC, $cpu, $mem_total RAM"
echo "go        $(go version | cut -d' ' -f3-)"
echo "uptime   $(uptime)"
loadnote
echo "corpus    $CORPUS ($corpus_files files, $corpus_disk on disk)"
echo

# ---------------------------------------------------------------- build
# build NAME SHARDS: build $WORK/NAME and print the build report.
build() {
	local name=$1 shards=$2 idx=$WORK/$1 tf=$WORK/$1.time ef=$WORK/$1.stderr
	local args=(build --out "$idx" --shards "$shards" --memory "$MEMORY")
	[[ -n $WORKERS ]] && args+=(--workers "$WORKERS")
	echo "== build: contam ${args[*]/#$WORK\//\$WORK/} \$CORPUS"
	if ! /usr/bin/time -v -o "$tf" "$BIN" "${args[@]}" "$CORPUS" 2>"$ef"; then
		cat "$ef" >&2
		die "contam build failed"
	fi
	local m=$idx/manifest.json
	local wall user sys rss text docs tokens nshards cores
	wall=$(secs "$(gtime 'Elapsed (wall clock) time (h:mm:ss or m:ss)' "$tf")")
	user=$(gtime 'User time (seconds)' "$tf")
	sys=$(gtime 'System time (seconds)' "$tf")
	rss=$(gtime 'Maximum resident set size (kbytes)' "$tf")
	text=$(py 'm["counts"]["text_bytes"]' "$m")
	docs=$(py 'm["counts"]["docs"]' "$m")
	tokens=$(py 'm["counts"]["tokens"]' "$m")
	nshards=$(py 'len(m["shards"])' "$m")
	# Cores the build could use: shards built at once, at most nproc.
	cores=${WORKERS:-$nshards}
	((cores > nshards)) && cores=$nshards
	((cores > NPROC)) && cores=$NPROC
	grep -v '^$' "$ef" | sed -e "s|$WORK/|\$WORK/|" -e 's/^/  contam: /'
	awk -v wall="$wall" -v user="$user" -v sys="$sys" -v rss="$rss" -v text="$text" -v docs="$docs" \
		-v tokens="$tokens" -v nshards="$nshards" -v cores="$cores" -v mem="$MEMORY" -v budget="$(membytes "$MEMORY")" 'BEGIN {
		mb = text / 1e6
		printf "corpus        %d docs, %.1f MB uncompressed text (manifest counts.text_bytes), %d tokens\n", docs, mb, tokens
		printf "shards        %d built, %d at once (cores used for per-core figures)\n", nshards, cores
		printf "wall time     %.2f s  (user %.2f s + sys %.2f s = %.0f%% of one core)\n", wall, user, sys, 100 * (user + sys) / wall
		printf "throughput    %.2f MB/s of text total, %.2f MB/s per core (%d cores); %.2f MB per CPU-second\n", mb / wall, mb / wall / cores, cores, mb / (user + sys)
		printf "peak RSS      %.1f MiB vs --memory %s (%.1f MiB): %.0f%% of the budget\n", rss / 1024, mem, budget / 1048576, 100 * rss * 1024 / budget
	}'
	echo "phases per shard (seconds, from shard.json: read = decompress+parse+store+tokenize+hash+sort+spill; merge = merge+sstables+ingest):"
	for s in "$idx"/shard-*/; do
		python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); p=m["phases"]; c=m["counts"]
print("  %s  %6d docs %7.1f MB  read %6.2f  merge %6.2f  bloom %6.2f  total %6.2f" % (sys.argv[2], c["docs"], c["text_bytes"]/1e6, p["read"], p["merge"], p["bloom"], m["build_seconds"]))' \
			"$s/shard.json" "$(basename "$s")"
	done
	echo
	echo "-- index size (contam stats)"
	"$BIN" stats --index "$idx" | sed -e "s|$WORK/|\$WORK/|" -e 's/^./  &/'
	# The same split computed here from the file sizes, as a cross-check.
	local pg ds bl
	pg=$(find "$idx"/shard-*/postings -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
	ds=$(cat "$idx"/shard-*/docs.zst "$idx"/shard-*/docs.idx | wc -c)
	bl=$(cat "$idx"/shard-*/bloom.bin | wc -c)
	awk -v pg="$pg" -v ds="$ds" -v bl="$bl" -v text="$text" -v tokens="$tokens" 'BEGIN {
		all = pg + ds + bl
		printf "  on disk      %.1f MB total = postings %.1f MB + doc store %.1f MB + Bloom %.1f MB\n", all / 1e6, pg / 1e6, ds / 1e6, bl / 1e6
		printf "  per token    %.2f B total = postings %.2f + doc store %.2f + Bloom %.2f\n", all / tokens, pg / tokens, ds / tokens, bl / tokens
		printf "  vs text      %.2fx the uncompressed text (postings %.2fx, doc store %.2fx, Bloom %.2fx)\n", all / text, pg / text, ds / text, bl / text
	}'
	echo
}

membytes() {
	python3 - "$1" <<'EOF'
import re, sys
s = sys.argv[1].strip().upper()
units = [("KIB", 1 << 10), ("MIB", 1 << 20), ("GIB", 1 << 30), ("TIB", 1 << 40), ("KB", 10**3), ("MB", 10**6),
         ("GB", 10**9), ("TB", 10**12), ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("B", 1)]
mult = 1
for u, m in units:
    if s.endswith(u):
        s, mult = s[: -len(u)].strip(), m
        break
print(int(float(s) * mult))
EOF
}

# ---------------------------------------------------------------- check
GSM8K=$DEV/benchmarks/gsm8k_test.jsonl
GSM_ARGS=(--bench "$GSM8K" --field question,answer --id-field 'gsm8k/test/{{._index}}' --format jsonl)

# timed IDX OUT ARGS...: one check run; prints "WALL CPU" in seconds (CPU =
# user + system time of the process, all threads).
timed() {
	local idx=$1 out=$2
	shift 2
	/usr/bin/time -f '%e %U %S' -o "$WORK/check.time" "$BIN" check --index "$idx" "$@" >"$out" 2>"$WORK/check.stderr" || {
		cat "$WORK/check.stderr" >&2
		die "contam check failed"
	}
	awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$WORK/check.time"
}

# checks NAME: time GSM8K checks on index $WORK/NAME.
checks() {
	local idx=$WORK/$1 items times
	items=$(grep -c . "$GSM8K")
	echo "== check: $items GSM8K test items (--field question,answer --format jsonl) on $(py 'len(m["shards"])' "$idx/manifest.json") shards, $REPEAT runs each"
	echo "   (times of the whole process: start, index open, check, report)"
	for mode in bloom no-bloom; do
		local extra=()
		[[ $mode == no-bloom ]] && extra=(--no-bloom)
		times=()
		for ((i = 0; i < REPEAT; i++)); do
			times+=("$(timed "$idx" "$WORK/$1.gsm8k.$mode.jsonl" "${GSM_ARGS[@]}" "${extra[@]}")")
		done
		printf '%s\n' "${times[@]}" | sort -n | awk -v mode="$mode" -v items="$items" '
			{ t[NR] = $1; c[NR] = $2 }
			END {
				med = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
				cmin = c[1]
				for (i = 2; i <= NR; i++) if (c[i] < cmin) cmin = c[i]
				printf "  %-9s wall best %.2f s, median %.2f s (%.0f items/s at the best); CPU best %.2f s; runs wall/CPU:", mode, t[1], med, items / t[1], cmin
				for (i = 1; i <= NR; i++) printf " %.2f/%.2f", t[i], c[i]
				printf "\n"
			}'
	done
	if ! cmp -s "$WORK/$1.gsm8k.bloom.jsonl" "$WORK/$1.gsm8k.no-bloom.jsonl"; then
		echo "  WARNING: the reports with and without the Bloom filters differ"
	fi
	echo "  --stats (lookup counters, stderr of one more run each):"
	for mode in bloom no-bloom; do
		local extra=()
		[[ $mode == no-bloom ]] && extra=(--no-bloom)
		timed "$idx" /dev/null "${GSM_ARGS[@]}" --stats "${extra[@]}" >/dev/null
		printf '  %-9s %s\n' "$mode" "$(sed -n 's/^checked //p' "$WORK/check.stderr" | sed "s|$WORK/|\$WORK/|")"
	done
	echo
}

# score NAME: run HumanEval and MBPP checks and score all three benchmarks.
score() {
	local idx=$WORK/$1
	if [[ ! -f $SCORER ]]; then
		echo "== scores: skipped ($SCORER not found)"
		return
	fi
	echo "== scores (python3 score.py; default rule: longest span >= 13 tokens or coverage >= 0.5)"
	local he=$WORK/$1.humaneval.jsonl mbpp=$WORK/$1.mbpp.jsonl t
	# shellcheck disable=SC2207
	t=($(timed "$idx" "$he" --bench "$DEV/benchmarks/humaneval.jsonl" --field prompt,canonical_solution --id-field task_id --format jsonl))
	echo "  humaneval check: $(grep -c . "$DEV/benchmarks/humaneval.jsonl") items, wall ${t[0]} s, CPU ${t[1]} s"
	t=($(timed "$idx" "$mbpp" --bench "$DEV/benchmarks/mbpp.jsonl" --field text,code --id-field 'mbpp/{{.task_id}}' --format jsonl))
	echo "  mbpp check:      $(grep -c . "$DEV/benchmarks/mbpp.jsonl") items, wall ${t[0]} s, CPU ${t[1]} s"
	for b in gsm8k humaneval mbpp; do
		local pred=$WORK/$1.$b.jsonl labels=$DEV/labels/$b.jsonl
		[[ $b == gsm8k ]] && pred=$WORK/$1.gsm8k.bloom.jsonl labels=$DEV/labels/gsm8k_test.jsonl
		echo
		echo "-- $b"
		python3 "$SCORER" --labels "$labels" --pred "$pred" | sed 's/^./  &/'
	done
	echo
}

build idx "$SHARDS"
if [[ -f $GSM8K ]]; then
	checks idx
	score idx
else
	echo "== check: skipped ($GSM8K not found; set DEV=...)"
	echo
fi

if [[ $SHARDS4 == 1 ]]; then
	build idx4 4
	if [[ -f $GSM8K ]]; then
		checks idx4
	fi
fi

echo "== end: $(uptime)"
loadnote
