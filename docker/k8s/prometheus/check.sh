#!/usr/bin/env bash
# Checks the Prometheus alert rules: `promtool check rules` (syntax, templates), `promtool test
# rules` (kv-alerts.test.yaml: each alert firing and not firing), and that the memory alert's
# limit is the StatefulSet's KV_MAX_MEMORY (kv does not export --max-memory, so the rule
# carries the number). Needs promtool: apt-get install prometheus (.ci/run installs it).
set -euo pipefail
cd "$(dirname "$0")"
command -v promtool >/dev/null || { echo "needs promtool: apt-get install prometheus" >&2; exit 1; }
promtool check rules kv-alerts.yaml
promtool test rules kv-alerts.test.yaml

# KV_MAX_MEMORY's value in statefulset.yaml, as kv-server reads it (k/m/g and kb/mb/gb are
# powers of 1024), against the number in KVMemoryNearLimit.
setting=$(grep -A1 'name: KV_MAX_MEMORY' ../statefulset.yaml | sed -n 's/.*value: *//p' | tr -d '"' | tr '[:upper:]' '[:lower:]')
number=${setting%%[a-z]*}
case "${setting#"$number"}" in
"" | b) scale=1 ;;
k | kb) scale=$((1 << 10)) ;;
m | mb) scale=$((1 << 20)) ;;
g | gb) scale=$((1 << 30)) ;;
*) echo "cannot read KV_MAX_MEMORY '$setting' in statefulset.yaml" >&2; exit 1 ;;
esac
limit=$((number * scale))
grep -q "expr: kv_memory_allocated_bytes > 0.9 \* $limit\$" kv-alerts.yaml || {
    echo "KVMemoryNearLimit must use $limit bytes, the StatefulSet's KV_MAX_MEMORY ($setting)" >&2
    exit 1
}
echo "KVMemoryNearLimit: at 90% of KV_MAX_MEMORY $setting ($limit bytes), as statefulset.yaml sets it"
