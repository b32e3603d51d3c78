#!/usr/bin/env bash
# Builds and runs the whole test suite under a sanitizer: address (ASan + LeakSanitizer),
# thread (TSan), or all (both, one after the other). Fails on a failed test and on any
# sanitizer report — also one written by a kv-server or kv-cli the tests started: those are
# built into the same scratch path (the tests find them next to the test bundle), inherit the
# options below, and write their reports to files rather than to a log nobody reads.
#
#   Tests/sanitizers.sh [address|thread|all]     (default: all)
#
# Each sanitizer has its own scratch path (.build-asan, .build-tsan): a sanitized build is
# never mixed with the ordinary .build. Results and timings: Tests/Sanitizers/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
which=${1:-all}

# One sanitizer: build, run every test, then look for report files.
run() {
    local sanitizer=$1 scratch=$2
    local reports="$root/$scratch/sanitizer-reports"
    rm -rf "$reports"
    mkdir -p "$reports"
    # A test runs one cluster as another user (nobody, through setpriv): it must be able to
    # write its report here too.
    chmod 1777 "$reports"

    echo "== $sanitizer: build ($scratch)"
    local start=$SECONDS
    # Under TSan, KV_TSAN makes kv's KVMutex a pthread mutex TSan can see instead of
    # Synchronization.Mutex, whose futex it cannot (Sources/KVCore/KVMutex.swift).
    local flags=()
    [ "$sanitizer" = thread ] && flags=(-Xswiftc -DKV_TSAN)
    swift build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch" "${flags[@]}"
    echo "== $sanitizer: build took $((SECONDS - start)) s"

    # log_path: every sanitized process (the test runner and each server or kv-cli it starts)
    # writes its report to $reports/report.<pid> instead of to stderr, which for a server is a
    # log file the test deletes. ASan: halt_on_error, the first error ends the process, so a
    # server that hits one dies and its test fails as well. TSan goes on after a report (a race
    # does not corrupt the run), so one run collects all of them; any report still fails this
    # script.
    case $sanitizer in
    address)
        # Leaks are checked in every kv-server and kv-cli at exit, not in the test runner,
        # whose exit finds Foundation threads, Process objects and test globals alive
        # (Tests/Sanitizers/README.md): the harness hands the children their own options.
        export ASAN_OPTIONS="log_path=$reports/report:halt_on_error=1:abort_on_error=1:detect_leaks=0"
        export KV_TEST_CHILD_ASAN_OPTIONS="log_path=$reports/report:halt_on_error=1:abort_on_error=1:detect_leaks=1"
        export LSAN_OPTIONS="suppressions=$root/Tests/Sanitizers/lsan.supp:print_suppressions=0"
        ;;
    thread)
        export TSAN_OPTIONS="log_path=$reports/report:halt_on_error=0:suppressions=$root/Tests/Sanitizers/tsan.supp:print_suppressions=0"
        ;;
    esac

    # Tests that cannot hold under a sanitizer ask for this (ServerProcess.sanitizer).
    export KV_TEST_SANITIZER=$sanitizer

    # The Swift runtime's own crash reporter would catch the sanitizer's abort, trip ASan in
    # its memory reader and wait 30 s for a symbolizer: the sanitizer's report says more.
    export SWIFT_BACKTRACE=enable=no

    echo "== $sanitizer: test"
    start=$SECONDS
    local status=0
    swift test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" "${flags[@]}" --parallel 2>&1 \
        | tee "$scratch/test-output.txt" || status=$?
    echo "== $sanitizer: tests took $((SECONDS - start)) s (exit status $status)"
    unset ASAN_OPTIONS KV_TEST_CHILD_ASAN_OPTIONS LSAN_OPTIONS TSAN_OPTIONS SWIFT_BACKTRACE KV_TEST_SANITIZER

    local found
    found=$(find "$reports" -type f | sort)
    if [ -n "$found" ]; then
        echo "== $sanitizer: REPORTS FOUND:"
        for file in $found; do
            echo "---- $file"
            cat "$file"
        done
        return 1
    fi
    echo "== $sanitizer: no sanitizer reports"
    return "$status"
}

case $which in
address) run address .build-asan ;;
thread) run thread .build-tsan ;;
all)
    status=0
    run address .build-asan || status=$?
    run thread .build-tsan || status=$?
    exit "$status"
    ;;
*)
    echo "usage: $0 [address|thread|all]" >&2
    exit 2
    ;;
esac
