#!/usr/bin/env bash
# Per-standard quality on the dev set: builds a unicode-v1 index (n=8) and a
# lmeval-janitor-v1 index (n=13) over the dev corpus, checks GSM8K, HumanEval
# and MBPP with every standard, scores each standard's verdicts with
# ../shared/data/score.py and prints a Markdown table of per-category recall
# and the clean false-positive rate, plus precision/recall/F1.
#   bench/standards.sh            (DEV=../shared/data/dev by default)
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=${DEV:-../shared/data/dev}
SCORER=${SCORER:-$DEV/../score.py}
[ -d "$DEV/corpus" ] || { echo "dev set not found at $DEV (set DEV=...)" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/contam-std.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
go build -o "$WORK/contam" ./cmd/contam
C="$WORK/contam"
$C build -q --out "$WORK/idx" --anchors "${ANCHORS:-all}" "$DEV/corpus"
$C build -q --out "$WORK/jan" --normalizer lmeval-janitor-v1 --n 13 "$DEV/corpus"
check() { # index standards... ; appends all benchmarks' results to $WORK/$name.jsonl
  local ix=$1 out=$2; shift 2
  local std=(); for s in "$@"; do std+=(--standard "$s"); done
  : > "$out"
  $C check -i "$ix" -b "$DEV/benchmarks/gsm8k_test.jsonl" --field question,answer --id-field 'gsm8k/test/{{._index}}' "${std[@]}" -f jsonl >> "$out"
  $C check -i "$ix" -b "$DEV/benchmarks/humaneval.jsonl" --field prompt,canonical_solution --id-field task_id "${std[@]}" -f jsonl >> "$out"
  $C check -i "$ix" -b "$DEV/benchmarks/mbpp.jsonl" --field text,code --id-field 'mbpp/{{.task_id}}' "${std[@]}" -f jsonl >> "$out"
}
check "$WORK/idx" "$WORK/u.jsonl" default gpt3 palm llama2 llama3 gpt4
check "$WORK/jan" "$WORK/j.jsonl" lmeval
python3 - "$WORK" "$DEV" "$SCORER" <<'PY'
import json, subprocess, sys, re
work, dev, scorer = sys.argv[1:4]
rows = {}
order = ["default", "gpt3", "palm", "llama2", "llama3", "gpt4", "lmeval"]
cats = None
for std in order:
    src = f"{work}/{'j' if std == 'lmeval' else 'u'}.jsonl"
    pred = f"{work}/pred-{std}.jsonl"
    with open(pred, "w") as o:
        for l in open(src):
            d = json.loads(l)
            o.write(json.dumps({"id": d["id"], "contaminated": d["standards"][std]["dirty"]}) + "\n")
    out = subprocess.run(["python3", scorer] + sum([["--labels", f"{dev}/labels/{b}.jsonl"] for b in ("gsm8k_test", "humaneval", "mbpp")], []) + ["--pred", pred], capture_output=True, text=True, check=True).stdout
    tail = out[out.index("== all benchmarks"):]
    vals = {}
    for line in tail.splitlines():
        m = re.match(r"(\w+)\s+(positive|negative|neutral)\s+(\d+)\s+(\d+)\s+([\d.]+)", line)
        if m:
            vals[m.group(1)] = (int(m.group(3)), int(m.group(4)), m.group(5))
    m = re.search(r"precision\s+([\d.]+)\s+recall\s+([\d.]+)\s+F1\s+([\d.]+)", tail)
    rows[std] = (vals, m.groups())
    cats = cats or list(vals)
print("| standard | " + " | ".join(cats) + " | precision | recall | F1 |")
print("|---|" + "---:|" * (len(cats) + 3))
print("| items | " + " | ".join(str(rows['default'][0][c][0]) for c in cats) + " | | | |")
for std in order:
    vals, (p, r, f) = rows[std]
    cells = []
    for c in cats:
        n, flagged, rate = vals[c]
        cells.append(f"{flagged} ({rate})")
    print(f"| `{std}` | " + " | ".join(cells) + f" | {p} | {r} | {f} |")
PY
