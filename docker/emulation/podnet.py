"""Emulated StatefulSet pods on one Linux machine, for kv's end-to-end scenarios.

Each pod is a network namespace (its own IP on a bridge) plus a UTS namespace (hostname
kv-N) plus a directory that outlives the process (its persistent volume). dnsmasq serves the
headless Service names (kv-N.kv[.default.svc.cluster.local], kv); haproxy is the kv-read
Service, routing only to pods whose /readyz answers 200. The real kv-server runs in each pod
with nothing but --data-dir, as Kubernetes runs it: it finds its role and peers from its
hostname and DNS alone.

Run inside `unshare --net --mount` (see run.sh): the bridge, namespaces and /etc/netns files
then never touch the host and two runs cannot clash. Facts behind the choices:
/work/shared/POD-EMULATION.md.
"""

import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

BRIDGE = "kvbr0"
GATEWAY = "10.244.0.1"
VIP = "10.96.0.100"  # the kv-read Service's ClusterIP
RESP_PORT = 6379
HTTP_PORT = 8080
DOMAIN = "default.svc.cluster.local"
MAX_PODS = 8


def sh(*args, check=True, quiet=False):
    """Runs a command; returns its stdout."""
    result = subprocess.run(args, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(args), result.returncode, result.stderr.strip()))
    return result.stdout


def pod_ip(ordinal):
    return "10.244.0.%d" % (10 + ordinal)


class Pod:
    def __init__(self, cluster, ordinal):
        self.cluster = cluster
        self.ordinal = ordinal
        self.name = "%s-%d" % (cluster.set_name, ordinal)
        self.ip = pod_ip(ordinal)
        self.volume = os.path.join(cluster.root, "pv", "data-" + self.name)
        self.log_path = os.path.join(cluster.root, "logs", self.name + ".log")
        self.process = None
        self.network_up = False

    # -- lifecycle ----------------------------------------------------------------------

    def create_network(self):
        """The pod's sandbox: namespace, veth into the bridge, IP, resolv.conf."""
        if self.network_up:
            return
        ns, host_end = self.name, "veth-" + self.name
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", host_end, "type", "veth", "peer", "name", "eth0", "netns", ns)
        sh("ip", "link", "set", host_end, "master", BRIDGE, "up")
        sh("ip", "-n", ns, "addr", "add", self.ip + "/24", "dev", "eth0")
        sh("ip", "-n", ns, "link", "set", "eth0", "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        # Only the cluster network and the Service range: nothing can leave the machine.
        sh("ip", "-n", ns, "route", "add", "10.96.0.0/16", "via", GATEWAY)
        etc = os.path.join("/etc/netns", ns)
        os.makedirs(etc, exist_ok=True)
        with open(os.path.join(etc, "resolv.conf"), "w") as f:
            f.write("search %s svc.cluster.local cluster.local\nnameserver %s\noptions ndots:5\n" % (DOMAIN, GATEWAY))
        with open(os.path.join(etc, "hosts"), "w") as f:
            f.write("127.0.0.1 localhost\n%s %s\n" % (self.ip, self.name))
        self.network_up = True

    def delete_network(self):
        if not self.network_up:
            return
        sh("ip", "netns", "del", self.name, check=False)
        sh("ip", "link", "del", "veth-" + self.name, check=False)
        shutil.rmtree(os.path.join("/etc/netns", self.name), ignore_errors=True)
        self.network_up = False

    def start(self, extra=()):
        """Schedules the pod: network, DNS record (publishNotReadyAddresses), process."""
        assert self.process is None, "%s is running" % self.name
        self.create_network()
        os.makedirs(self.volume, exist_ok=True)
        if self.cluster.volume_bytes and not os.path.ismount(self.volume):
            sh("mount", "-t", "tmpfs", "-o", "size=%d" % self.cluster.volume_bytes, "tmpfs", self.volume)
        self.cluster.dns_add(self)
        if self.cluster.image:
            return self.start_container(extra)
        tls = ["--tls-dir", self.cluster.tls_dir] if self.cluster.tls_dir else []
        args = [self.cluster.binary, "--data-dir", self.volume] + tls + list(self.cluster.server_args) + list(extra)
        command = "hostname %s && exec %s" % (self.name, " ".join("'%s'" % a for a in args))
        log = open(self.log_path, "a")
        # ip netns exec and unshare exec in place: the PID is kv-server's.
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", self.name, "unshare", "--uts", "sh", "-c", command],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()

    def start_container(self, extra):
        """The pod as a podman container of the image, in the pod's network namespace, with
        the volume at /var/lib/kv (owned by the image's user, as fsGroup does)."""
        os.chown(self.volume, 65532, 65532)
        # The kv-tls Secret's volume and KV_TLS_DIR, as the StatefulSet mounts them.
        tls = ["-v", self.cluster.tls_dir + ":/etc/kv/tls:ro", "-e", "KV_TLS_DIR=/etc/kv/tls"] if self.cluster.tls_dir else []
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            ["podman", "run", "--rm", "--init", "--name", self.name, "--runtime", "runc",
             "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768",
             "--network", "ns:/run/netns/" + self.name, "--hostname", self.name,
             "--dns", GATEWAY, "--dns-search", DOMAIN, "--read-only", "--cap-drop", "ALL",
             "--security-opt", "no-new-privileges", "-v", self.volume + ":/var/lib/kv", "-e", "KV_PASSWORD"] + tls + [
             self.cluster.image] + list(self.cluster.server_args) + list(extra),
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stops the process (the pod is deleted or restarted); its volume stays."""
        if self.process is None:
            return None
        if self.cluster.image and self.process.poll() is None:
            # The container's PID 1 (podman's init) passes the signal on to kv-server.
            sh("podman", "kill", "--signal", "KILL" if sig == signal.SIGKILL else "TERM", self.name, check=False)
        elif self.process.poll() is None:
            os.kill(self.process.pid, sig)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            code = self.process.wait()
        self.process = None
        return code

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def delete(self):
        """`kubectl delete pod`: graceful stop, then the sandbox and DNS record go."""
        code = self.stop()
        self.cluster.dns_remove(self)
        self.delete_network()
        return code

    def wipe_volume(self):
        """The volume's data deleted (a new, empty PersistentVolume); a tmpfs stays mounted."""
        if os.path.ismount(self.volume):
            for name in os.listdir(self.volume):
                path = os.path.join(self.volume, name)
                shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.remove(path)
        else:
            shutil.rmtree(self.volume, ignore_errors=True)

    def fill_volume(self):
        """Fills the volume (a tmpfs) to the last byte with a ballast file; returns its size."""
        path = os.path.join(self.volume, "ballast")
        written = 0
        with open(path, "wb", buffering=0) as ballast:
            for chunk in (1 << 20, 4096, 1):
                block = b"\0" * chunk
                try:
                    while True:
                        written += ballast.write(block)
                except OSError:
                    pass
        return written

    def free_volume(self):
        """Space returns: the ballast file is deleted."""
        try:
            os.remove(os.path.join(self.volume, "ballast"))
        except FileNotFoundError:
            pass

    def freeze(self):
        if self.cluster.image:
            sh("podman", "pause", self.name)
        else:
            os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self):
        if self.cluster.image:
            sh("podman", "unpause", self.name)
        else:
            os.kill(self.process.pid, signal.SIGCONT)

    def partition(self):
        sh("ip", "link", "set", "veth-" + self.name, "down")

    def heal(self):
        sh("ip", "link", "set", "veth-" + self.name, "up")

    def drop_packets(self):
        """A partition the link does not show: the pod's eth0 stays up, iptables in its
        namespace drops every packet in and out (TCP notices only by its timeouts)."""
        for chain, direction in (("INPUT", "-i"), ("OUTPUT", "-o")):
            sh("ip", "netns", "exec", self.name, "iptables", "-A", chain, direction, "eth0", "-j", "DROP")

    def pass_packets(self):
        for chain in ("INPUT", "OUTPUT"):
            sh("ip", "netns", "exec", self.name, "iptables", "-F", chain, check=False)

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""

    # -- probes and clients (from the cluster network, outside the pod) --------------------

    def http(self, path, timeout=2.0, headers=None):
        return http_get(self.ip, HTTP_PORT, path, timeout, headers)

    def ready(self):
        try:
            return self.http("/readyz", timeout=1.0)[0] == 200
        except OSError:
            return False

    def redis(self, *args, timeout=5.0):
        return redis_call(self.ip, RESP_PORT, args, timeout)

    def info(self, field, section="everything"):
        text = self.redis("INFO", section)
        for line in text.splitlines():
            if line.startswith(field + ":"):
                return line.split(":", 1)[1].strip()
        return None


class Cluster:
    """The set: pods kv-0 … kv-N, dnsmasq, haproxy, volumes under one directory."""

    def __init__(self, binary, set_name="kv", server_args=(), root=None, image=None, volume_bytes=None):
        """`image`: run each pod as a podman container of it instead of running `binary`.
        `volume_bytes`: each volume is a tmpfs of this size (a disk that can fill up; needs a
        private mount namespace, as run.sh and chaos.sh give)."""
        self.image = image
        self.volume_bytes = volume_bytes
        self.tls_dir = None  # a directory like a mounted kv-tls Secret (see enable_tls)
        os.environ["KV_PASSWORD"] = PASSWORD  # kv-server and kv-cli read it (see PASSWORD)
        self.binary = os.path.abspath(binary) if binary else None
        self.set_name = set_name
        self.server_args = list(server_args)
        self.root = root or tempfile.mkdtemp(prefix="kv-pods-")
        self.pods = {}
        self.helpers = []
        for sub in ("pv", "logs", "dns"):
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)

    def enable_tls(self, directory):
        """Pods started from now on find tls.crt, tls.key and ca.crt in `directory` (a mounted
        kubernetes.io/tls Secret), and every client here speaks TLS, verifying them with ca.crt;
        None turns both off again."""
        global TLS_CA
        self.tls_dir = directory
        TLS_CA = os.path.join(directory, "ca.crt") if directory else None

    def pod(self, ordinal):
        if ordinal not in self.pods:
            self.pods[ordinal] = Pod(self, ordinal)
        return self.pods[ordinal]

    # -- the network, DNS and the kv-read Service -----------------------------------------

    def up(self):
        sh("ip", "link", "set", "lo", "up")
        sh("ip", "link", "add", BRIDGE, "type", "bridge")
        sh("ip", "addr", "add", GATEWAY + "/24", "dev", BRIDGE)
        sh("ip", "addr", "add", VIP + "/32", "dev", BRIDGE)
        sh("ip", "link", "set", BRIDGE, "up")
        dns_log = open(os.path.join(self.root, "logs", "dnsmasq.log"), "a")
        self.dnsmasq = subprocess.Popen(
            ["dnsmasq", "-k", "--log-facility=-", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
             "--bind-interfaces", "--listen-address=" + GATEWAY, "--pid-file=", "--user=root", "--local=/#/",
             "--hostsdir=" + os.path.join(self.root, "dns")],
            stdout=dns_log, stderr=subprocess.STDOUT)
        self.helpers.append(self.dnsmasq)
        config = os.path.join(self.root, "haproxy.cfg")
        with open(config, "w") as f:
            f.write(self.haproxy_config())
        haproxy_log = open(os.path.join(self.root, "logs", "haproxy.log"), "a")
        self.helpers.append(subprocess.Popen(["haproxy", "-db", "-f", config], stdout=haproxy_log,
                                             stderr=subprocess.STDOUT))
        with open(os.path.join(self.root, "dns", "kv-read"), "w") as f:
            f.write("%s kv-read.%s kv-read\n" % (VIP, DOMAIN))
        wait_until(lambda: port_open(GATEWAY, 53, udp=True) and port_open(VIP, RESP_PORT), 10, "dnsmasq and haproxy")
        time.sleep(1.0)  # haproxy starts every server as up: let the first checks mark the absent ones down

    def haproxy_config(self):
        """kv-read: TCP round robin over every pod slot, health-checked on /readyz, so a pod
        is in the rotation exactly while it is ready (as a Service's endpoints)."""
        lines = [
            "global", "  maxconn 2048",
            "defaults", "  mode tcp", "  timeout connect 300ms", "  timeout client 60s", "  timeout server 60s",
            # A connection to a pod that just went away is retried on another (as a Service's
            # client would reconnect); pods that do not exist fail their first check at once.
            "  retries 3", "  option redispatch 1",
            "  default-server check inter 300ms fall 1 rise 1",
        ]
        for name, port in (("kv-read-resp", RESP_PORT), ("kv-read-http", HTTP_PORT)):
            lines += ["listen " + name, "  bind %s:%d" % (VIP, port), "  balance roundrobin",
                      "  option httpchk GET /readyz", "  http-check expect status 200"]
            for ordinal in range(MAX_PODS):
                lines.append("  server %s-%d %s:%d check port %d" % (self.set_name, ordinal, pod_ip(ordinal), port, HTTP_PORT))
        return "\n".join(lines) + "\n"

    def dns_add(self, pod):
        """A pod's records: kv-N.kv (and the FQDN) and its entry under the headless name kv."""
        path = os.path.join(self.root, "dns", pod.name)
        names = "%s.%s.%s %s.%s %s.%s %s" % (pod.name, self.set_name, DOMAIN, pod.name, self.set_name,
                                            self.set_name, DOMAIN, self.set_name)
        temporary = path + ".tmp"
        with open(temporary, "w") as f:
            f.write("%s %s\n" % (pod.ip, names))
        os.rename(temporary, path)

    def dns_remove(self, pod):
        """The pod's records go, as the headless Service drops a deleted pod. dnsmasq reads new
        and changed files of --hostsdir by itself but keeps a deleted file's records until
        SIGHUP (its manual), so it is told, and the name is checked gone."""
        try:
            os.remove(os.path.join(self.root, "dns", pod.name))
        except FileNotFoundError:
            return
        self.dnsmasq.send_signal(signal.SIGHUP)
        name = "%s.%s" % (pod.name, self.set_name)
        wait_until(lambda: not self.resolves(name), 5, "%s's DNS record removed" % name)

    def resolves(self, name):
        """Whether dnsmasq answers `name` (asked from the host, at the cluster's DNS server)."""
        return dns_query(GATEWAY, name) is not None

    def down(self):
        for pod in self.pods.values():
            pod.stop(signal.SIGKILL)
            pod.delete_network()
        for helper in self.helpers:
            helper.kill()
            helper.wait()
        self.helpers = []
        sh("ip", "link", "del", BRIDGE, check=False)

    # -- StatefulSet behaviour --------------------------------------------------------------

    def scale(self, replicas, timeout=60):
        """OrderedReady: pods start one at a time, each once the previous one is ready;
        scaling in deletes from the highest ordinal down (volumes are kept)."""
        # Every pod above the count goes, whether its process still runs or not (a pod whose
        # container exited is still a pod, with its DNS record and sandbox).
        for ordinal in sorted(o for o, p in self.pods.items() if o >= replicas and (p.running or p.network_up))[::-1]:
            self.pods[ordinal].delete()
        for ordinal in range(replicas):
            pod = self.pod(ordinal)
            if not pod.running:
                pod.start()
            if not pod.ready():
                wait_until(pod.ready, timeout, "%s ready" % pod.name, pod)
                time.sleep(0.5)  # haproxy's next check puts it in the rotation (inter 300ms)

    def read(self, *args):
        """A command through the kv-read Service (a new connection each time)."""
        return redis_call(VIP, RESP_PORT, args, 5.0)

    def read_http(self, path, headers=None):
        return http_get(VIP, HTTP_PORT, path, 5.0, headers)


# -- small clients ----------------------------------------------------------------------------

# The set's password, as the StatefulSet takes it from a Secret: every pod gets it as
# KV_PASSWORD (inherited from this process's environment, or `-e` for containers, set by
# `Cluster`), and every client here AUTHs with it first. Without a password, kv-server's
# protected mode would refuse every client outside a pod's loopback.
PASSWORD = "emulated-secret"


def resp_command(*args):
    return ("*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(str(a).encode()), a) for a in args)).encode()


# Set by Cluster.enable_tls: the CA every client here verifies the pods' certificates with.
TLS_CA = None


def connect(host, port, timeout):
    """A TCP connection to a pod or the Service; TLS (verifying the certificate names `host`)
    while the set runs with TLS."""
    conn = socket.create_connection((host, port), timeout=timeout)
    if TLS_CA:
        conn = ssl.create_default_context(cafile=TLS_CA).wrap_socket(conn, server_hostname=host)
    return conn


def redis_call(host, port, args, timeout):
    """One RESP command on a new connection (after AUTH); returns the reply as text (errors
    prefixed with '-'), arrays joined by newlines. A refused AUTH (or a DENIED greeting) is
    returned as the reply."""
    with connect(host, port, timeout) as conn:
        conn.sendall(resp_command("AUTH", PASSWORD) + resp_command(*args))
        reader = conn.makefile("rb")
        authenticated = _read_reply(reader)
        if authenticated != "OK":
            return authenticated
        return _read_reply(reader)


def _read_reply(reader):
    line = reader.readline()
    if not line:
        raise ConnectionError("connection closed without a reply")
    kind, rest = line[:1], line[1:-2].decode()
    if kind in (b"+", b":"):
        return rest
    if kind == b"-":
        return "-" + rest
    if kind == b"$":
        if rest == "-1":
            return None
        data = reader.read(int(rest) + 2)
        return data[:-2].decode(errors="replace")
    if kind == b"*":
        return "\n".join(str(_read_reply(reader)) for _ in range(int(rest)))
    if kind == b"=":  # verbatim (RESP3), not used: HELLO is never sent
        data = reader.read(int(rest) + 2)
        return data[4:-2].decode()
    raise ValueError("unexpected reply %r" % line)


class RespConnection:
    """A kept-open RESP connection, one command at a time (a client's connection pool of one)."""

    def __init__(self, host, port, timeout):
        self.socket = connect(host, port, timeout)
        self.reader = self.socket.makefile("rb")
        authenticated = self.call("AUTH", PASSWORD)
        if authenticated != "OK":
            self.close()
            raise ConnectionError("AUTH refused: %s" % authenticated)

    def call(self, *args):
        payload = "*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(str(a).encode()), a) for a in args)
        self.socket.sendall(payload.encode())
        return _read_reply(self.reader)

    def send(self, *commands):
        """Pipelines several commands (each a tuple of arguments); read their replies with
        `reply()`, one each, in order."""
        self.socket.sendall(b"".join(resp_command(*command) for command in commands))

    def reply(self):
        return _read_reply(self.reader)

    def close(self):
        try:
            self.reader.close()
            self.socket.close()
        except OSError:
            pass


def http_get(host, port, path, timeout, headers=None):
    """GET; returns (status, headers dict lowercased, body)."""
    return http_request(host, port, "GET", path, timeout, headers)


def http_request(host, port, method, path, timeout, headers=None, body=b""):
    """One request on a new connection; returns (status, headers dict lowercased, body)."""
    with connect(host, port, timeout) as conn:
        fields = dict(headers or {})
        fields.setdefault("Authorization", "Bearer " + PASSWORD)
        if body or method in ("PUT", "POST"):
            fields["Content-Length"] = str(len(body))
        extra = "".join("%s: %s\r\n" % kv for kv in fields.items())
        conn.sendall(("%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n%s\r\n"
                      % (method, path, host, extra)).encode() + body)
        data = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.strip()
    return status, fields, body.decode(errors="replace")


def dns_query(server, name, timeout=2.0):
    """The first A record of `name` from the DNS server at `server` (one UDP query), or None
    when it has none (NXDOMAIN, no answer)."""
    query_id = os.getpid() & 0xFFFF
    question = b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"
    packet = query_id.to_bytes(2, "big") + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + question + b"\x00\x01\x00\x01"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(packet, (server, 53))
        answer = s.recv(512)
    if answer[:2] != packet[:2] or answer[3] & 0x0F != 0 or int.from_bytes(answer[6:8], "big") == 0:
        return None
    # Skip the question, then read answers until an A record (type 1, class 1, 4 bytes).
    at = 12 + len(question) + 4
    for _ in range(int.from_bytes(answer[6:8], "big")):
        at += 2 if answer[at] & 0xC0 == 0xC0 else answer.index(b"\0", at) + 1 - at
        kind, length = int.from_bytes(answer[at:at + 2], "big"), int.from_bytes(answer[at + 8:at + 10], "big")
        if kind == 1 and length == 4:
            return socket.inet_ntoa(answer[at + 10:at + 14])
        at += 10 + length
    return None


def port_open(host, port, udp=False):
    if udp:
        return True  # dnsmasq is checked through the TCP services it gates (it starts first)
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(condition, timeout, what, pod=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.05)
    detail = ""
    if pod is not None:
        detail = "\n--- %s log (tail) ---\n%s" % (pod.name, pod.log()[-3000:])
    raise AssertionError("timed out after %ss waiting for %s%s" % (timeout, what, detail))
