#!/usr/bin/env bash
# Runs every test: unit tests, the end-to-end tests that start the real kv-server and talk to
# it with redis-cli, redis-benchmark and curl, a short run of every fuzz target (Tests/Fuzz/),
# the Prometheus alert rules' unit tests and the Kubernetes manifest checks (docker/k8s/), and
# (as root) the Kubernetes tutorial's scenarios and a short chaos run on emulated pods
# (docker/emulation/).
set -euo pipefail
cd "$(dirname "$0")/.."
# What the tests need besides Swift: installed as root on Debian, else named (and a failure).
./Tests/dependencies.sh
swift build --build-tests
swift test --skip-build --parallel 2>&1 | tee .build/test-output.txt
# libFuzzer on every decoder of outside bytes, briefly (Tests/Fuzz/README.md): its own build in
# .build-fuzz, then 20 s per target, two at a time, on a copy of the seed corpus.
FUZZ_JOBS="${FUZZ_JOBS:-2}" ./Tests/Fuzz/run.sh "${FUZZ_SECONDS:-20}"
# The Prometheus alert rules: promtool check rules, and their unit tests (promtool test rules).
./docker/k8s/prometheus/check.sh
if command -v kubectl >/dev/null; then
    ./docker/k8s/check.sh
else
    echo "SKIPPED: the manifest checks need kubectl (kustomize): ./docker/k8s/check.sh"
fi
if [ "$(id -u)" -eq 0 ]; then
    ./docker/emulation/run.sh .build/debug/kv-server
    # Short seeded chaos runs: faults under load, then no write lost that the faults could not
    # take, equal digests, monotonic reads (docker/emulation/chaos-results.md has the longer
    # runs). Seed 3597 (--fsync always, ~50 s): every fault kind but a lone kill -9 of a
    # replica — kv-0's machine crash and its deleted volume among them, and a replica's machine
    # crash in a double fault. Seed 1908 (everysec, ~25 s): kv-0's machine crash alone, then
    # with kv-1's at once, then kv-0's volume deleted.
    ./docker/emulation/chaos.sh .build/debug/kv-server --seed "${KV_CHAOS_SEED:-3597}" --rounds 14
    ./docker/emulation/chaos.sh .build/debug/kv-server --seed "${KV_CHAOS_EVERYSEC_SEED:-1908}" --rounds 6 --fsync everysec
    # Once more with every pod a container of the image (a static release build).
    if command -v podman >/dev/null; then
        ./docker/image.sh kv:0.1.0
        KV_IMAGE=localhost/kv:0.1.0 ./docker/emulation/run.sh .build/debug/kv-server
    else
        echo "SKIPPED: the scenarios as podman containers need podman (apt-get install podman runc)"
    fi
else
    echo "SKIPPED: the emulated-pod scenarios need root (network namespaces): sudo ./docker/emulation/run.sh"
fi
