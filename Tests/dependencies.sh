#!/usr/bin/env bash
# What the test command needs besides Swift, checked and — as root on Debian — installed:
#   Tests/dependencies.sh            install what is missing (root), or name it and fail
#   Tests/dependencies.sh --check    only name what is missing (exit 1 if anything required is)
# Required: redis-cli/redis-server/redis-benchmark (the end-to-end tests compare kv with a real
# Redis and drive it with Redis's own tools), curl, openssl (TLS test certificates), python3,
# promtool (the alert rules' tests), redis-py from PyPI (applications' client library: WATCH
# transactions and blocking pops are tested as applications use them). Needed only as root, where the emulated-pod scenarios,
# the chaos run and the full-disk tests run: ip, iptables, dnsmasq, haproxy, podman, runc,
# chromium.
# The manifest checks (docker/k8s/check.sh) use kubernetes-validate and checkov from PyPI.
set -euo pipefail
check_only=false
[ "${1:-}" = "--check" ] && check_only=true

# liblua5.1-0-dev and pkg-config: the build itself needs them (Lua 5.1 for scripting; SwiftPM
# finds it through pkg-config). A path stands for a package without a command.
required=(/usr/include/lua5.1/lua.h:liblua5.1-0-dev pkg-config:pkgconf redis-cli:redis-tools redis-server:redis-server redis-benchmark:redis-tools curl:curl
          openssl:openssl python3:python3 promtool:prometheus)
# chromium: the cluster page's script runs in it (a large package, about 100 MB, but the only
# check that the page works in a browser; its tests skip without it).
as_root=(ip:iproute2 iptables:iptables dnsmasq:dnsmasq-base haproxy:haproxy podman:podman runc:runc chromium:chromium)

missing() {  # tool:package pairs whose tool is not on PATH (or path not there) -> package names
    local pair tool
    for pair in "$@"; do
        tool=${pair%%:*}
        if [ "${tool#/}" != "$tool" ]; then
            [ -e "$tool" ] || echo "${pair##*:}"
        else
            command -v "$tool" >/dev/null 2>&1 || echo "${pair##*:}"
        fi
    done | sort -u
}

wanted=("${required[@]}")
[ "$(id -u)" -eq 0 ] && wanted+=("${as_root[@]}")
mapfile -t packages < <(missing "${wanted[@]}")
if [ ${#packages[@]} -gt 0 ]; then
    if ! $check_only && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        echo "installing: ${packages[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${packages[@]}" >/dev/null
    else
        mapfile -t still < <(missing "${required[@]}")
        if [ ${#still[@]} -gt 0 ]; then
            echo "missing (Debian packages): ${still[*]} — install them (sudo apt-get install ${still[*]}) or run this as root" >&2
            exit 1
        fi
    fi
fi
# redis-py for whichever python3 runs the tests (pyenv's or Debian's), from PyPI.
if ! python3 -c "import redis" >/dev/null 2>&1; then
    if $check_only; then
        echo "missing: redis-py (python3 -m pip install redis)" >&2
        exit 1
    fi
    python3 -m pip install -q --disable-pip-version-check redis \
        || python3 -m pip install -q --disable-pip-version-check --break-system-packages redis \
        || { echo "could not install redis-py from PyPI" >&2; exit 1; }
fi
if ! $check_only; then
    for tool in kubernetes-validate checkov; do
        command -v "$tool" >/dev/null 2>&1 || python3 -m pip install -q --disable-pip-version-check "$tool" \
            || echo "could not install $tool from PyPI: the manifest checks will fail" >&2
    done
fi
