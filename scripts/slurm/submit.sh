#!/usr/bin/env bash
# Submits a distributed 'contam build' to Slurm: a job array of TASKS tasks
# (build.sbatch), each building its share of the shards into OUT, and a
# finalize job (finalize.sbatch) that runs once every task has succeeded and
# writes OUT/manifest.json.
#
# usage: scripts/slurm/submit.sh OUT TASKS [contam build flags] INPUTS...
#   e.g. CONTAM=$HOME/bin/contam MEMORY=4GiB CPUS=4 PARTITION=batch \
#          scripts/slurm/submit.sh /shared/idx 16 --meta url /shared/corpus/
#
# Prints "ARRAY_JOBID FINALIZE_JOBID" on stdout (what to wait for); the rest
# goes to stderr. Run it from a directory every node shares: the jobs start
# there and relative paths are resolved there.
#
# Environment (defaults in brackets):
#   CONTAM     contam binary, reachable at this path on every node [contam on PATH]
#   CPUS       CPUs per task (--cpus-per-task; also contam's --workers) [2]
#   SHARDS     contam --shards [TASKS × CPUS]: given explicitly because
#              contam's default is the core count of the machine it runs on,
#              which may differ between nodes, and every task must
#              compute the same partition of the inputs
#   MEMORY     contam --memory budget of each task [2GiB]
#   JOB_MEM    sbatch --mem of each task [MEMORY + 25% + 256 MiB: contam's
#              fixed overhead and heap slack come on top of its budget, and
#              Slurm kills a task that exceeds --mem where memory is enforced]
#   PARTITION  sbatch --partition [the cluster's default]
#   TIME       sbatch --time of each task, e.g. 2:00:00 [the partition's]
#   LOGS       directory of the job logs [slurm-logs]
#   SBATCH_ARGS  more sbatch options for both jobs, split on spaces
#              (e.g. "--account=proj --qos=normal"); Slurm's own SBATCH_*
#              input variables (SBATCH_ACCOUNT, ...) work as well
set -euo pipefail

die() { echo "submit.sh: $*" >&2; exit 1; }
usage() {
	echo "usage: scripts/slurm/submit.sh OUT TASKS [contam build flags] INPUTS...  (see the top of this file)" >&2
	exit 2
}

[[ $# -ge 3 ]] || usage
OUT=$1 TASKS=$2
shift 2
[[ $TASKS =~ ^[1-9][0-9]*$ ]] || die "TASKS must be a positive integer, not '$TASKS'"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CPUS=${CPUS:-2}
SHARDS=${SHARDS:-$((TASKS * CPUS))}
MEMORY=${MEMORY:-2GiB}
LOGS=${LOGS:-slurm-logs}
command -v sbatch >/dev/null || die "sbatch not found: run this on a Slurm submit host"

# The jobs run the binary by this path on the compute nodes: resolve it now,
# so that a contam found on this host's PATH is the one they run.
CONTAM=${CONTAM:-contam}
if [[ $CONTAM != */* ]]; then
	CONTAM=$(command -v "$CONTAM") || die "contam not found on PATH; set CONTAM=/path/to/contam"
fi
[[ -x $CONTAM ]] || die "CONTAM=$CONTAM is not an executable file"
CONTAM=$(cd "$(dirname "$CONTAM")" && pwd)/$(basename "$CONTAM")

# MEMORY in contam's units (512MiB, 2GiB, 1.5G, 4GB, bytes) -> MiB.
mib() {
	awk -v s="$1" 'BEGIN {
		s = toupper(s); m = 1
		n = split("KIB:1024 MIB:1048576 GIB:1073741824 TIB:1099511627776 KB:1e3 MB:1e6 GB:1e9 TB:1e12 K:1024 M:1048576 G:1073741824 B:1", u, " ")
		for (i = 1; i <= n; i++) {
			split(u[i], p, ":")
			if (substr(s, length(s) - length(p[1]) + 1) == p[1]) { s = substr(s, 1, length(s) - length(p[1])); m = p[2]; break }
		}
		if (s !~ /^ *[0-9]+(\.[0-9]*)? *$/) exit 1
		printf "%d\n", s * m / 1048576
	}'
}
mem_mib=$(mib "$MEMORY") || die "MEMORY=$MEMORY is not a size (e.g. 2GiB)"
JOB_MEM=${JOB_MEM:-$((mem_mib + mem_mib / 4 + 256))M}

mkdir -p "$LOGS"

# shellcheck disable=SC2054 # the comma belongs to --export's value
common=(--export=ALL,CONTAM="$CONTAM")
[[ -n ${PARTITION:-} ]] && common+=(--partition="$PARTITION")
# shellcheck disable=SC2206 # word splitting of SBATCH_ARGS is the point
[[ -n ${SBATCH_ARGS:-} ]] && common+=($SBATCH_ARGS)
task_opts=(--array="0-$((TASKS - 1))" --cpus-per-task="$CPUS" --mem="$JOB_MEM"
	--output="$LOGS/contam-build-%A_%a.out")
[[ -n ${TIME:-} ]] && task_opts+=(--time="$TIME")
# Every task gets the same flags and inputs (and so the same partition into
# shards); finalize reads what each shard recorded and needs only --out.
build_args=(--out "$OUT" --shards "$SHARDS" --memory "$MEMORY" "$@")

array=$(sbatch --parsable "${common[@]}" "${task_opts[@]}" \
	"$HERE/build.sbatch" --tasks "$TASKS" "${build_args[@]}") || die "sbatch of the build array failed"
array=${array%%;*} # --parsable prints JOBID[;CLUSTER]

# afterok on an array job waits for every task; --kill-on-invalid-dep cancels
# the finalize job when a task fails instead of leaving it pending forever.
final=$(sbatch --parsable "${common[@]}" --dependency="afterok:$array" --kill-on-invalid-dep=yes \
	--output="$LOGS/contam-finalize-%j.out" "$HERE/finalize.sbatch" --out "$OUT") || {
	scancel "$array" || true
	die "sbatch of the finalize job failed (build array $array cancelled)"
}
final=${final%%;*}

cat >&2 <<MSG
submitted: build array $array ($TASKS tasks, $SHARDS shards, $CPUS CPUs and $JOB_MEM each), finalize job $final
  logs:    $LOGS/contam-build-${array}_*.out, $LOGS/contam-finalize-$final.out
  watch:   squeue -j $array,$final
  a failed task i can be rerun alone, then the index finalized:
           sbatch ${common[*]} ${task_opts[*]/--array=*/--array=i} $HERE/build.sbatch --tasks $TASKS ${build_args[*]}
           sbatch ${common[*]} $HERE/finalize.sbatch --out $OUT
MSG
echo "$array $final"
