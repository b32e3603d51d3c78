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

# prometheus.yml, the scrape job the alerts expect. Debian's promtool is built without
# Kubernetes discovery ("field kubernetes_sd_configs not found"): there the discovery block is
# swapped for a static target and the rest (relabelling, rule_files) is checked.
if ! out=$(promtool check config prometheus.yml 2>&1); then
    grep -q 'field kubernetes_sd_configs not found' <<<"$out" || { echo "$out" >&2; exit 1; }
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    cp kv-alerts.yaml "$scratch/"
    awk '/kubernetes_sd_configs:/ { print "    static_configs: [{targets: [\"kv-0.kv:8080\"]}]"; skip = 1; next }
         skip && /^    [a-z_]+:/ { skip = 0 }
         !skip' prometheus.yml >"$scratch/prometheus.yml"
    promtool check config "$scratch/prometheus.yml"
    echo "prometheus.yml: checked with a static target (this promtool has no kubernetes_sd_configs)"
fi

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
