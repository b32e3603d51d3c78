#!/usr/bin/env bash
# A stand-in for kv-server that is redis-server: takes kv-server's flags, runs redis-server with
# the same durability. `KV_BIN=docker/bench/redis-as-kv.sh ./docker/bench/compare-redis.sh`
# benchmarks Redis against itself, so the spread of its kv/redis ratios is the noise floor
# of the machine (an A/A test); it also exercises every kv code path of the script.
set -euo pipefail
port=6379 dir=. fsync=always
while (($#)); do
    case $1 in
        --port) port=$2; shift 2 ;;
        --data-dir) dir=$2; shift 2 ;;
        --fsync) fsync=$2; shift 2 ;;
        --version) echo "redis-as-kv: $(redis-server --version)"; exit 0 ;;
        --*=*) shift ;;
        --*) shift; if (($#)) && [[ $1 != --* ]]; then shift; fi ;;
        *) shift ;;
    esac
done
exec redis-server --port "$port" --bind 127.0.0.1 --appendonly yes --appendfsync "$fsync" \
    --save "" --dir "$dir" --daemonize no
