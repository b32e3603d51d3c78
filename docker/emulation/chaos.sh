#!/usr/bin/env bash
# Seeded chaos on emulated pods: writers record every acknowledged write while random faults
# (kill -9, machine crashes, SIGSTOP/SIGCONT, SIGTERM, partitions, deleted volumes, full disks,
# scaling, two at once) hit the set; then every acknowledged write a fault could not take must
# be on the primary, every pod's digest equal (kv-cli check), and reads through kv-read with
# KV-Min-LSN must never have gone backwards. Needs root and the packages of run.sh (iproute2,
# dnsmasq-base, haproxy); iptables for the packet-drop fault.
#
#   ./docker/emulation/chaos.sh [KV_SERVER] --seed N (--rounds N | --duration S) [--writers N]
#                               [--fsync always|everysec]
#
# KV_SERVER defaults to .build/debug/kv-server; kv-cli must be next to it. The same seed gives
# the same fault schedule (`python3 docker/emulation/chaos.py --plan --seed N --rounds N`).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.build/debug/kv-server
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then BIN=$1; shift; fi
[ -x "$BIN" ] || { echo "no kv-server at $BIN (swift build first)" >&2; exit 1; }
[ -x "$(dirname "$BIN")/kv-cli" ] || { echo "no kv-cli next to $BIN" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }
for tool in ip dnsmasq haproxy unshare; do
    command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install iproute2 dnsmasq-base haproxy" >&2; exit 1; }
done
command -v iptables >/dev/null || echo "iptables is not installed: the packet-drop partition is skipped (apt-get install iptables)"
exec unshare --net --mount --propagation private -- sh -c '
    mkdir -p /run/netns /etc/netns
    mount -t tmpfs tmpfs /run/netns
    mount -t tmpfs tmpfs /etc/netns
    exec python3 docker/emulation/chaos.py "$@"' sh "$(realpath "$BIN")" "$@"
