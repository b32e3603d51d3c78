#!/usr/bin/env bash
# Measures kv-server's replication against Redis 7's on this machine, in the same run, with the
# same durability: primary SET throughput with 0 vs 2 replicas, clone time of a fresh replica,
# replication lag (idle and under load), catch-up after a pause, and SET + WAIT latency.
# See docker/bench/README.md ("Replication").
#
#   ./docker/bench/replication-bench.sh                 # full run (~11 min on 2 cores)
#   QUICK=1 ./docker/bench/replication-bench.sh         # smoke run, < 1 min, numbers meaningless
#   WRITE_RESULTS=1 ./docker/bench/replication-bench.sh # also write docker/bench/replication-results.md
#
# Environment (defaults in brackets; QUICK=1 changes the defaults, explicit values win):
#   KV_BIN          kv-server binary [.build/release/kv-server]
#   SECTIONS        what to run [throughput clone lag setwait catchup]
#   MODES           fsync modes for throughput, lag, catch-up, SET+WAIT [everysec always]
#   PAIRS           alternating kv/redis rounds for throughput [5; QUICK 1]
#   REQUESTS        -n at -P 1 [200000; QUICK 5000]; -P 16 runs REQUESTS_P16 [5 x REQUESTS]
#   ALWAYS_SET_SCALE  under fsync always the runs do 1/this of the requests [2]
#   KEYSPACE        -r and the prefill [100000; QUICK 10000]   CLIENTS -c [50]   DATA_SIZE -d [64]
#   CLONE_KEYS      keys in the primary for the clone test [1000000; QUICK 20000]
#   CLONE_VALUE_SIZE [100]   CLONE_RUNS [3; QUICK 1]   CLONE_MODE [everysec]
#   LAG_SAMPLES     writes per lag run [5000; QUICK 300]   LAG_RUNS [3; QUICK 1]   BG_CLIENTS  load clients [50]
#   CATCHUP_BURST   writes while the replica is stopped [200000; QUICK 10000]  CATCHUP_RUNS [3; QUICK 1]
#   SETWAIT_ITERS   SET+WAIT iterations per run [20000; QUICK 500]; under always 1/SETWAIT_ALWAYS_SCALE [1]
#   SETWAIT_RUNS    [3; QUICK 1]
#   BENCH_TIMEOUT   seconds one redis-benchmark / redis-cli --pipe may take [600]
#   READY_TIMEOUT   seconds a server / replica may take to be ready [600]
#   CONVERGE_TIMEOUT seconds replicas may take to reach the primary's offset after a run [120]
#   BENCH_TMPDIR    where the temporary directory goes [$TMPDIR or /tmp]
#   OUT_DIR         if set, the raw results (JSON lines) and the Markdown go there too
#   WRITE_RESULTS=1 write the Markdown table to docker/bench/replication-results.md and the
#                   plot to docs/performance-replication.svg
#   KEEP_WORK=1     keep the temporary directory (data dirs, logs, CSVs)
#   KV_COMMIT       what to call the kv build in the report [git describe of the repository]
#
# Exit status: 0 ok; 1 setup failure or a server died; 2 some measurement failed (see "Errors").
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO_ROOT=$(pwd)
HELPER="$REPO_ROOT/docker/bench/replication_bench.py"
GEN="$REPO_ROOT/docker/bench/bench.py"   # gen-resp: SET key:%012d <value>, as compare-redis.sh

QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
    PAIRS=${PAIRS:-1}; REQUESTS=${REQUESTS:-5000}; KEYSPACE=${KEYSPACE:-10000}
    CLONE_KEYS=${CLONE_KEYS:-20000}; CLONE_RUNS=${CLONE_RUNS:-1}; LAG_SAMPLES=${LAG_SAMPLES:-300}; LAG_RUNS=${LAG_RUNS:-1}
    CATCHUP_BURST=${CATCHUP_BURST:-10000}; CATCHUP_RUNS=${CATCHUP_RUNS:-1}; SETWAIT_ITERS=${SETWAIT_ITERS:-500}; SETWAIT_RUNS=${SETWAIT_RUNS:-1}
else
    PAIRS=${PAIRS:-5}; REQUESTS=${REQUESTS:-200000}; KEYSPACE=${KEYSPACE:-100000}
    CLONE_KEYS=${CLONE_KEYS:-1000000}; CLONE_RUNS=${CLONE_RUNS:-3}; LAG_SAMPLES=${LAG_SAMPLES:-5000}; LAG_RUNS=${LAG_RUNS:-3}
    CATCHUP_BURST=${CATCHUP_BURST:-200000}; CATCHUP_RUNS=${CATCHUP_RUNS:-3}; SETWAIT_ITERS=${SETWAIT_ITERS:-20000}; SETWAIT_RUNS=${SETWAIT_RUNS:-3}
fi
REQUESTS_P16=${REQUESTS_P16:-$((REQUESTS * 5))}
ALWAYS_SET_SCALE=${ALWAYS_SET_SCALE:-2}
SETWAIT_ALWAYS_SCALE=${SETWAIT_ALWAYS_SCALE:-1}
CLIENTS=${CLIENTS:-50}; DATA_SIZE=${DATA_SIZE:-64}; BG_CLIENTS=${BG_CLIENTS:-50}
CLONE_VALUE_SIZE=${CLONE_VALUE_SIZE:-100}; CLONE_MODE=${CLONE_MODE:-everysec}
MODES=${MODES:-everysec always}
SECTIONS=${SECTIONS:-throughput clone lag setwait catchup}
KV_BIN=${KV_BIN:-.build/release/kv-server}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}; READY_TIMEOUT=${READY_TIMEOUT:-600}
CONVERGE_TIMEOUT=${CONVERGE_TIMEOUT:-120}
WRITE_RESULTS=${WRITE_RESULTS:-0}; KEEP_WORK=${KEEP_WORK:-0}; OUT_DIR=${OUT_DIR:-}
export KEYSPACE CLIENTS DATA_SIZE BG_CLIENTS   # the python clients read them

say() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf 'replication-bench: %s\n' "$*" >&2; exit 1; }
has_section() { [[ " $SECTIONS " == *" $1 "* ]]; }

for tool in redis-server redis-cli redis-benchmark python3 timeout; do
    command -v "$tool" >/dev/null || die "$tool not found (Debian: apt-get install redis-server redis-tools python3)"
done
for n in "$PAIRS" "$REQUESTS" "$REQUESTS_P16" "$ALWAYS_SET_SCALE" "$KEYSPACE" "$CLIENTS" "$DATA_SIZE" \
         "$CLONE_KEYS" "$CLONE_VALUE_SIZE" "$CLONE_RUNS" "$LAG_SAMPLES" "$CATCHUP_BURST" "$CATCHUP_RUNS" \
         "$SETWAIT_ITERS" "$SETWAIT_ALWAYS_SCALE" "$BG_CLIENTS" "$LAG_RUNS" "$SETWAIT_RUNS"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "not a positive integer: '$n'"
done
for mode in $MODES $CLONE_MODE; do
    [[ $mode == always || $mode == everysec || $mode == no ]] || die "unknown fsync mode '$mode'"
done
[[ -x $KV_BIN && -f $KV_BIN ]] || die "no kv-server executable at '$KV_BIN' (swift build -c release, or set KV_BIN)"
KV_BIN=$(cd "$(dirname "$KV_BIN")" && pwd)/$(basename "$KV_BIN")
KV_COMMIT=${KV_COMMIT:-$(git -C "$REPO_ROOT" describe --always --dirty 2>/dev/null || echo unknown)}

WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/kv-repl-bench.XXXXXX")
mkdir -p "$WORK/runs" "$WORK/logs"
RESULTS="$WORK/results.jsonl"; : >"$RESULTS"
STATUS=0

# ---------------------------------------------------------------------------------------------
# processes: only the ones this script started, by PID

exec 3>&2
MAIN_PID=$BASHPID
TRACKED=()
LAST_PID=""; START_NS=0

alive() { # PID: running, not a zombie, and still our child
    local stat fields
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    read -r -a fields <<<"${stat##*) }"
    [[ ${fields[0]} != Z && ${fields[1]} == "$$" ]]
}

untrack() {
    local kept=() p
    for p in "${TRACKED[@]}"; do [[ $p == "$1" ]] || kept+=("$p"); done
    TRACKED=("${kept[@]}")
}

stop_pid() { # PID [SIGNAL] [TIMEOUT]: signal it (SIGCONT too, it may be stopped), wait, SIGKILL after TIMEOUT s
    local pid=$1 sig=${2:-TERM} limit=${3:-30} waited=0
    [[ -n $pid ]] || return 0
    {
        kill -s "$sig" "$pid" || true
        kill -s CONT "$pid" || true
        while alive "$pid" && (( waited < limit * 20 )); do sleep 0.05; waited=$((waited + 1)); done
        if alive "$pid"; then
            echo "replication-bench: PID $pid did not exit within ${limit}s of SIG$sig; sending SIGKILL" >&3
            kill -s KILL "$pid" || true
        fi
        wait "$pid" || true
    } 2>/dev/null
    untrack "$pid"
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    local pid
    for pid in "${TRACKED[@]}"; do
        if alive "$pid"; then stop_pid "$pid" TERM 20; fi
    done
    if [[ $KEEP_WORK == 1 ]]; then echo "replication-bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

record() { python3 "$HELPER" record "$RESULTS" "$@"; }
error() { # SECTION-ish MESSAGE
    STATUS=2
    echo "replication-bench: ERROR $*" >&2
    record section=error "where=$1" "message=${*:2}"
}
now_ns() { date +%s%N; }
info_field() { # PORT SECTION FIELD
    redis-cli -h 127.0.0.1 -p "$1" info "$2" 2>/dev/null | tr -d '\r' | awk -F: -v f="$3" '$1 == f { print $2; exit }'
}
log_tail() { echo "--- last lines of $1:" >&2; tail -n 25 "$1" >&2 || true; }

guard() { # servers are started by the script's own shell only, never by a stray subshell
    # (nor after cleanup removed the work directory)
    [[ $BASHPID == "$MAIN_PID" && -d $WORK ]] || exit 1
}

start_kv() { # NAME MODE DIR PORT HTTP LOG [PRIMARY_PORT CLONE_PORT]
    guard
    local name=$1 mode=$2 dir=$3 port=$4 http=$5 log=$6 extra=()
    if [[ -n ${7:-} ]]; then extra=(--primary "127.0.0.1:$7" --clone-from "127.0.0.1:$8"); fi
    mkdir -p "$dir"
    START_NS=$(now_ns)
    "$KV_BIN" --hostname "$name" --bind 127.0.0.1 --port "$port" --http-port "$http" \
        --data-dir "$dir" --fsync "$mode" "${extra[@]}" >"$log" 2>&1 &
    LAST_PID=$!
    TRACKED+=("$LAST_PID")
}

start_redis() { # MODE DIR PORT LOG [PRIMARY_PORT]
    guard
    local mode=$1 dir=$2 port=$3 log=$4 extra=()
    if [[ -n ${5:-} ]]; then extra=(--replicaof 127.0.0.1 "$5"); fi
    mkdir -p "$dir"
    START_NS=$(now_ns)
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync "$mode" \
        --dir "$dir" --logfile "$log" --daemonize no \
        --repl-diskless-sync yes --repl-diskless-sync-delay 0 "${extra[@]}" >>"$log" 2>&1 &
    LAST_PID=$!
    TRACKED+=("$LAST_PID")
}

wait_ping() { # PORT PID LOG
    python3 "$HELPER" wait-ping "$1" "$2" "$READY_TIMEOUT" || { log_tail "$3"; exit 1; }
}

# prints "seconds dbsize"
wait_kv_replica() { # PORT HTTP PID LOG [KEYS]
    python3 "$HELPER" wait-kv-replica "$1" "$2" "$3" "$START_NS" "$READY_TIMEOUT" ${5:+"$5"} || { log_tail "$4"; exit 1; }
}
wait_redis_replica() { # PORT PID LOG [KEYS [DURABLE]]: DURABLE=1 also waits for the AOF rewrite
    python3 "$HELPER" wait-redis-replica "$1" "$2" "$START_NS" "$READY_TIMEOUT" ${4:+"$4"} ${5:+"$5"} || { log_tail "$3"; exit 1; }
}

check_alive() { # NAME PID LOG
    if ! alive "$2"; then
        echo "replication-bench: $1 (PID $2) died" >&2
        log_tail "$3"
        exit 1
    fi
}

wait_redis_rewrite() { # PORT...: no AOF rewrite running or scheduled (it forks and writes)
    local port i
    for port in "$@"; do
        for ((i = 0; i < 1200; i++)); do
            if [[ $(info_field "$port" persistence aof_rewrite_in_progress) == 0 &&
                  $(info_field "$port" persistence aof_rewrite_scheduled) == 0 ]]; then
                break
            fi
            sleep 0.1
        done
    done
}

load_pipe() { # NAME PORT FILE: feed a RESP file with redis-cli --pipe
    local out
    out=$(timeout "$BENCH_TIMEOUT" redis-cli -h 127.0.0.1 -p "$2" --pipe <"$3" 2>&1) || die "loading $3 into $1 failed: $out"
    grep -q 'errors: 0,' <<<"$out" || die "loading $3 into $1 reported errors: $out"
}

# prints "seconds primary_offset behind_at_start"; a timeout is recorded as an error
converge() { # WHERE PRIMARY_PORT REPLICA_PORTS(comma)
    local out rc=0
    out=$(python3 "$HELPER" converge "$2" "$3" "$CONVERGE_TIMEOUT") || rc=$?
    if (( rc != 0 )); then error "$1" "replicas $3 did not reach primary :$2's offset within ${CONVERGE_TIMEOUT}s ($out)"; fi
    echo "$out"
}

# ---------------------------------------------------------------------------------------------

T_START=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
record section=meta "started=$(date -u +%Y-%m-%dT%H:%M:%SZ)" "quick=$QUICK" "nproc=$(nproc)" \
    "kernel=Linux $(uname -r)" "redis_version=$(redis-server --version | grep -o 'v=[0-9.]*' | cut -d= -f2)" \
    "kv_commit=$KV_COMMIT" "kv_bin=$KV_BIN" "loadavg_start=$LOAD_START" "pairs=$PAIRS" \
    "requests=$REQUESTS" "requests_p16=$REQUESTS_P16" "always_set_scale=$ALWAYS_SET_SCALE" \
    "keyspace=$KEYSPACE" "clients=$CLIENTS" "data_size=$DATA_SIZE" "modes=$MODES" \
    "clone_keys=$CLONE_KEYS" "clone_value_size=$CLONE_VALUE_SIZE" "clone_mode=$CLONE_MODE" \
    "lag_samples=$LAG_SAMPLES" "bg_clients=$BG_CLIENTS" "catchup_burst=$CATCHUP_BURST" \
    "setwait_iters=$SETWAIT_ITERS" "clone_runs=$CLONE_RUNS" "lag_runs=$LAG_RUNS" "setwait_runs=$SETWAIT_RUNS" \
    "catchup_runs=$CATCHUP_RUNS"
say "kv vs redis replication: $(nproc) cores, load average $LOAD_START, $(redis-server --version | cut -d' ' -f1-3)"
say "kv $KV_BIN ($KV_COMMIT); work dir $WORK; QUICK=$QUICK sections: $SECTIONS; modes: $MODES"
if awk -v l="${LOAD_START%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
    say "WARNING: the machine is busy (load average $LOAD_START on $(nproc) cores): numbers will be noisy"
fi

# --- 1. throughput: 0 vs 2 replicas ----------------------------------------------------------

run_bench() { # SERVER REPLICAS PORT PID LOG MODE P PAIR REPLICA_PORTS(comma, may be empty)
    local server=$1 reps=$2 port=$3 spid=$4 slog=$5 mode=$6 p=$7 pair=$8 rports=$9 n rc=0 bpid
    n=$REQUESTS; [[ $p == 1 ]] || n=$REQUESTS_P16
    if [[ $mode == always ]]; then n=$(( (n + ALWAYS_SET_SCALE - 1) / ALWAYS_SET_SCALE )); fi
    local csv="$WORK/runs/$mode-P$p-$server-r$reps-$pair.csv"
    timeout "$BENCH_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$port" -t set -c "$CLIENTS" -P "$p" \
        -d "$DATA_SIZE" -r "$KEYSPACE" -n "$n" --csv >"$csv" 2>"$csv.err" &
    bpid=$!
    TRACKED+=("$bpid")
    while alive "$bpid"; do
        if ! alive "$spid"; then
            stop_pid "$bpid" TERM 5
            echo "replication-bench: $server primary (PID $spid) died during SET -P $p" >&2
            log_tail "$slog"; exit 1
        fi
        sleep 0.05
    done
    wait "$bpid" || rc=$?
    untrack "$bpid"
    (( rc == 0 )) || error "throughput-$mode-P$p-$server-r$reps-$pair" "redis-benchmark exited $rc: $(tail -c 300 "$csv.err" | tr '\n' ' ')"
    local drain="" behind=""
    if [[ -n $rports ]]; then
        read -r drain _ behind <<<"$(converge "throughput-$mode-P$p-$server-r$reps-$pair" "$port" "$rports")"
    fi
    local rps
    rps=$(python3 "$HELPER" record-bench "$RESULTS" "$csv" "server=$server" "replicas=$reps" "mode=$mode" \
        "pipeline=$p" "pair=$pair" "n=$n" ${drain:+"drain_seconds=$drain"} ${behind:+"behind_at_end=$behind"})
    say "  $(printf '%-8s -P %-2s pair %-2s %-5s %s replicas -n %-7s %10s rps' "$mode" "$p" "$pair" "$server" "$reps" "$n" "$rps")${drain:+  (replicas $behind behind at the end, drained in ${drain}s)}"
}

if has_section throughput; then
    say "1. throughput: prefill of $KEYSPACE keys x $DATA_SIZE B"
    python3 "$GEN" gen-resp "$WORK/prefill.resp" "$KEYSPACE" "$DATA_SIZE"
    for mode in $MODES; do
        read -r KA KAH KP KPH K1 K1H K2 K2H RA RP R1 R2 <<<"$(python3 "$HELPER" free-ports 12)"
        d="$WORK/tp-$mode"; l="$WORK/logs/tp-$mode"; mkdir -p "$l"
        say "fsync $mode: kv alone :$KA, kv primary :$KP + replicas :$K1 :$K2; redis alone :$RA, redis primary :$RP + replicas :$R1 :$R2"
        start_kv kv-0 "$mode" "$d/kv-alone" "$KA" "$KAH" "$l/kv-alone.log"; KA_PID=$LAST_PID
        start_kv kv-0 "$mode" "$d/kv-0" "$KP" "$KPH" "$l/kv-0.log"; KP_PID=$LAST_PID
        start_redis "$mode" "$d/redis-alone" "$RA" "$l/redis-alone.log"; RA_PID=$LAST_PID
        start_redis "$mode" "$d/redis-p" "$RP" "$l/redis-p.log"; RP_PID=$LAST_PID
        wait_ping "$KA" "$KA_PID" "$l/kv-alone.log"; wait_ping "$KP" "$KP_PID" "$l/kv-0.log"
        wait_ping "$RA" "$RA_PID" "$l/redis-alone.log"; wait_ping "$RP" "$RP_PID" "$l/redis-p.log"
        for port in "$KA" "$KP" "$RA" "$RP"; do load_pipe "primary :$port" "$port" "$WORK/prefill.resp"; done
        start_kv kv-1 "$mode" "$d/kv-1" "$K1" "$K1H" "$l/kv-1.log" "$KP" "$KP"; K1_PID=$LAST_PID
        wait_kv_replica "$K1" "$K1H" "$K1_PID" "$l/kv-1.log" >/dev/null
        start_kv kv-2 "$mode" "$d/kv-2" "$K2" "$K2H" "$l/kv-2.log" "$KP" "$K1"; K2_PID=$LAST_PID
        wait_kv_replica "$K2" "$K2H" "$K2_PID" "$l/kv-2.log" >/dev/null
        start_redis "$mode" "$d/redis-r1" "$R1" "$l/redis-r1.log" "$RP"; R1_PID=$LAST_PID
        start_redis "$mode" "$d/redis-r2" "$R2" "$l/redis-r2.log" "$RP"; R2_PID=$LAST_PID
        wait_redis_replica "$R1" "$R1_PID" "$l/redis-r1.log" "$KEYSPACE" >/dev/null
        wait_redis_replica "$R2" "$R2_PID" "$l/redis-r2.log" "$KEYSPACE" >/dev/null
        converge "setup-$mode-kv" "$KP" "$K1,$K2" >/dev/null
        converge "setup-$mode-redis" "$RP" "$R1,$R2" >/dev/null
        wait_redis_rewrite "$RA" "$RP" "$R1" "$R2"

        for ((pair = 1; pair <= PAIRS; pair++)); do
            # rotate who goes first, so no configuration always runs on a warmer (or busier) machine
            if (( pair % 2 == 1 )); then order="kv2 redis2 kv0 redis0"; else order="redis0 kv0 redis2 kv2"; fi
            for p in 1 16; do
                for cfg in $order; do
                    case $cfg in
                        kv2) run_bench kv 2 "$KP" "$KP_PID" "$l/kv-0.log" "$mode" "$p" "$pair" "$K1,$K2" ;;
                        kv0) run_bench kv 0 "$KA" "$KA_PID" "$l/kv-alone.log" "$mode" "$p" "$pair" "" ;;
                        redis2) wait_redis_rewrite "$RP" "$R1" "$R2"
                                run_bench redis 2 "$RP" "$RP_PID" "$l/redis-p.log" "$mode" "$p" "$pair" "$R1,$R2" ;;
                        redis0) wait_redis_rewrite "$RA"
                                run_bench redis 0 "$RA" "$RA_PID" "$l/redis-alone.log" "$mode" "$p" "$pair" "" ;;
                    esac
                done
                for x in "kv-1 $K1_PID $l/kv-1.log" "kv-2 $K2_PID $l/kv-2.log" \
                         "redis-r1 $R1_PID $l/redis-r1.log" "redis-r2 $R2_PID $l/redis-r2.log"; do
                    # shellcheck disable=SC2086
                    check_alive $x
                done
            done
        done
        # the replicas hold what the primary holds: every key of the keyspace, compared
        for server in kv redis; do
            if [[ $server == kv ]]; then ports="$KP,$K1,$K2"; else ports="$RP,$R1,$R2"; fi
            converge "final-$mode-$server" "${ports%%,*}" "${ports#*,}" >/dev/null
            read -r nkeys mism sizes examples <<<"$(python3 "$HELPER" compare "$ports" "$KEYSPACE")"
            record section=consistency "mode=$mode" "server=$server" "keys=$nkeys" "mismatches=$mism" "dbsizes=$sizes"
            say "  $server: primary and both replicas compared on $nkeys keys: $mism differ (DBSIZE $sizes)"
            if [[ $mism != 0 ]]; then error "consistency-$mode-$server" "$mism keys differ between primary and replicas, e.g. $examples"; fi
        done
        for pid in "$K2_PID" "$K1_PID" "$KP_PID" "$KA_PID" "$R2_PID" "$R1_PID" "$RP_PID" "$RA_PID"; do stop_pid "$pid" TERM 60; done
        rm -rf "$d"
    done
    rm -f "$WORK/prefill.resp"
fi

# --- 2. clone time ---------------------------------------------------------------------------

if has_section clone; then
    say "2. clone: generating $CLONE_KEYS keys x $CLONE_VALUE_SIZE B"
    python3 "$GEN" gen-resp "$WORK/clone.resp" "$CLONE_KEYS" "$CLONE_VALUE_SIZE"
    read -r KP KPH RP <<<"$(python3 "$HELPER" free-ports 3)"
    d="$WORK/clone"; l="$WORK/logs/clone"; mkdir -p "$l"
    start_kv kv-0 "$CLONE_MODE" "$d/kv-0" "$KP" "$KPH" "$l/kv-0.log"; KP_PID=$LAST_PID
    start_redis "$CLONE_MODE" "$d/redis-p" "$RP" "$l/redis-p.log"; RP_PID=$LAST_PID
    wait_ping "$KP" "$KP_PID" "$l/kv-0.log"; wait_ping "$RP" "$RP_PID" "$l/redis-p.log"
    t0=$(now_ns); load_pipe "kv primary" "$KP" "$WORK/clone.resp"; t1=$(now_ns)
    load_pipe "redis primary" "$RP" "$WORK/clone.resp"; t2=$(now_ns)
    say "  loaded: kv $(redis-cli -p "$KP" dbsize) keys in $(( (t1 - t0) / 1000000 )) ms, redis $(redis-cli -p "$RP" dbsize) keys in $(( (t2 - t1) / 1000000 )) ms"
    rm -f "$WORK/clone.resp"
    sleep 2   # let kv finish a snapshot the load may have triggered; Redis: its AOF rewrite
    wait_redis_rewrite "$RP"
    for ((run = 1; run <= CLONE_RUNS; run++)); do
        if (( run % 2 == 1 )); then order="kv redis"; else order="redis kv"; fi
        for server in $order; do
            read -r PORT HTTP <<<"$(python3 "$HELPER" free-ports 2)"
            log="$l/$server-replica-$run.log"
            if [[ $server == kv ]]; then
                start_kv kv-1 "$CLONE_MODE" "$d/kv-replica-$run" "$PORT" "$HTTP" "$log" "$KP" "$KP"
                out=$(wait_kv_replica "$PORT" "$HTTP" "$LAST_PID" "$log" "$CLONE_KEYS")
                extra=$(grep -o 'seconds=[0-9.e-]* \[KVServer\] clone loaded' "$log" | head -1 | cut -d' ' -f1 || true)
                extra=${extra:+kv_clone_loaded_$extra}
            else
                wait_redis_rewrite "$RP"
                start_redis "$CLONE_MODE" "$d/redis-replica-$run" "$PORT" "$log" "$RP"
                # it also waits for the AOF rewrite Redis starts after a full sync: the data is
                # only in its append-only file then, and Redis ignores SIGTERM until it is done
                out=$(wait_redis_replica "$PORT" "$LAST_PID" "$log" "$CLONE_KEYS" 1)
                extra=""
            fi
            read -r secs keys durable <<<"$out"
            record section=clone "server=$server" "run=$run" "seconds=$secs" "keys=$keys" \
                "durable_seconds=${durable:-$secs}" ${extra:+"$extra"}
            say "  $server clone run $run: ready after ${secs}s with $keys keys${durable:+, AOF rewritten after ${durable}s}${extra:+ ($extra)}"
            stop_pid "$LAST_PID" TERM 60
            rm -rf "$d/$server-replica-$run"
        done
    done
    stop_pid "$KP_PID" TERM 60; stop_pid "$RP_PID" TERM 60
    rm -rf "$d"
fi

# --- 3, 3b, 4: lag, catch-up, SET + WAIT (one replica) --------------------------------------

if has_section lag || has_section setwait || has_section catchup; then
    for mode in $MODES; do
        read -r KP KPH K1 K1H RP R1 <<<"$(python3 "$HELPER" free-ports 6)"
        d="$WORK/lag-$mode"; l="$WORK/logs/lag-$mode"; mkdir -p "$l"
        say "3/4. fsync $mode: kv primary :$KP + replica :$K1; redis primary :$RP + replica :$R1"
        start_kv kv-0 "$mode" "$d/kv-0" "$KP" "$KPH" "$l/kv-0.log"; KP_PID=$LAST_PID
        start_redis "$mode" "$d/redis-p" "$RP" "$l/redis-p.log"; RP_PID=$LAST_PID
        wait_ping "$KP" "$KP_PID" "$l/kv-0.log"; wait_ping "$RP" "$RP_PID" "$l/redis-p.log"
        start_kv kv-1 "$mode" "$d/kv-1" "$K1" "$K1H" "$l/kv-1.log" "$KP" "$KP"; K1_PID=$LAST_PID
        wait_kv_replica "$K1" "$K1H" "$K1_PID" "$l/kv-1.log" >/dev/null
        start_redis "$mode" "$d/redis-r1" "$R1" "$l/redis-r1.log" "$RP"; R1_PID=$LAST_PID
        wait_redis_replica "$R1" "$R1_PID" "$l/redis-r1.log" >/dev/null
        both_alive() {
            check_alive kv-0 "$KP_PID" "$l/kv-0.log"; check_alive kv-1 "$K1_PID" "$l/kv-1.log"
            check_alive redis-primary "$RP_PID" "$l/redis-p.log"; check_alive redis-replica "$R1_PID" "$l/redis-r1.log"
        }
        settle() { converge "$1-kv" "$KP" "$K1" >/dev/null; converge "$1-redis" "$RP" "$R1" >/dev/null
                   wait_redis_rewrite "$RP" "$R1"; }
        measure() { # WHAT ARGS...: python client; a failure is recorded, not fatal
            local rc=0
            python3 "$HELPER" "$@" | while IFS= read -r line; do say "  $line"; done || rc=$?
            (( rc == 0 )) || error "$1-$mode" "'$*' exited $rc"
        }
        settle "setup-$mode"
        if has_section lag; then
            for load in idle bg; do
                for ((run = 1; run <= LAG_RUNS; run++)); do
                    if (( run % 2 == 1 )); then order="kv redis kv-waitlsn"; else order="kv-waitlsn redis kv"; fi
                    for what in $order; do
                        case $what in
                            kv) args=(kv "$KP" "$K1" "$LAG_SAMPLES" get) ;;
                            redis) args=(redis "$RP" "$R1" "$LAG_SAMPLES" get) ;;
                            kv-waitlsn) args=(kv "$KP" "$K1" "$LAG_SAMPLES" waitlsn) ;;
                        esac
                        measure lag "$RESULTS" "${args[@]}" "$load" "$mode" "$run"
                        both_alive; settle "lag-$mode"
                    done
                done
            done
        fi
        if has_section setwait; then
            iters=$SETWAIT_ITERS
            if [[ $mode == always ]]; then iters=$(( (iters + SETWAIT_ALWAYS_SCALE - 1) / SETWAIT_ALWAYS_SCALE )); fi
            for ((run = 1; run <= SETWAIT_RUNS; run++)); do
                if (( run % 2 == 1 )); then order="kv redis"; else order="redis kv"; fi
                for server in $order; do
                    if [[ $server == kv ]]; then P=$KP; else P=$RP; fi
                    measure setwait "$RESULTS" "$server" "$P" "$iters" "$mode" "$run"
                    both_alive; settle "setwait-$mode"
                done
            done
        fi
        if has_section catchup; then
            for ((run = 1; run <= CATCHUP_RUNS; run++)); do
                if (( run % 2 == 1 )); then order="kv redis"; else order="redis kv"; fi
                for server in $order; do
                    if [[ $server == kv ]]; then P=$KP; R=$K1; RPID=$K1_PID; else P=$RP; R=$R1; RPID=$R1_PID; fi
                    measure catchup "$RESULTS" "$server" "$P" "$R" "$RPID" "$CATCHUP_BURST" "$mode" "$run"
                    both_alive; settle "catchup-$mode"
                done
            done
        fi
        for pid in "$K1_PID" "$KP_PID" "$R1_PID" "$RP_PID"; do stop_pid "$pid" TERM 60; done
        rm -rf "$d"
    done
fi

# --- report ----------------------------------------------------------------------------------
record section=meta "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" "elapsed_seconds=$(( $(date +%s) - T_START ))"
echo
MD="$WORK/replication-results.md"
python3 "$HELPER" report "$RESULTS" "$MD"
if [[ $WRITE_RESULTS == 1 ]]; then
    cp "$MD" "$REPO_ROOT/docker/bench/replication-results.md"
    python3 "$HELPER" plot "$RESULTS" "$REPO_ROOT/docs/performance-replication.svg"
    say "wrote docker/bench/replication-results.md and docs/performance-replication.svg"
fi
if [[ -n $OUT_DIR ]]; then
    mkdir -p "$OUT_DIR"
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    cp "$RESULTS" "$OUT_DIR/replication-$stamp.jsonl"; cp "$MD" "$OUT_DIR/replication-$stamp.md"
    say "raw results: $OUT_DIR/replication-$stamp.jsonl"
fi
# errors recorded inside command substitutions could not set STATUS themselves
if grep -q '"section": "error"' "$RESULTS"; then STATUS=2; fi
exit "$STATUS"
