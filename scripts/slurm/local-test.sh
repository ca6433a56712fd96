#!/usr/bin/env bash
# End-to-end test of the Slurm scripts on a real one-node Slurm cluster
# started here: installs Debian's slurm-wlm and munge when missing, starts
# munged, slurmctld and slurmd on 127.0.0.1 with every file under a temporary
# directory, builds the dev corpus with submit.sh (a 4-task job array and the
# dependent finalize job), and checks that 'contam check' of GSM8K gives
# byte-for-byte the same report on that index as on a local single-process
# build with the same options.
#
# usage: scripts/slurm/local-test.sh            (from anywhere)
#
# Environment:
#   CORPUS        corpus directory (default: ../shared/data/dev/corpus beside
#                 the repository root); absent: the test is skipped (exit 0)
#   DEV           dev set directory holding benchmarks/gsm8k_test.jsonl
#                 (default: ../shared/data/dev)
#   TIMEOUT       seconds to wait for the cluster and for each batch of jobs
#                 (default 300)
#   KEEP=1        keep the temporary directory (config, daemon and job logs,
#                 both indexes); its path is printed
#   CLUSTER_ONLY=1  start the cluster and run the trivial job array only (no
#                 corpus or Go needed): to debug the Slurm setup
#
# Needs root, or sudo for apt-get: slurmd runs jobs as the submitting user
# and the daemons here run as the current user (SlurmUser), so no other
# account is involved. Every daemon started is stopped by its pid on exit,
# failed or not. Exits non-zero with a message on any failure.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin # the daemons live in sbin

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/data/dev/corpus}
DEV=${DEV:-$ROOT/../shared/data/dev}
GSM8K=$DEV/benchmarks/gsm8k_test.jsonl
TIMEOUT=${TIMEOUT:-300}
KEEP=${KEEP:-0}
CLUSTER_ONLY=${CLUSTER_ONLY:-0}
TASKS=4 SHARDS=4

T= # the temporary directory, once made
die() {
	echo "local-test.sh: FAIL: $*" >&2
	exit 1
}
say() { echo "local-test.sh: $*"; }

if [[ $CLUSTER_ONLY != 1 ]]; then
	for need in "$CORPUS" "$GSM8K"; do
		if [[ ! -e $need ]]; then
			say "SKIP: $need not found (the shared dev set; set CORPUS= and DEV=): no Slurm test run"
			exit 0
		fi
	done
	command -v go >/dev/null || die "go is needed to build contam"
fi

# ------------------------------------------------------------------ timing
declare -a TIMES=()
now() { date +%s.%N; }
START=$(now)
lap_start=$START
# lap NAME: record the seconds since the previous lap.
lap() {
	local t
	t=$(now)
	TIMES+=("$(awk -v a="$lap_start" -v b="$t" -v n="$1" 'BEGIN { printf "  %-34s %6.1f s", n, b - a }')")
	lap_start=$t
}

# ------------------------------------------------------------------ install
missing=()
for cmd in munged munge slurmctld slurmd sbatch sinfo squeue scontrol scancel; do
	command -v "$cmd" >/dev/null || missing+=("$cmd")
done
if ((${#missing[@]})); then
	sudo=()
	if [[ $(id -u) != 0 ]]; then
		command -v sudo >/dev/null || die "not root and no sudo: cannot install slurm-wlm and munge (missing: ${missing[*]})"
		sudo=(sudo)
	fi
	say "installing slurm-wlm and munge (missing: ${missing[*]})"
	log=$(mktemp)
	# The packages' init scripts may start system daemons from /etc where an
	# init system runs; this test uses none of them (its own key, socket,
	# ports and slurm.conf), so they do not interfere.
	if ! { "${sudo[@]}" apt-get update -qq &&
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge; } >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		rm -f "$log"
		die "apt-get install slurm-wlm munge failed"
	fi
	rm -f "$log"
	for cmd in "${missing[@]}"; do
		command -v "$cmd" >/dev/null || die "$cmd still missing after installing slurm-wlm and munge"
	done
fi
lap "install slurm-wlm, munge (if missing)"

# ------------------------------------------------------------------ cleanup
PIDS=()  # daemons, stopped in reverse order
JOBS=()  # job ids to cancel if the test ends before they do
cleanup() {
	local rc=$?
	set +e
	if ((${#JOBS[@]})) && [[ -n ${SLURM_CONF:-} ]]; then
		# Cancel what may still run, and give slurmd time to kill the job
		# steps (slurmstepd outlives slurmd otherwise).
		scancel "${JOBS[@]}" 2>/dev/null
		for _ in $(seq 20); do
			[[ -z $(squeue -h -j "$(IFS=,; echo "${JOBS[*]}")" 2>/dev/null) ]] && break
			sleep 0.5
		done
	fi
	local i pid
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		pid=${PIDS[i]}
		kill "$pid" 2>/dev/null || continue
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [[ -n $T ]]; then
		if [[ $KEEP == 1 ]]; then
			echo "local-test.sh: temporary directory kept: $T" >&2
		else
			rm -rf "$T"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

T=$(mktemp -d "${TMPDIR:-/tmp}/contam-slurm.XXXXXX")
# munged insists that every directory above its socket is searchable by all
# ("Socket is inaccessible: execute permissions for all required"); mktemp
# makes the directory 0700.
chmod 755 "$T"
mkdir -p "$T"/{munge,state,spool,log,run,jobs}

# logs: the end of the Slurm daemons' logs, and the errors of munged and of
# the daemons' start-up (before their log files are open), for a failure
# message about the cluster.
logs() {
	local f
	for f in "$T"/log/slurm*.log; do
		[[ -s $f ]] || continue
		echo "---- $f (last 15 lines)" >&2
		tail -n 15 "$f" >&2
	done
	grep -H -E 'fatal|Error' "$T"/log/*.stderr "$T"/log/munged.log >&2 || true
}
fail() {
	logs
	die "$@"
}

# ------------------------------------------------------------------ munge
# Its own key and socket: the system's munged (if any) and /etc/munge stay
# untouched. The key must be 0600 and owned by the user running munged.
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 600 "$T/munge/munge.key"
SOCK=$T/munge/munge.socket.2
# -F: in the foreground, so that $! is the daemon's pid.
munged -F --socket="$SOCK" --key-file="$T/munge/munge.key" \
	--pid-file="$T/run/munged.pid" --seed-file="$T/munge/munged.seed" \
	>"$T/log/munged.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
	[[ -S $SOCK ]] && break
	sleep 0.1
done
munge -n -S "$SOCK" | unmunge -S "$SOCK" >/dev/null 2>&1 || fail "munged did not start (or cannot decode its own credential)"

# ------------------------------------------------------------------ slurm
# free_port P: the first port from P up on which nothing listens, so that a
# Slurm already running here (6817/6818) is not disturbed.
free_port() {
	local p=$1
	while (: <"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
	echo "$p"
}
CTLD_PORT=$(free_port 16817)
SLURMD_PORT=$(free_port $((CTLD_PORT + 1)))
NODE=$(hostname -s)
USER_NAME=$(id -un)
CPUS=$(nproc)
# Configured below the machine's memory: a node whose RealMemory exceeds what
# slurmd finds is drained ("Low RealMemory").
MEM_MB=$(awk '/^MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
export SLURM_CONF=$T/slurm.conf
cat >"$SLURM_CONF" <<EOF
# One-node cluster of scripts/slurm/local-test.sh; everything under $T.
ClusterName=contamtest
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=$USER_NAME
SlurmdUser=$USER_NAME
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/run/slurmctld.pid
SlurmdPidFile=$T/run/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
# No cgroups: containers rarely let slurmd manage them. linuxproc tracks job
# processes by parent pid; no CPU binding, no accounting (hence no sacct:
# job states come from scontrol, kept for MinJobAge seconds).
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
# Start jobs as soon as CPUs free up: by default the scheduling of batch jobs
# may be deferred by up to 3 s (batch_sched_delay), which here is most of the
# test's time.
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
# Memory is a consumable resource as on real clusters, so a task's --mem is
# checked against the node; jobs without --mem get DefMemPerCPU, not the whole
# node (which would run the array tasks one at a time).
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=512
ReturnToService=2
MinJobAge=3600
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=test Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
# -D: foreground, so that $! is the daemon; -i: ignore (absent) saved state.
slurmctld -D -i -f "$SLURM_CONF" >"$T/log/slurmctld.stderr" 2>&1 &
PIDS+=($!)
slurmd -D -N "$NODE" -f "$SLURM_CONF" >"$T/log/slurmd.stderr" 2>&1 &
PIDS+=($!)

deadline=$((SECONDS + TIMEOUT))
state=
while ((SECONDS < deadline)); do
	for pid in "${PIDS[@]}"; do
		kill -0 "$pid" 2>/dev/null || fail "a daemon exited at start-up (pid $pid)"
	done
	state=$(sinfo -h -n "$NODE" -o %t 2>/dev/null || true)
	[[ $state == idle ]] && break
	sleep 0.5
done
[[ $state == idle ]] || fail "node $NODE not idle after ${TIMEOUT}s (sinfo state '${state:-none}')"
say "cluster up: node $NODE ($CPUS CPUs, $MEM_MB MB), slurmctld on 127.0.0.1:$CTLD_PORT, SLURM_CONF=$SLURM_CONF"
lap "start munged, slurmctld, slurmd"

# wait_jobs ID...: wait until every job (and every array task) has ended,
# fail unless all are COMPLETED, and set NJOBS to the number of job records
# (one per array task).
NJOBS=0
wait_jobs() {
	local ids deadline states pending f id out
	ids=$*
	deadline=$((SECONDS + TIMEOUT))
	while :; do
		# One id at a time: scontrol show job takes no list.
		states=
		for id in "$@"; do
			out=$(scontrol -o show job "$id" 2>&1) || fail "scontrol show job $id: $out"
			states+=$out$'\n'
		done
		states=${states%$'\n'}
		pending=$(grep -cvE 'JobState=(COMPLETED|FAILED|CANCELLED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL|PREEMPTED|BOOT_FAIL|DEADLINE) ' <<<"$states" || true)
		((pending == 0)) && break
		if ((SECONDS >= deadline)); then
			squeue >&2
			fail "jobs $ids not done after ${TIMEOUT}s"
		fi
		sleep 0.5
	done
	if grep -vq 'JobState=COMPLETED ' <<<"$states"; then
		# Each job's id, array task, name, state and reason, then the end of
		# its output.
		awk '{ o = ""; for (i = 1; i <= NF; i++) if ($i ~ /^(JobId|ArrayTaskId|JobName|JobState|Reason)=/) o = o " " $i; print " " o }' <<<"$states" >&2
		# shellcheck disable=SC2013 # paths without spaces (under $T)
		for f in $(grep -o 'StdOut=[^ ]*' <<<"$states" | cut -d= -f2 | sort -u); do
			[[ -s $f ]] && { echo "---- $f" >&2; tail -n 20 "$f" >&2; }
		done
		die "not every job of $ids COMPLETED (their states and output above)"
	fi
	NJOBS=$(grep -c . <<<"$states")
}

# ------------------------------------------------------------------ smoke
# A trivial array first: a broken cluster fails here, apart from contam.
cd "$T/jobs"
# shellcheck disable=SC2016 # expanded by the job's shell
smoke=$(sbatch --parsable --array=0-3 --output="$T/jobs/smoke-%a.out" \
	--wrap 'echo "task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_COUNT"') || fail "sbatch of the trivial array failed"
JOBS+=("$smoke")
wait_jobs "$smoke"
JOBS=() # ended: nothing to cancel
((NJOBS == 4)) || fail "trivial array: $NJOBS job records, want 4"
for i in 0 1 2 3; do
	[[ $(cat "$T/jobs/smoke-$i.out") == "task $i of 4" ]] || fail "trivial array task $i printed '$(cat "$T/jobs/smoke-$i.out" 2>&1)'"
done
say "trivial array $smoke: 4 tasks COMPLETED"
lap "trivial 4-task array"
if [[ $CLUSTER_ONLY == 1 ]]; then
	printf '%s\n' "timings:" "${TIMES[@]}"
	say "PASS (CLUSTER_ONLY=1: no contam build)"
	exit 0
fi

# ------------------------------------------------------------------ contam
BIN=$T/contam
(cd "$ROOT" && go build -o "$BIN" ./cmd/contam) || die "go build ./cmd/contam failed"
# Not piped into grep -q: with pipefail, contam's SIGPIPE when grep stops
# reading at the match would fail the pipeline.
help=$("$BIN" build --help 2>&1) || die "contam build --help failed: $help"
grep -q -- '--finalize' <<<"$help" ||
	die "contam build has no --finalize (the distributed build CLI is not in this checkout)"
lap "go build contam"

# The options of both builds. --memory is small: the dev corpus is ~10 MB, and
# it lets 2 tasks share the node's memory as they would on a real cluster.
OPTS=(--shards "$SHARDS" --memory 256MiB)
ids=$(CONTAM=$BIN CPUS=1 SHARDS=$SHARDS MEMORY=256MiB LOGS=$T/jobs \
	"$ROOT/scripts/slurm/submit.sh" "$T/idx-slurm" "$TASKS" "$CORPUS") || die "submit.sh failed"
read -r array final <<<"$ids"
[[ -n $array && -n $final ]] || die "submit.sh printed '$ids', want ARRAY_JOBID FINALIZE_JOBID"
JOBS+=("$array" "$final")
wait_jobs "$array" "$final"
JOBS=()
((NJOBS == TASKS + 1)) || die "slurm build: $NJOBS job records, want $TASKS tasks + 1 finalize"
[[ -f $T/idx-slurm/manifest.json ]] || die "the finalize job COMPLETED but wrote no $T/idx-slurm/manifest.json"
# Each task built its own shards (not one task all of them, nor none).
for ((i = 0; i < TASKS; i++)); do
	f=$T/jobs/contam-build-${array}_$i.out
	grep -q "^task $i of $TASKS: built .*, 1 shards in" "$f" ||
		die "the log of task $i ($f) does not report its one shard built:$(echo; tail -n 5 "$f")"
done
n=$(find "$T/idx-slurm" -mindepth 1 -maxdepth 1 -name 'shard-*' -type d | wc -l)
((n == SHARDS)) || die "the slurm-built index has $n shard directories, want $SHARDS"
say "slurm build: array $array ($TASKS tasks) and finalize job $final COMPLETED"
lap "slurm build ($TASKS tasks + finalize)"

"$BIN" build --quiet --out "$T/idx-local" "${OPTS[@]}" "$CORPUS" || die "local contam build failed"
lap "local build (1 process)"

# shellcheck disable=SC2054 # question,answer is one argument
GSM_ARGS=(--bench "$GSM8K" --field question,answer --id-field 'gsm8k/test/{{._index}}' --format jsonl)
for idx in slurm local; do
	"$BIN" check --index "$T/idx-$idx" "${GSM_ARGS[@]}" >"$T/check-$idx.jsonl" ||
		die "contam check on the $idx-built index failed"
done
items=$(grep -c . "$GSM8K")
lines=$(grep -c . "$T/check-slurm.jsonl" || true)
((lines == items)) || die "check on the slurm-built index: $lines report lines for $items GSM8K items"
cmp "$T/check-slurm.jsonl" "$T/check-local.jsonl" ||
	die "contam check reports differ between the slurm-built and the local index (KEEP=1 to inspect)"
dirty=$(grep -c '"contaminated":true' "$T/check-slurm.jsonl" || true)
say "contam check of $items GSM8K items: identical reports on both indexes ($dirty contaminated)"
lap "2 × contam check (GSM8K)"

printf '%s\n' "timings:" "${TIMES[@]}"
awk -v a="$START" -v b="$(now)" 'BEGIN { printf "  %-34s %6.1f s\n", "total", b - a }'
say "PASS"
