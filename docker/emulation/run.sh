#!/usr/bin/env bash
# Runs the Kubernetes tutorial's scenarios against kv-server on emulated pods: network and UTS
# namespaces, dnsmasq as the cluster DNS, haproxy as the kv-read Service. Needs root and the
# packages iproute2, dnsmasq-base, haproxy (.ci/run installs them).
#
#   ./docker/emulation/run.sh [KV_SERVER] [SCENARIO …]    # default: .build/debug/kv-server
#
# Everything runs in a private network and mount namespace (unshare): the host's network,
# /run/netns and /etc/netns are never touched, and parallel runs cannot clash.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-.build/debug/kv-server}
shift || true
[ -x "$BIN" ] || { echo "no kv-server at $BIN (swift build first)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }
for tool in ip dnsmasq haproxy unshare; do
    command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install iproute2 dnsmasq-base haproxy" >&2; exit 1; }
done
exec unshare --net --mount --propagation private -- sh -c '
    mkdir -p /run/netns /etc/netns
    mount -t tmpfs tmpfs /run/netns
    mount -t tmpfs tmpfs /etc/netns
    exec python3 docker/emulation/scenarios.py "$@"' sh "$(realpath "$BIN")" "$@"
