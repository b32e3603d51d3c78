"""The Kubernetes MySQL tutorial's scenarios, on emulated pods (podnet.py), each asserting data.

Usage (as root, inside run.sh's private namespaces): scenarios.py KV_SERVER_BINARY [NAME …]
With KV_IMAGE set, every pod is a podman container of that image instead; KV_SERVER_ARGS adds
flags to every pod (e.g. "--log-level debug").
Prints one line per scenario and `N passed, N failed`; exits 1 if any failed.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import traceback

import browser
import monitoring
from podnet import (Cluster, DOMAIN, HTTP_PORT, PASSWORD, VIP, RESP_PORT, connect, http_get, pod_ip, redis_call,
                    wait_until)


def write_keys(pod, prefix, count):
    """SET prefix:i value-i for i < count, pipelined on one connection to `pod`."""
    with connect(pod.ip, RESP_PORT, 10) as conn:
        payload = "*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n" % (len(PASSWORD), PASSWORD) + "".join("*3\r\n$3\r\nSET\r\n$%d\r\n%s:%d\r\n$%d\r\nvalue-%d\r\n"
                          % (len("%s:%d" % (prefix, i)), prefix, i, len("value-%d" % i), i) for i in range(count))
        conn.sendall(payload.encode())
        reader = conn.makefile("rb")
        assert reader.readline() == b"+OK\r\n", "AUTH refused"
        for _ in range(count):
            line = reader.readline()
            assert line == b"+OK\r\n", "write refused: %r" % line


def check_keys(pod, prefix, count):
    for i in range(0, count, max(1, count // 50)):
        value = pod.redis("GET", "%s:%d" % (prefix, i))
        assert value == "value-%d" % i, "%s: %s:%d is %r" % (pod.name, prefix, i, value)


def lsn(pod):
    return int(pod.info("master_repl_offset", "replication"))


def converge(cluster, timeout=30):
    primary = cluster.pod(0)
    running = [p for p in cluster.pods.values() if p.running and p.ordinal > 0]
    wait_until(lambda: all(lsn(p) == lsn(primary) for p in running), timeout,
               "replicas to reach the primary's LSN")


def clones(cluster):
    """Clones the pods have asked for, ever (their logs outlive restarts)."""
    return sum(p.log().count("clone requested") for p in cluster.pods.values())


def pods_answering_reads(cluster, reads=30):
    answered = set()
    for _ in range(reads):
        answered.add(cluster.read("INFO", "server").split("kv_pod:")[1].split()[0])
    return answered


# -- scenarios, in the tutorial's order; each builds on the state the previous one left ----

def ordered_startup(cluster):
    started = []
    for ordinal in range(3):
        pod = cluster.pod(ordinal)
        if ordinal > 0:
            assert cluster.pod(ordinal - 1).ready(), "kv-%d starts only after kv-%d is ready" % (ordinal, ordinal - 1)
        cluster.scale(ordinal + 1)
        started.append(pod.name)
    assert cluster.pod(0).info("kv_role") == "primary"
    for ordinal in (1, 2):
        pod = cluster.pod(ordinal)
        assert pod.info("kv_role") == "replica", pod.info("kv_role")
        source = "kv-%d.kv:6379" % (ordinal - 1)
        assert "clone started from %s" % source in pod.log(), "%s cloned from %s by DNS name" % (pod.name, source)
    resolved = subprocess.run(["ip", "netns", "exec", "kv-2", "getent", "hosts", "kv-0.kv"],
                              capture_output=True, text=True).stdout
    assert resolved.startswith(cluster.pod(0).ip), "kv-0.kv resolves inside a pod: %r" % resolved


def write_to_primary_read_through_kv_read(cluster):
    write_keys(cluster.pod(0), "tutorial", 500)
    converge(cluster)
    for i in range(0, 500, 25):
        assert cluster.read("GET", "tutorial:%d" % i) == "value-%d" % i
    status, headers, body = cluster.read_http("/v1/kv/tutorial:7")
    assert status == 200 and body == "value-7", (status, body)
    assert headers.get("kv-pod", "").startswith("kv-"), headers


def read_loop_rotates_over_every_ready_pod(cluster):
    answered = pods_answering_reads(cluster)
    assert answered == {"kv-0", "kv-1", "kv-2"}, answered


def cluster_page_through_kv_read(cluster):
    """The cluster page through kv-read: whichever pod answers lists every pod of the set, found
    by its DNS names (kv-0.kv, kv-1.kv, … as kv-cli finds them), with roles and LSNs; the JSON
    needs the password. In chromium (when installed) the page asks for the password, which is
    typed into its form, and shows a row per pod once its script ran; its screenshot is kept
    in the logs directory, or at KV_PAGE_SCREENSHOT. KV_PAGE_WARMUP=SECONDS writes at a varying
    rate that long first, so that the charts have a history to draw (docs/cluster-page.png)."""
    status, headers, body = http_get(VIP, HTTP_PORT, "/", 5.0, {"Authorization": "none"})
    assert status == 200 and headers["content-type"].startswith("text/html"), (status, headers)
    assert http_get(VIP, HTTP_PORT, "/v1/cluster", 5.0, {"Authorization": "Bearer wrong"})[0] == 401
    primary_lsn = lsn(cluster.pod(0))
    answered = set()
    for _ in range(9):
        status, _, body = cluster.read_http("/v1/cluster")
        assert status == 200, (status, body)
        document = json.loads(body)
        answered.add(document["answeredBy"])
        assert document["discovery"] == "dns", document
        pods = document["pods"]
        assert [p["pod"] for p in pods] == ["kv-0", "kv-1", "kv-2"], pods
        assert all(p["reachable"] for p in pods), pods
        assert [p["status"]["role"] for p in pods] == ["primary", "replica", "replica"]
        assert all(p["status"]["lsn"] >= primary_lsn for p in pods), [p["status"]["lsn"] for p in pods]
        assert pods[1]["address"] in ("kv-1.kv:6379", "kv-1 (this pod)"), pods[1]["address"]
    assert len(answered) >= 2, "kv-read spread the requests over the pods: %s" % answered
    if not browser.chromium():
        print("  (no chromium: the page was not run in a browser; apt-get install chromium)", flush=True)
        return
    warmup = float(os.environ.get("KV_PAGE_WARMUP", "0"))
    started = time.time()
    while time.time() - started < warmup:
        elapsed = time.time() - started
        write_keys(cluster.pod(0), "page", int(60 + 50 * ((elapsed // 20) % 4)))  # steps of load
        time.sleep(0.2)
    screenshot = os.environ.get("KV_PAGE_SCREENSHOT") or os.path.join(cluster.root, "logs", "cluster-page.png")
    shown = browser.show_cluster("http://%s:%d/" % (VIP, HTTP_PORT), PASSWORD, screenshot, ["kv-0", "kv-1", "kv-2"])
    assert shown["asked_password"], "the page asks for the password"
    assert shown["rows"] == [["kv-0", "primary"], ["kv-1", "replica"], ["kv-2", "replica"]], shown
    assert os.path.getsize(screenshot) > 10000, "a screenshot of the page"


def unready_pod_leaves_the_rotation_and_returns(cluster):
    pod = cluster.pod(2)
    pod.freeze()  # its readiness probe times out
    try:
        time.sleep(1.0)
        answered = pods_answering_reads(cluster)
        assert "kv-2" not in answered and answered == {"kv-0", "kv-1"}, answered
    finally:
        pod.thaw()
    wait_until(lambda: "kv-2" in pods_answering_reads(cluster, 12), 10, "kv-2 back in the rotation")


def deleted_pod_returns_on_its_volume_and_catches_up(cluster):
    before = clones(cluster)
    pod = cluster.pod(2)
    assert pod.delete() == 0, "SIGTERM: kv-server flushes and exits 0"
    write_keys(cluster.pod(0), "while-kv-2-was-away", 300)
    cluster.scale(3)
    converge(cluster)
    check_keys(pod, "while-kv-2-was-away", 300)
    check_keys(pod, "tutorial", 500)
    assert clones(cluster) == before, "no new clone: it resumed from its volume"


def scale_out_in_and_out_again(cluster):
    cluster.scale(5)
    converge(cluster)
    for ordinal in (3, 4):
        check_keys(cluster.pod(ordinal), "tutorial", 500)
        check_keys(cluster.pod(ordinal), "while-kv-2-was-away", 300)
    assert pods_answering_reads(cluster, 40) == {"kv-%d" % i for i in range(5)}
    before = clones(cluster)
    cluster.scale(3)
    for ordinal in (3, 4):
        assert os.listdir(cluster.pod(ordinal).volume), "kv-%d's volume is kept" % ordinal
    write_keys(cluster.pod(0), "while-scaled-in", 200)
    cluster.scale(5)
    converge(cluster)
    for ordinal in (3, 4):
        check_keys(cluster.pod(ordinal), "while-scaled-in", 200)
    assert clones(cluster) == before, "the old volumes resumed without a new clone"
    cluster.scale(3)


def primary_killed_reads_continue_writes_fail_fast(cluster):
    primary = cluster.pod(0)
    primary.kill9()
    try:
        outage(cluster, primary)
    finally:
        if not primary.running:
            primary.start()
    wait_until(primary.ready, 30, "kv-0 ready again", primary)
    write_keys(primary, "after-restart", 100)
    converge(cluster)
    check_keys(cluster.pod(2), "after-restart", 100)


def outage(cluster, primary):
    for i in range(0, 500, 50):
        assert cluster.read("GET", "tutorial:%d" % i) == "value-%d" % i, "reads continue through kv-read"
    started = time.time()
    try:
        primary.redis("SET", "during-outage", "1", timeout=2)
        raise AssertionError("a write to the dead primary succeeded")
    except (ConnectionRefusedError, ConnectionResetError):
        pass
    assert time.time() - started < 1.0, "the write failed fast"
    refused = cluster.pod(1).redis("SET", "during-outage", "1")
    assert refused.startswith("-READONLY") and "kv-0.kv:6379" in refused, refused
    wait_until(lambda: cluster.pod(1).info("master_link_status", "replication") == "down", 5, "kv-1 sees the link down")


def partitioned_replica_heals_without_full_resync(cluster):
    before = clones(cluster)
    pod = cluster.pod(1)
    pod.partition()
    write_keys(cluster.pod(0), "during-partition", 300)
    time.sleep(4.0)  # longer than the stream's silence timeout
    assert pod.running
    pod.heal()
    converge(cluster)
    check_keys(pod, "during-partition", 300)
    assert clones(cluster) == before, "healed by streaming, not by a clone"


def lost_primary_volume_is_restored_from_replicas(cluster):
    primary = cluster.pod(0)
    history = primary.info("kv_history")
    keys = primary.redis("DBSIZE")
    primary.delete()
    subprocess.run(["rm", "-rf", primary.volume], check=True)
    primary.start()
    wait_until(primary.ready, 60, "kv-0 ready on a new volume", primary)
    assert primary.info("kv_history") == history, "the history continues"
    assert primary.redis("DBSIZE") == keys, "restored, not empty"
    assert "restoring from it instead of starting a new" in primary.log()
    converge(cluster)
    for ordinal in (1, 2):
        assert "resync required" not in cluster.pod(ordinal).log(), "replicas kept their data"
    check_keys(cluster.pod(2), "tutorial", 500)


def kv_cli_inside_a_pod(cluster):
    """kv-cli as a user runs it with `kubectl exec`: names and defaults only (in containers,
    the image's own kv-cli; otherwise the one next to the kv-server under test)."""
    if cluster.image:
        command = ["podman", "exec", "kv-1", "kv-cli"]  # the image's own client, as kubectl exec runs it
    else:
        command = ["ip", "netns", "exec", "kv-1", os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), "kv-cli")]

    def run(*args):
        result = subprocess.run(command + list(args), capture_output=True, text=True, timeout=30)
        return result.returncode, result.stdout, result.stderr
    assert run("set", "from-cli", "hello")[:2] == (0, "OK\n"), run("set", "from-cli", "hello")
    converge(cluster)
    assert run("get", "from-cli")[:2] == (0, "hello\n")
    code, out, _ = run("status")
    assert code == 0 and len([l for l in out.splitlines() if l.startswith("kv-")]) == 3, out
    assert "primary" in out and out.count("replica") == 2, out
    code, out, _ = run("check")
    assert code == 0 and "all 3 pods hold the same data" in out, out
    code, out, _ = run("watch", "from-cli", "--count", "12", "--interval", "0.05")
    pods = {line.split()[0] for line in out.splitlines() if line.strip()}
    assert code == 0 and len(pods) >= 2 and all(line.endswith("hello") for line in out.splitlines()), out


def protected_mode_refuses_outside_clients_without_a_password(cluster):
    """kv-2 restarted with no password: protected mode (the default) refuses every client from
    outside the pod with DENIED and the fix; loopback inside the pod is served; probes stay open;
    and its replication requests, now without AUTH, are refused and logged by the primary."""
    pod = cluster.pod(2)
    pod.stop()
    pod.start(extra=["--password", ""])
    wait_until(lambda: http_get(pod.ip, HTTP_PORT, "/healthz", 1.0)[0] == 200, 30, "kv-2 answers /healthz", pod)
    denied = redis_call(pod.ip, RESP_PORT, ["PING"], 5.0)
    assert denied.startswith("-DENIED") and "--password" in denied and "KV_PROTECTED=no" in denied, denied
    assert http_get(pod.ip, HTTP_PORT, "/status", 2.0)[0] == 403
    assert http_get(pod.ip, HTTP_PORT, "/metrics", 2.0)[0] == 200, "scrapers are not refused"
    inside = subprocess.run(["ip", "netns", "exec", pod.name, "redis-cli", "-h", "127.0.0.1", "PING"],
                            capture_output=True, text=True, timeout=10)
    assert inside.stdout.strip() in ("PONG", "KVNOTREADY") or inside.stdout.startswith("KVNOTREADY"), inside
    primary = cluster.pod(0)
    wait_until(lambda: "refused a replication request without authentication" in primary.log(), 30,
               "kv-0 logs kv-2's unauthenticated stream request", primary)
    assert pod.http("/readyz")[0] == 503, "a replica that cannot stream is not ready"
    pod.stop()
    pod.start()
    wait_until(pod.ready, 60, "kv-2 ready with the password again", pod)
    converge(cluster)


def make_tls_secret(root):
    """A CA and a certificate for the set, as an operator (or cert-manager) makes the kv-tls
    Secret: every pod's DNS names, kv-read's, and (for the clients here, which dial IPs) the
    pods' and the Service's addresses. Returns the directory (tls.crt, tls.key, ca.crt)."""
    directory = os.path.join(root, "kv-tls")
    os.makedirs(directory, exist_ok=True)
    names = []
    for ordinal in range(5):
        names += ["DNS:kv-%d.kv" % ordinal, "DNS:kv-%d.kv.%s" % (ordinal, DOMAIN), "IP:" + pod_ip(ordinal)]
    names += ["DNS:kv-read", "DNS:kv-read." + DOMAIN, "IP:" + VIP]
    with open(os.path.join(directory, "san.cnf"), "w") as config:
        config.write("subjectAltName=" + ",".join(names) + "\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for step in (["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=kv-emulation-ca"],
                 ["req"] + ec + ["-keyout", "tls.key", "-out", "tls.csr", "-subj", "/CN=kv"],
                 ["x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                  "-out", "tls.crt", "-days", "2", "-extfile", "san.cnf"]):
        subprocess.run(["openssl"] + step, cwd=directory, check=True, capture_output=True)
    for name in os.listdir(directory):
        os.chmod(os.path.join(directory, name), 0o644)  # readable by the image's user, as a Secret volume is
    return directory


def restart_all(cluster):
    """Every pod stopped, then started again primary first (turning TLS on or off needs the
    whole set at once: a replica that speaks TLS cannot stream from a primary that does not)."""
    running = sorted(o for o, p in cluster.pods.items() if p.running)
    for ordinal in reversed(running):
        cluster.pod(ordinal).stop()
    for ordinal in running:
        pod = cluster.pod(ordinal)
        pod.start()
        wait_until(pod.ready, 60, "%s ready" % pod.name, pod)
    time.sleep(0.5)  # haproxy's next check


def tls_between_pods_and_for_clients(cluster):
    """The set restarted with a TLS Secret mounted (--tls-dir, as the StatefulSet's optional
    kv-tls volume): replicas stream over TLS, verifying kv-0.kv's certificate by name; clients
    reach every pod and kv-read over TLS; haproxy's plain-HTTP readiness checks still work;
    a plain-RESP client gets nothing, plain HTTP gets no data. Then back to plain TCP."""
    directory = make_tls_secret(cluster.root)
    cluster.enable_tls(directory)
    try:
        restart_all(cluster)
        primary = cluster.pod(0)
        assert all("tls=on" in p.log() for p in cluster.pods.values() if p.running)
        write_keys(primary, "over-tls", 200)
        converge(cluster)  # streamed over TLS: the replicas dialled kv-0.kv and verified its name
        check_keys(cluster.pod(2), "over-tls", 200)
        assert len(pods_answering_reads(cluster)) == 3, "haproxy's plain /readyz checks keep every pod in kv-read"
        # A real client through the Service.
        cli = subprocess.run(["redis-cli", "--tls", "--cacert", os.path.join(directory, "ca.crt"), "-h", VIP,
                              "-a", PASSWORD, "--no-auth-warning", "GET", "over-tls:7"], capture_output=True, text=True, timeout=10)
        assert cli.stdout.strip() == "value-7", cli
        # Without TLS: no RESP at all; HTTP probes and metrics but no data.
        with socket.create_connection((primary.ip, RESP_PORT), timeout=5) as plain:
            plain.sendall(b"*1\r\n$4\r\nPING\r\n")
            try:
                answer = plain.recv(100)
            except OSError:
                answer = b""
            assert not answer.startswith(b"+PONG"), answer
        plain_http = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                     "http://%s:%d/v1/kv/over-tls:7" % (primary.ip, HTTP_PORT)], capture_output=True, text=True)
        assert plain_http.stdout == "403", plain_http
        https = subprocess.run(["curl", "-s", "--cacert", os.path.join(directory, "ca.crt"), "-H", "Authorization: Bearer " + PASSWORD,
                                "https://%s:%d/v1/kv/over-tls:7" % (VIP, HTTP_PORT)], capture_output=True, text=True)
        assert https.stdout == "value-7", https
        # The cluster page's JSON: the serving pod asked every other over TLS, by name.
        cluster_json = subprocess.run(["curl", "-s", "--cacert", os.path.join(directory, "ca.crt"), "-H", "Authorization: Bearer " + PASSWORD,
                                       "https://%s:%d/v1/cluster" % (VIP, HTTP_PORT)], capture_output=True, text=True)
        pods = json.loads(cluster_json.stdout)["pods"]
        assert [p["pod"] for p in pods] == ["kv-0", "kv-1", "kv-2"] and all(p["reachable"] for p in pods), pods
    finally:
        cluster.enable_tls(None)
        restart_all(cluster)
    converge(cluster)


def prometheus_sees_a_frozen_replica(cluster):
    """A real Prometheus (Debian's) scrapes every pod's /metrics every second with the shipped
    alert rules, their minutes made seconds (monitoring.quickened_rules). All alerts stay
    inactive on the healthy set; kv-2 frozen (SIGSTOP, `podman pause` in containers: a hung
    node) while writes go on: KVPodDown fires for kv-2 (its scrape fails) and
    KVReplicaNotAcknowledging for it from the primary's view, nothing for kv-0 or kv-1; thawed,
    kv-2 catches up and every alert resolves."""
    if not monitoring.available():
        print("  (skipped: no %s; apt-get install prometheus)" % monitoring.BINARY, flush=True)
        return
    cluster.scale(3)
    converge(cluster)
    pods = [p for p in cluster.pods.values() if p.running]
    prometheus = monitoring.Prometheus(cluster.root, pods)
    frozen = cluster.pod(2)
    batches = 0
    try:
        prometheus.start()
        assert sorted(prometheus.rules()) == sorted(prometheus.alert_names), prometheus.rules()
        wait_until(lambda: prometheus.targets() == {p.name: "up" for p in pods}, 30, "every pod scraped")
        wait_until(lambda: set(prometheus.rules().values()) == {"ok"}, 10, "every rule evaluated without error")
        prometheus.wait_for_evaluations()
        assert prometheus.alerts() == [], "no alert on a healthy set: %s" % prometheus.alerts()

        def alerts_for_kv_2():
            """Writes a batch to the primary (records for kv-2 to acknowledge), then returns the
            names of the alerts firing for kv-2; fails on a down alert for any other pod."""
            nonlocal batches
            write_keys(cluster.pod(0), "while-frozen-%d" % batches, 20)
            batches += 1
            time.sleep(0.2)
            firing = prometheus.alerts("firing")
            others = [a for a in firing if a[0] in ("KVPrimaryDown", "KVPodDown", "KVReplicaNotAcknowledging")
                      and "kv-2" not in (a[1].get("instance"), a[1].get("replica"))]
            assert not others, "only kv-2 is frozen: %s" % others
            return {name for name, labels, _ in firing
                    if (name, labels.get("instance")) == ("KVPodDown", "kv-2")
                    or (name, labels.get("replica")) == ("KVReplicaNotAcknowledging", "kv-2")}
        frozen.freeze()
        started = time.time()
        try:
            wait_until(lambda: alerts_for_kv_2() == {"KVPodDown", "KVReplicaNotAcknowledging"}, 60,
                       "KVPodDown and KVReplicaNotAcknowledging firing for kv-2")
            print("  alerts fired for kv-2 %.1f s after it froze" % (time.time() - started), flush=True)
        finally:
            frozen.thaw()
        converge(cluster)
        for batch in range(batches):
            check_keys(frozen, "while-frozen-%d" % batch, 20)
        started = time.time()
        wait_until(lambda: prometheus.alerts() == [], 60, "every alert resolved once kv-2 thawed")
        print("  every alert resolved %.1f s after kv-2 caught up" % (time.time() - started), flush=True)
    finally:
        prometheus.stop()


SCENARIOS = [
    ordered_startup,
    write_to_primary_read_through_kv_read,
    read_loop_rotates_over_every_ready_pod,
    kv_cli_inside_a_pod,
    cluster_page_through_kv_read,
    unready_pod_leaves_the_rotation_and_returns,
    deleted_pod_returns_on_its_volume_and_catches_up,
    scale_out_in_and_out_again,
    primary_killed_reads_continue_writes_fail_fast,
    partitioned_replica_heals_without_full_resync,
    lost_primary_volume_is_restored_from_replicas,
    protected_mode_refuses_outside_clients_without_a_password,
    tls_between_pods_and_for_clients,
    prometheus_sees_a_frozen_replica,
]


def main(argv):
    binary = argv[1]
    wanted = set(argv[2:])
    image = os.environ.get("KV_IMAGE") or None
    cluster = Cluster(binary, image=image, server_args=os.environ.get("KV_SERVER_ARGS", "").split())
    if image:
        print("pods are podman containers of %s" % image, flush=True)
    passed = failed = 0
    try:
        cluster.up()
        for scenario in SCENARIOS:
            if wanted and scenario.__name__ not in wanted:
                continue
            started = time.time()
            try:
                scenario(cluster)
                passed += 1
                print("PASS %-55s %5.1f s" % (scenario.__name__, time.time() - started), flush=True)
            except Exception:
                failed += 1
                print("FAIL %-55s %5.1f s" % (scenario.__name__, time.time() - started), flush=True)
                traceback.print_exc()
    finally:
        cluster.down()
        if failed:
            print("pod logs kept in %s/logs" % cluster.root)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
