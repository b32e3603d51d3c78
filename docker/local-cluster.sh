#!/usr/bin/env bash
# Runs a kv cluster on this machine without containers: builds kv-server (release), starts
# the primary kv-0 and REPLICAS read-only replicas on loopback, each with its own ports, data
# directory and log under .local-cluster/. Ctrl-C stops every pod cleanly.
#
#   ./docker/local-cluster.sh            # kv-0 + kv-1 + kv-2, in the foreground
#   ./docker/local-cluster.sh add        # from another terminal: scale out by one replica
#   ./docker/local-cluster.sh status     # each pod's role, LSN, readiness
#
# Pod N listens on PORT+N (Redis protocol) and HTTP_PORT+N (HTTP). Replica N clones from
# pod N-1 (--clone-from) and streams from kv-0 (--primary), as in a StatefulSet.
#
#   PORT=6379 HTTP_PORT=8080 REPLICAS=2 FSYNC=always ./docker/local-cluster.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-6379}
HTTP_PORT=${HTTP_PORT:-8080}
REPLICAS=${REPLICAS:-2}
FSYNC=${FSYNC:-always}
ROOT=${ROOT:-.local-cluster}
# KV_BIN=path skips the build and runs that binary instead.
BIN=${KV_BIN:-.build/release/kv-server}

# Starts pod $1 in the background; its PID goes to $ROOT/kv-$1.pid, its log to $ROOT/kv-$1.log.
start_pod() {
    local ordinal=$1
    local flags=(--hostname "kv-$ordinal" --bind 127.0.0.1 --port $((PORT + ordinal))
                 --http-port $((HTTP_PORT + ordinal)) --data-dir "$ROOT/kv-$ordinal" --fsync "$FSYNC")
    if [ "$ordinal" -gt 0 ]; then
        flags+=(--primary "127.0.0.1:$PORT" --clone-from "127.0.0.1:$((PORT + ordinal - 1))")
    fi
    mkdir -p "$ROOT/kv-$ordinal"
    nohup "$BIN" "${flags[@]}" >>"$ROOT/kv-$ordinal.log" 2>&1 &
    echo $! >"$ROOT/kv-$ordinal.pid"
}

# Waits until pod $1 answers PING (a new replica answers once its clone is installed).
wait_serving() {
    local ordinal=$1
    for _ in $(seq 1 600); do
        if redis-cli -p $((PORT + ordinal)) PING 2>/dev/null | grep -q PONG; then return 0; fi
        if ! kill -0 "$(cat "$ROOT/kv-$ordinal.pid")" 2>/dev/null; then
            echo "kv-$ordinal exited; see $ROOT/kv-$ordinal.log" >&2
            tail -5 "$ROOT/kv-$ordinal.log" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "kv-$ordinal did not start within 60 s; see $ROOT/kv-$ordinal.log" >&2
    return 1
}

describe() {
    local ordinal=$1 role=replica
    [ "$ordinal" -eq 0 ] && role="primary, takes writes"
    echo "  kv-$ordinal ($role): redis-cli -p $((PORT + ordinal))   http://127.0.0.1:$((HTTP_PORT + ordinal))"
}

running_ordinals() {
    for pidfile in "$ROOT"/kv-*.pid; do
        [ -e "$pidfile" ] || continue
        if kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            basename "$pidfile" .pid | sed 's/^kv-//'
        fi
    done | sort -n
}

case "${1:-up}" in
up)
    command -v redis-cli >/dev/null || { echo "needs redis-cli: apt-get install redis-tools" >&2; exit 1; }
    if [ -n "$(running_ordinals)" ]; then
        echo "a local cluster is already running (pods $(running_ordinals | tr '\n' ' ')); stop it first" >&2
        exit 1
    fi
    [ -n "${KV_BIN:-}" ] || swift build -c release --product kv-server
    mkdir -p "$ROOT"
    rm -f "$ROOT"/kv-*.pid
    stop_all() {
        echo "stopping..."
        for ordinal in $(running_ordinals | sort -rn); do kill -TERM "$(cat "$ROOT/kv-$ordinal.pid")" 2>/dev/null || true; done
        for ordinal in $(seq 0 64); do
            [ -e "$ROOT/kv-$ordinal.pid" ] || continue
            while kill -0 "$(cat "$ROOT/kv-$ordinal.pid")" 2>/dev/null; do sleep 0.1; done
            rm -f "$ROOT/kv-$ordinal.pid"
        done
        exit 0
    }
    trap stop_all INT TERM
    for ordinal in $(seq 0 "$REPLICAS"); do
        start_pod "$ordinal"
        wait_serving "$ordinal"
    done
    echo "kv cluster running (data and logs in $ROOT/):"
    for ordinal in $(seq 0 "$REPLICAS"); do describe "$ordinal"; done
    echo "writes go to kv-0; replicas answer READONLY to writes and serve reads."
    echo "scale out: ./docker/local-cluster.sh add    status: ./docker/local-cluster.sh status    stop: Ctrl-C"
    while true; do sleep 1; done
    ;;
add)
    last=$(running_ordinals | tail -1)
    [ -n "$last" ] || { echo "no local cluster is running; start one with ./docker/local-cluster.sh" >&2; exit 1; }
    next=$((last + 1))
    start_pod "$next"
    wait_serving "$next"
    echo "added:"
    describe "$next"
    ;;
status)
    for ordinal in $(running_ordinals); do
        curl -s "http://127.0.0.1:$((HTTP_PORT + ordinal))/status"
        echo
    done
    ;;
*)
    echo "usage: $0 [up|add|status]" >&2
    exit 2
    ;;
esac
