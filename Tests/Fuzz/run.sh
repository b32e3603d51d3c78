#!/usr/bin/env bash
# Builds the libFuzzer targets (Tests/Fuzz/Package.swift) and runs each for a bounded time on
# a copy of its seed corpus (the committed corpus never grows). Prints, per target: runs,
# runs per second, corpus size, coverage, crashes. Exits non-zero when any target crashed,
# timed out or leaked; the input that did it, and every target's log, are kept under
# .build-fuzz/artifacts/.
#
#   Tests/Fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]      (default: 20 s, every target)
#
# Environment: FUZZ_JOBS (targets run at once, default 1), FUZZ_RSS_MB (memory limit per
# target, default 2048), FUZZ_SCRATCH (build directory, default .build-fuzz), FUZZ_TMP (where
# the corpus copies and the targets' files go, default /dev/shm).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-20}"
shift || true
all=(FuzzRESPCommand FuzzRESPValue FuzzLogRecord FuzzSegment FuzzSnapshot FuzzCloneWriter
     FuzzReplicationStream FuzzStreamAck FuzzHTTP FuzzValuePayload)
targets=("${@:-${all[@]}}")
scratch="${FUZZ_SCRATCH:-.build-fuzz}"
artifacts="$scratch/artifacts"
rss="${FUZZ_RSS_MB:-2048}"
jobs="${FUZZ_JOBS:-1}"

# `--sanitize fuzzer` makes SwiftPM link libFuzzer's main; the -Xswiftc flag is what
# instruments the code: swiftc keeps only the last -sanitize= it is given, so SwiftPM's own
# `-sanitize=fuzzer -sanitize=address` (two --sanitize options) would drop the fuzzer's
# coverage instrumentation.
# One product at a time: a plain `swift build` would also build every product of the
# dependencies (kv-server, kv-cli, ArgumentParser, NIO's test utilities...).
build_start=$(date +%s)
# SwiftPM keeps the build plan of a path dependency (the main package) and misses files added
# to it since: drop the plan (not the objects), so it is made again from the sources.
rm -f "$scratch/debug.yaml" "$scratch/debug/description.json"
for target in "${targets[@]}"; do
    # A failed build must fail the run: the previous build's binary may still be there.
    if ! nice -n 10 swift build --package-path Tests/Fuzz --scratch-path "$scratch" -c debug \
            --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address --product "$target" > "$scratch.build.log" 2>&1; then
        grep -E "error:" "$scratch.build.log" | sort -u | head -20
        echo "build of $target failed (log: $scratch.build.log)"
        exit 1
    fi
    grep -E "Build of product" "$scratch.build.log" || true
done
echo "build: $(( $(date +%s) - build_start )) s"

work="$(mktemp -d "${FUZZ_TMP:-$([ -d /dev/shm ] && echo /dev/shm || echo /tmp)}/kv-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"

dictionary() {
    case "$1" in
        FuzzRESPCommand|FuzzRESPValue|FuzzStreamAck|FuzzReplicationStream) echo Tests/Fuzz/Dictionaries/resp.dict ;;
        FuzzHTTP) echo Tests/Fuzz/Dictionaries/http.dict ;;
    esac
}

run_target() {
    local target="$1" dict status=0
    mkdir -p "$work/$target/corpus" "$work/$target/tmp"
    cp Tests/Fuzz/Corpus/"$target"/* "$work/$target/corpus/"
    dict="$(dictionary "$target")"
    # Leaks count as failures (ASan's leak checker runs after each input that grew memory).
    TMPDIR="$work/$target/tmp" SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="detect_leaks=1" \
        nice -n 10 "$scratch/debug/$target" \
        -max_total_time="$seconds" -rss_limit_mb="$rss" -malloc_limit_mb="$rss" -timeout=10 -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="$artifacts/$target-" ${dict:+-dict="$dict"} \
        "$work/$target/corpus" >"$work/$target/log" 2>&1 || status=$?
    echo "$status" >"$work/$target/status"
}

running=0
for target in "${targets[@]}"; do
    run_target "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done
wait || true

failed=0
printf '%-24s %10s %8s %14s %7s %7s %s\n' target runs "runs/s" corpus cov ft result
for target in "${targets[@]}"; do
    log="$work/$target/log"
    status="$(cat "$work/$target/status")"
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
    last="$(grep -E '^#[0-9]+' "$log" | tail -1)"
    corpus="$(sed -n 's/.*corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$last")"
    cov="$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")"
    ft="$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")"
    if [ "$status" = 0 ]; then
        result=ok
    else
        result="FAILED (exit $status)"
        failed=1
    fi
    printf '%-24s %10s %8s %14s %7s %7s %s\n' "$target" "${runs:--}" "${rate:--}" "${corpus:--}" "${cov:--}" "${ft:--}" "$result"
    cp "$log" "$artifacts/$target.log"
    if [ "$status" != 0 ]; then
        grep -E "ERROR|Fatal error|SUMMARY|Test unit written" "$log" | head -8 | cut -c1-300 | sed 's/^/    /'
    fi
done
if [ "$failed" != 0 ]; then
    echo "A target failed: reproduce with $scratch/debug/<target> <input> (logs in $artifacts/)."
    exit 1
fi
