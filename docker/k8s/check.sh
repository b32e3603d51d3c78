#!/usr/bin/env bash
# Offline checks of the Kubernetes manifests and the compose file: the kustomize build is
# valid against the Kubernetes schemas (strict), and checkov finds nothing it does not skip
# for a stated reason (the checkov.io/skip annotations in statefulset.yaml).
# Needs kubectl, and pip's kubernetes-validate and checkov (.ci/run installs the latter two).
set -euo pipefail
cd "$(dirname "$0")/../.."
rendered=$(mktemp --suffix=.yaml)
trap 'rm -f "$rendered"' EXIT
kubectl kustomize docker/k8s >"$rendered"
kubernetes-validate --strict --quiet "$rendered"
echo "kubernetes-validate --strict: ok ($(grep -c '^kind:' "$rendered") resources)"
checkov --framework kubernetes --file "$rendered" --compact --quiet --skip-download >/tmp/kv-checkov.txt 2>&1 || {
    cat /tmp/kv-checkov.txt
    echo "checkov: failed" >&2
    exit 1
}
grep -E "^Passed checks" /tmp/kv-checkov.txt
python3 - <<'PY'
import yaml
compose = yaml.safe_load(open("docker/compose.yaml"))
services = compose["services"]
assert sorted(services) == ["kv-0", "kv-1", "kv-2"], services
for name, service in services.items():
    assert service["hostname"] == name, name
    assert service["networks"]["kv"]["aliases"] == [name + ".kv"], name
    assert service["volumes"] == ["%s:/var/lib/kv" % name], name
print("compose.yaml: ok (kv-0..kv-2, hostnames, kv-N.kv aliases, one volume each)")
PY
