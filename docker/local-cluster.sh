#!/usr/bin/env bash
# Runs a kv cluster on this machine without containers: the primary kv-0 and read-only
# replicas on loopback, each with its own ports, data directory and log under .local-cluster/.
# `up` runs in the foreground; Ctrl-C, SIGTERM or closing the terminal (SIGHUP) stops every
# pod cleanly. The other commands work on that cluster from another terminal. `usage` below
# lists them; the README's tour shows them in use.
#
# The cluster's directory keeps what a later command needs: cluster.env (the binaries, the
# ports, the fsync policy and how many pods were added), kv-N.pid for each running pod (the
# script signals only PIDs it recorded there, and only while that PID still runs kv-server on
# that pod's data), up.pid while `up` runs (`stop` removes it, and `up` then ends too),
# kv-N.log and kv-N/ (the data). Starting again brings back every pod.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
    cat <<EOF
usage: $0 [command]

  up          start the cluster in the foreground (the default): kv-0 and REPLICAS replicas
              the first time, every pod that was added on a later start; Ctrl-C, SIGTERM or
              closing the terminal stops it
  add         scale out by one replica (it clones from the last pod, then streams)
  stop        stop every pod (SIGTERM: each finishes in-flight writes and flushes its log)
  restart N   stop pod kv-N (if it runs) and start it again on its data
  kill N      kill -9 pod kv-N, to try recovery; bring it back with restart N
  status      every pod's role, readiness, LSN and lag (kv-cli status)
  help        this text

Settings, read when a cluster is created and then kept in \$ROOT/cluster.env (a later up
with KV_BIN replaces the binaries):
  ROOT=.local-cluster   the cluster's directory (state, data, logs; relative to the repository)
  PORT=6379             kv-N listens on PORT+N (Redis protocol) and HTTP_PORT+N (HTTP)
  HTTP_PORT=8080
  REPLICAS=2            replicas of a new cluster
  FSYNC=always          --fsync of every pod
  KV_BIN=path           run this kv-server instead of building one (swift build -c release)
  KV_CLI=path           kv-cli for status (default: the one next to kv-server)
Delete a stopped cluster with: rm -rf \$ROOT
EOF
}

ROOT=$(realpath -m "${ROOT:-.local-cluster}")
STATE=$ROOT/cluster.env
SUPERVISOR=$ROOT/up.pid

# --- state ---------------------------------------------------------------------------------

# Reads $STATE into BIN, CLI, BUILD, PORT, HTTP_PORT, FSYNC and PODS; fails if there is none.
load_state() {
    [ -e "$STATE" ] || return 1
    local key value
    while IFS='=' read -r key value; do
        case "$key" in
        bin) BIN=$value ;;
        cli) CLI=$value ;;
        build) BUILD=$value ;;
        port) PORT=$value ;;
        http_port) HTTP_PORT=$value ;;
        fsync) FSYNC=$value ;;
        pods) PODS=$value ;;
        esac
    done <"$STATE"
}

save_state() {
    mkdir -p "$ROOT"
    printf '%s\n' "bin=$BIN" "cli=$CLI" "build=$BUILD" "port=$PORT" "http_port=$HTTP_PORT" \
        "fsync=$FSYNC" "pods=$PODS" >"$STATE.new"
    mv "$STATE.new" "$STATE"
}

require_cluster() {
    load_state || { echo "no local cluster in $ROOT; start one with $0 up" >&2; exit 1; }
}

# Fails unless $1 is the ordinal of a pod of the cluster.
require_member() {
    [[ "${1:-}" =~ ^[0-9]+$ ]] || { echo "which pod? e.g. $0 $command 1" >&2; exit 2; }
    [ "$1" -lt "$PODS" ] || { echo "no pod kv-$1: the cluster has kv-0 … kv-$((PODS - 1))" >&2; exit 1; }
}

# --- pods ----------------------------------------------------------------------------------

# Prints the PID of pod $1 if it runs: the recorded PID, if that process still runs kv-server
# on this pod's data directory (a PID of a pod that died may since belong to anything else).
pod_pid() {
    local file="$ROOT/kv-$1.pid" pid
    [ -e "$file" ] || return 1
    pid=$(cat "$file")
    ps -ww -o args= -p "$pid" 2>/dev/null | grep -qF -- "--data-dir $ROOT/kv-$1 " || return 1
    echo "$pid"
}

running_ordinals() {
    local ordinal
    for ordinal in $(seq 0 $((PODS - 1))); do
        if pod_pid "$ordinal" >/dev/null; then echo "$ordinal"; fi
    done
}

# Starts pod $1 in the background, in its own session: only this script stops it, never a
# signal meant for the terminal. Its PID goes to kv-N.pid, its output to kv-N.log.
start_pod() {
    local ordinal=$1
    local flags=(--hostname "kv-$ordinal" --bind 127.0.0.1 --port $((PORT + ordinal))
                 --http-port $((HTTP_PORT + ordinal)) --data-dir "$ROOT/kv-$ordinal" --fsync "$FSYNC")
    if [ "$ordinal" -gt 0 ]; then
        flags+=(--primary "127.0.0.1:$PORT" --clone-from "127.0.0.1:$((PORT + ordinal - 1))")
    fi
    # The other pods of the set (no StatefulSet DNS here): the cluster page lists them, and a
    # primary that starts empty or behind asks them for data. A pod added later is known to
    # the others once they restart.
    local peers=() other
    for other in $(seq 0 $((PODS > ordinal ? PODS - 1 : ordinal))); do
        [ "$other" -eq "$ordinal" ] || peers+=("127.0.0.1:$((PORT + other))")
    done
    if [ ${#peers[@]} -gt 0 ]; then flags+=(--peers "$(IFS=,; echo "${peers[*]}")"); fi
    mkdir -p "$ROOT/kv-$ordinal"
    (
        # The pod outlives this script: it must not keep open any other file this script was
        # given (whoever waits for those to close, as a test harness or CI step may, would
        # wait for the pod).
        local fd
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        # Both exec in place (a background job is no process-group leader, so setsid does
        # not fork): $! is the server's PID.
        exec setsid "$BIN" "${flags[@]}"
    ) </dev/null >>"$ROOT/kv-$ordinal.log" 2>&1 &
    echo $! >"$ROOT/kv-$ordinal.pid"
    disown $!  # no "Killed" from bash in up's terminal after `kill N`: the command says so
}

# Waits until pod $1 answers PING (a new replica answers once its clone is installed).
wait_serving() {
    local ordinal=$1
    for _ in $(seq 1 600); do
        if redis-cli -p $((PORT + ordinal)) PING 2>/dev/null | grep -q PONG; then return 0; fi
        if ! pod_pid "$ordinal" >/dev/null; then
            echo "kv-$ordinal exited; see $ROOT/kv-$ordinal.log" >&2
            tail -5 "$ROOT/kv-$ordinal.log" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "kv-$ordinal did not start within 60 s; see $ROOT/kv-$ordinal.log" >&2
    return 1
}

# Sends signal $2 to pod $1 if it runs; no-op otherwise.
signal_pod() {
    local pid
    pid=$(pod_pid "$1") || return 0
    kill "-$2" "$pid" 2>/dev/null || true
}

# Waits until pod $1 has exited, then forgets its PID. After 30 s it is killed (kill -9).
wait_stopped() {
    local ordinal=$1
    for _ in $(seq 1 300); do
        pod_pid "$ordinal" >/dev/null || { rm -f "$ROOT/kv-$ordinal.pid"; return 0; }
        sleep 0.1
    done
    say "kv-$ordinal did not stop within 30 s of SIGTERM; killing it"
    signal_pod "$ordinal" KILL
    while pod_pid "$ordinal" >/dev/null; do sleep 0.1; done
    rm -f "$ROOT/kv-$ordinal.pid"
}

# Stops every pod: SIGTERM to all (replicas first), then waits for each.
stop_pods() {
    local ordinal
    for ordinal in $(running_ordinals | sort -rn); do signal_pod "$ordinal" TERM; done
    for ordinal in $(seq 0 $((PODS - 1))); do wait_stopped "$ordinal"; done
}

describe() {
    local ordinal=$1 role=replica
    [ "$ordinal" -eq 0 ] && role="primary, takes writes"
    echo "  kv-$ordinal ($role): redis-cli -p $((PORT + ordinal))   http://127.0.0.1:$((HTTP_PORT + ordinal))"
}

# Prints even when the terminal has gone (SIGHUP): a failed write must not stop the cleanup.
say() {
    echo "$@" 2>/dev/null || true
}

# --- commands ------------------------------------------------------------------------------

# The binaries: KV_BIN (and KV_CLI) when given, else the cluster's own, else a release build.
choose_binaries() {
    if [ -n "${KV_BIN:-}" ]; then
        BIN=$(realpath "$KV_BIN")
        BUILD=no
        CLI=${KV_CLI:+$(realpath "$KV_CLI")}
        CLI=${CLI:-$(dirname "$BIN")/kv-cli}
    elif [ -z "${BIN:-}" ] || [ "$BUILD" = yes ]; then
        need /usr/include/lua5.1/lua.h liblua5.1-0-dev "Lua 5.1, which the build links"
        need pkg-config pkgconf "pkg-config, with which the build finds Lua"
        swift build -c release --product kv-server
        swift build -c release --product kv-cli
        BIN=$PWD/.build/release/kv-server
        CLI=$PWD/.build/release/kv-cli
        BUILD=yes
    fi
    [ -x "$BIN" ] || { echo "no kv-server at $BIN" >&2; exit 1; }
}

# Checks for a command (or a file, given as a path); as root with apt-get, installs its Debian
# package when missing, else names it and stops.
need() {
    local what=$1 package=$2 why=$3
    if [ "${what#/}" != "$what" ]; then [ -e "$what" ] && return 0; else command -v "$what" >/dev/null && return 0; fi
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        echo "installing $package ($why)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null && return 0
    fi
    echo "needs $why: apt-get install $package" >&2
    exit 1
}

cmd_up() {
    need redis-cli redis-tools "redis-cli, with which it checks the pods"
    if load_state; then
        if [ -n "$(running_ordinals)" ]; then
            echo "the local cluster in $ROOT is already running (pods $(running_ordinals | tr '\n' ' ')); stop it first: $0 stop" >&2
            exit 1
        fi
    else
        BIN="" BUILD=no
        PORT=${PORT:-6379} HTTP_PORT=${HTTP_PORT:-8080} FSYNC=${FSYNC:-always}
        PODS=$((${REPLICAS:-2} + 1))
    fi
    choose_binaries
    save_state
    echo $$ >"$SUPERVISOR"
    shutdown() {
        trap '' INT TERM HUP PIPE
        say "stopping..."
        stop_pods
        rm -f "$SUPERVISOR"
        say "stopped"
        exit 0
    }
    trap shutdown INT TERM HUP
    local ordinal
    for ordinal in $(seq 0 $((PODS - 1))); do
        start_pod "$ordinal"
        wait_serving "$ordinal" || { stop_pods; rm -f "$SUPERVISOR"; exit 1; }
    done
    echo "kv cluster running (data and logs in ${ROOT#"$PWD/"}/):"
    for ordinal in $(seq 0 $((PODS - 1))); do describe "$ordinal"; done
    echo "writes go to kv-0; replicas answer READONLY to writes and serve reads."
    echo "from another terminal: $0 add | status | restart N | kill N | stop    here: Ctrl-C stops it"
    # `stop` from another terminal removes up.pid once the pods are down: then this ends too.
    # (`sleep & wait` lets a signal's trap run at once rather than after the sleep.)
    while [ "$(cat "$SUPERVISOR" 2>/dev/null)" = "$$" ]; do
        sleep 1 &
        wait $! || true
    done
    echo "stopped (by $0 stop)"
}

cmd_stop() {
    require_cluster
    local ordinal
    for ordinal in $(running_ordinals); do echo "stopping kv-$ordinal"; done
    stop_pods
    rm -f "$SUPERVISOR"
    echo "stopped; start again with $0 up"
}

cmd_add() {
    require_cluster
    pod_pid 0 >/dev/null || { echo "kv-0 is not running; start the cluster with $0 up" >&2; exit 1; }
    local next=$PODS
    start_pod "$next"
    wait_serving "$next" || { signal_pod "$next" TERM; wait_stopped "$next"; exit 1; }
    PODS=$((next + 1))
    save_state
    echo "added:"
    describe "$next"
}

cmd_restart() {
    require_cluster
    require_member "${1:-}"
    if pod_pid "$1" >/dev/null; then
        echo "stopping kv-$1"
        signal_pod "$1" TERM
        wait_stopped "$1"
    fi
    start_pod "$1"
    wait_serving "$1"
    echo "restarted on its data:"
    describe "$1"
}

cmd_kill() {
    require_cluster
    require_member "${1:-}"
    pod_pid "$1" >/dev/null || { echo "kv-$1 is not running" >&2; exit 1; }
    signal_pod "$1" KILL
    wait_stopped "$1"
    echo "killed kv-$1 (kill -9); bring it back with: $0 restart $1"
}

cmd_status() {
    require_cluster
    [ -x "$CLI" ] || { echo "no kv-cli at $CLI (swift build -c release --product kv-cli, or KV_CLI=path $0 up)" >&2; exit 1; }
    if [ -z "$(running_ordinals)" ]; then
        echo "the cluster in $ROOT (kv-0 … kv-$((PODS - 1))) is stopped; start it with $0 up" >&2
        exit 1
    fi
    local pods=() ordinal
    for ordinal in $(seq 0 $((PODS - 1))); do pods+=("127.0.0.1:$((PORT + ordinal))"); done
    local list
    list=$(IFS=,; echo "${pods[*]}")
    "$CLI" status --pods "$list"
}

command=${1:-up}
case "$command" in
up) cmd_up ;;
stop) cmd_stop ;;
add) cmd_add ;;
restart) cmd_restart "${2:-}" ;;
kill) cmd_kill "${2:-}" ;;
status) cmd_status ;;
help | -h | --help) usage ;;
*)
    usage >&2
    exit 2
    ;;
esac
