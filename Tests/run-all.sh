#!/usr/bin/env bash
# Runs every test: unit tests and the end-to-end tests that start the real kv-server and
# talk to it with redis-cli, redis-benchmark and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build --parallel 2>&1 | tee .build/test-output.txt
