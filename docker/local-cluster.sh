#!/usr/bin/env bash
# Runs kv on this machine without containers: builds kv-server (release) and starts the
# primary kv-0 on loopback, data and logs under .local-cluster/. Ctrl-C stops it cleanly.
#
#   PORT=6379 HTTP_PORT=8080 FSYNC=always ./docker/local-cluster.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-6379}
HTTP_PORT=${HTTP_PORT:-8080}
FSYNC=${FSYNC:-always}
ROOT=${ROOT:-.local-cluster}

swift build -c release --product kv-server
BIN=.build/release/kv-server
mkdir -p "$ROOT/kv-0"

echo "kv-0 (primary) listening: redis-cli -p $PORT   http://127.0.0.1:$HTTP_PORT   data in $ROOT/kv-0"
echo "logs: $ROOT/kv-0.log   (Ctrl-C to stop)"
"$BIN" --hostname kv-0 --bind 127.0.0.1 --port "$PORT" --http-port "$HTTP_PORT" \
    --data-dir "$ROOT/kv-0" --fsync "$FSYNC" 2> >(tee -a "$ROOT/kv-0.log" >&2) &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID' INT TERM
wait $PID
