#!/usr/bin/env bash
# Builds the kv image with podman from a kv-server built on this host — for machines without
# a registry, where docker/Dockerfile's build stage (FROM swift) cannot be pulled. The image
# is the same as that file's `runtime` stage: a static binary in an image made from nothing,
# user 65532, /var/lib/kv as the volume, ports 6379 and 8080. Keep the two in step.
#
#   ./docker/image.sh [TAG]          # default kv:0.1.0; KV_BIN=path to use a built binary
set -euo pipefail
cd "$(dirname "$0")/.."
TAG=${1:-kv:0.1.0}
if [ -z "${KV_BIN:-}" ]; then
    swift build -c release --product kv-server -Xswiftc -static-executable --scratch-path .build/static
    swift build -c release --product kv-cli -Xswiftc -static-executable --scratch-path .build/static
fi
BIN=${KV_BIN:-.build/static/release/kv-server}
CLI=$(dirname "$BIN")/kv-cli
if ldd "$BIN" >/dev/null 2>&1; then
    echo "$BIN is dynamically linked; build it with -Xswiftc -static-executable" >&2
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/var/lib/kv" "$work/root/usr/local/bin"
cp "$BIN" "$work/root/usr/local/bin/kv-server"
# The client too, on the default PATH: `kubectl exec kv-0 -- kv-cli status` works.
[ -x "$CLI" ] && cp "$CLI" "$work/root/usr/local/bin/kv-cli"
chown 65532:65532 "$work/root/var/lib/kv"
tar -C "$work/root" --numeric-owner -cf "$work/rootfs.tar" .
podman import \
    --change 'USER 65532:65532' \
    --change 'VOLUME /var/lib/kv' \
    --change 'EXPOSE 6379' --change 'EXPOSE 8080' \
    --change 'ENV PATH=/usr/local/bin' \
    --change 'ENTRYPOINT ["/usr/local/bin/kv-server"]' \
    --change 'CMD ["--data-dir", "/var/lib/kv"]' \
    --quiet "$work/rootfs.tar" "$TAG" >/dev/null
echo "built $TAG from $BIN ($(du -h "$BIN" | cut -f1))"
