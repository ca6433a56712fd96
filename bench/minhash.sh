#!/usr/bin/env bash
# MinHash-LSH near-duplicate baseline on the dev set (issue 5), to compare
# with contam's verdicts: word 5-gram shingles, 128-permutation MinHash,
# github.com/ekzhu/minhash-lsh index, thresholds swept for the best F1.
#
# usage: bench/minhash.sh        (run from anywhere; about a minute)
#
# Environment:
#   DEV     dev set directory holding corpus/, benchmarks/ and labels/
#           (default: ../shared/data/dev beside the repository root)
#   SCORER  scorer script (default: ../shared/data/score.py)
#   GRID    thresholds swept (default 0.1,0.2,...,0.9)
#   REPEAT  timed runs of each chosen configuration (default 3)
#   KEEP=1  keep the work directory (predictions, per-item scores, reports)
#   TMPDIR  where the work directory is made (default /tmp)
#
# Steps (program: bench/minhash, see its doc comment for the method):
#  1. the sweep: every LSH threshold of GRID, the MinHash-estimated Jaccard
#     variant, exact containment on the LSH candidates, and as references
#     exact Jaccard and exact containment against every document; report
#     with per-category recall and clean false positives at the best F1;
#  2. the predictions at the chosen thresholds re-scored with score.py
#     (a check: the numbers must equal the program's);
#  3. the chosen Jaccard configuration alone (one index, no exact shingle
#     sets: the baseline as it would be run) and the chosen containment
#     configuration alone, REPEAT times each under GNU time: build time
#     (corpus signatures + LSH insert), query time of the 2,457 items, peak
#     RSS.
# The report goes to stdout.
set -euo pipefail

die() { echo "minhash.sh: $*" >&2; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEV=${DEV:-$ROOT/../shared/data/dev}
SCORER=${SCORER:-$ROOT/../shared/data/score.py}
GRID=${GRID:-0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9}
REPEAT=${REPEAT:-3}
KEEP=${KEEP:-0}

for d in corpus benchmarks labels; do
	[[ -d $DEV/$d ]] || die "dev set not found: $DEV/$d is missing.
This benchmark needs the shared developer set (../shared/data/dev beside the
repository root, or DEV=/path/to/dev with corpus/, benchmarks/ and labels/)."
done
DEV=$(cd "$DEV" && pwd)
[[ -f $SCORER ]] || die "scorer $SCORER not found (set SCORER=...)"
[[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1 ||
	die "GNU time (/usr/bin/time -v) is needed for peak RSS: apt-get install time"
command -v python3 >/dev/null || die "python3 is needed (scorer, summaries)"
command -v go >/dev/null || die "go is needed to build bench/minhash"
[[ $REPEAT -ge 1 ]] || die "REPEAT must be at least 1"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/contam-minhash.XXXXXX")
cleanup() {
	if [[ $KEEP == 1 ]]; then
		echo "(work directory kept: $WORK)" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT

BIN=$WORK/minhash
(cd "$ROOT" && go build -o "$BIN" ./bench/minhash) || die "go build ./bench/minhash failed"

gtime() { sed -n "s/^[[:space:]]*$1: //p" "$2"; }
secs() { awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<<"$1"; }
# js FILE EXPR: a Python expression over the JSON document s in FILE.
js() { python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]]; then commit="$commit (+ uncommitted changes)"; fi
echo "== MinHash-LSH baseline (github.com/ekzhu/minhash-lsh $(cd "$ROOT" && go list -m -f '{{.Version}}' github.com/ekzhu/minhash-lsh))"
echo "date      $(date -u '+%Y-%m-%d %H:%M:%SZ')"
echo "commit    $commit"
echo "machine   $(uname -m), nproc $(nproc), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "go        $(go version | cut -d' ' -f3-)"
echo "uptime   $(uptime)"
l=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$l" 'BEGIN { exit !(l > 1.5) }'; then
	echo "NOTE: load average $l > 1.5 -- other jobs share this machine; times are inflated"
fi
echo "dev       $DEV"
echo

# ---------------------------------------------------------------- 1. sweep
echo "== 1. sweep: minhash -grid $GRID"
/usr/bin/time -v -o "$WORK/sweep.time" "$BIN" -dev "$DEV" -grid "$GRID" -out "$WORK/sweep" >"$WORK/sweep.md" ||
	die "the sweep failed"
cat "$WORK/sweep.md"
echo "sweep process: wall $(secs "$(gtime 'Elapsed (wall clock) time (h:mm:ss or m:ss)' "$WORK/sweep.time")") s," \
	"peak RSS $(awk '{ printf "%.0f MiB", $1 / 1024 }' <<<"$(gtime 'Maximum resident set size (kbytes)' "$WORK/sweep.time")")" \
	"(all indexes built one after the other, exact shingle sets kept)"
echo

S=$WORK/sweep/summary.json
jt=$(js "$S" 's["best"]["jaccard"]["threshold"]')
ct=$(js "$S" 's["best"]["containment"]["threshold"]')
clsh=$(js "$S" 's["best"]["containment"]["lsh_threshold"]')
echo "chosen: jaccard t = $jt; containment: LSH t = $clsh, containment c = $ct;" \
	"exact Jaccard t = $(js "$S" 's["best"]["exact_jaccard"]["threshold"]'), exact containment c = $(js "$S" 's["best"]["exact_containment"]["threshold"]')"
echo

# ---------------------------------------------------------------- 2. score.py
echo "== 2. score.py on the predictions at the chosen thresholds (all three benchmarks)"
labels=()
for b in gsm8k_test humaneval mbpp; do labels+=(--labels "$DEV/labels/$b.jsonl"); done
for v in jaccard containment exact-jaccard exact-containment; do
	out=$(python3 "$SCORER" "${labels[@]}" --pred "$WORK/sweep/pred-$v.jsonl")
	echo "-- $v"
	sed -n '/^== all benchmarks/,$p' <<<"$out" | tail -2
	python3 - "$WORK/sweep/summary.json" "$v" "$out" <<'PY' || die "score.py and the program disagree on $v"
import json, re, sys
s = json.load(open(sys.argv[1]))["best"][sys.argv[2].replace("-", "_")]
tail = sys.argv[3][sys.argv[3].index("== all benchmarks"):]
m = re.search(r"TP (\d+)\s+FN (\d+)\s+negatives \d+: FP (\d+)\s+TN (\d+)", tail)
got = tuple(int(x) for x in m.groups())
want = (s["tp"], s["fn"], s["fp"], s["tn"])
if got != want:
    sys.exit(f"score.py {got} != program {want}")
PY
done
echo "(score.py agrees with the program's TP/FN/FP/TN for every variant)"
echo

# ---------------------------------------------------------------- 3. timed runs
# timed NAME ARGS...: REPEAT runs of one configuration under GNU time.
timed() {
	local name=$1
	shift
	echo "== 3. $name: minhash $* ($REPEAT runs)"
	local i
	for ((i = 1; i <= REPEAT; i++)); do
		/usr/bin/time -v -o "$WORK/$name.$i.time" "$BIN" -dev "$DEV" "$@" -out "$WORK/$name.$i" >"$WORK/$name.$i.md" ||
			die "run $name failed"
		python3 - "$WORK/$name.$i/summary.json" "$WORK/$name.$i.time" <<'PY'
import json, re, sys
s = json.load(open(sys.argv[1]))
t = open(sys.argv[2]).read()
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1)
w = 0.0
for p in wall.split(":"):
    w = w * 60 + float(p)
l = s["lsh"][0]
print(f"  wall {w:.2f} s | build {s['corpus_sketch_s'] + l['build_s']:.2f} s "
      f"(read+sketch {s['corpus_sketch_s']:.2f} + LSH {l['build_s']:.2f}, {l['bands']} bands x {l['rows']} rows) | "
      f"query {s['item_sketch_s'] + l['query_s']:.3f} s (item sketch {s['item_sketch_s']:.3f} + LSH query/verify {l['query_s']:.3f}) | "
      f"peak RSS {rss / 1024:.0f} MiB")
PY
	done
	python3 - "$WORK" "$name" "$REPEAT" <<'PY'
import json, re, statistics, sys
work, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
b, q, r = [], [], []
for i in range(1, n + 1):
    s = json.load(open(f"{work}/{name}.{i}/summary.json"))
    l = s["lsh"][0]
    b.append(s["corpus_sketch_s"] + l["build_s"])
    q.append(s["item_sketch_s"] + l["query_s"])
    t = open(f"{work}/{name}.{i}.time").read()
    r.append(int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024)
print(f"  median: build {statistics.median(b):.2f} s, query {statistics.median(q):.3f} s, peak RSS {statistics.median(r):.0f} MiB"
      f" (best: build {min(b):.2f} s, query {min(q):.3f} s)")
PY
	echo
}
timed jaccard -lsh "$jt"
timed containment -lsh "$clsh" -containment "$ct"
