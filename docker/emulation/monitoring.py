"""A real Prometheus (Debian's /usr/bin/prometheus) scraping the emulated pods with the alert
rules shipped in docker/k8s/prometheus/kv-alerts.yaml, for the scenarios.

It runs in the scenario runner's network namespace (as dnsmasq and haproxy do), which holds
the pods' bridge: it scrapes each pod's HTTP port at its IP, and listens on loopback on a free
port. Its storage and files live in the run's directory.
"""

import json
import os
import re
import socket
import subprocess
import time
import urllib.request

from podnet import HTTP_PORT, wait_until

BINARY = "/usr/bin/prometheus"
RULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "k8s", "prometheus", "kv-alerts.yaml")
# One minute of the shipped rules is this many seconds here (scrapes and evaluations are
# every second instead of every 15 s or so).
SECONDS_PER_MINUTE = 2


def available():
    return os.access(BINARY, os.X_OK)


def quickened_rules(text):
    """The shipped rules with every duration of minutes — each `for:` and each range window
    (`[2m]`) — made SECONDS_PER_MINUTE seconds per minute, so that an alert fires within seconds;
    nothing else changes. Generated at run time from the shipped file, so the expressions, labels
    and annotations under test are the ones users load."""
    def seconds(match):
        return "%s%ds%s" % (match.group(1), int(match.group(2)) * SECONDS_PER_MINUTE, match.group(3))
    text = re.sub(r"(for: )(\d+)m()$", seconds, text, flags=re.M)
    text = re.sub(r"(\[)(\d+)m(\])", seconds, text)
    left = re.findall(r"for: \S+|\[\d+[a-z]+\]", text)
    assert all(re.fullmatch(r"for: \d+s|\[\d+s\]", d) for d in left), "durations left unscaled: %s" % left
    return text


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prometheus:
    """One Prometheus server scraping `pods` (job "kv", instance = the pod's name, as the
    shipped docker/k8s/prometheus/prometheus.yml labels them) every second."""

    def __init__(self, root, pods):
        self.directory = os.path.join(root, "prometheus")
        os.makedirs(self.directory, exist_ok=True)
        with open(RULES) as f:
            shipped = f.read()
        self.alert_names = re.findall(r"^\s*- alert: (\S+)$", shipped, flags=re.M)
        with open(os.path.join(self.directory, "kv-alerts.yaml"), "w") as f:
            f.write(quickened_rules(shipped))
        targets = "".join("      - targets: ['%s:%d']\n        labels: {instance: %s}\n" % (p.ip, HTTP_PORT, p.name)
                          for p in pods)
        with open(os.path.join(self.directory, "prometheus.yml"), "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\n"
                    "rule_files: [kv-alerts.yaml]\n"
                    "scrape_configs:\n  - job_name: kv\n    static_configs:\n" + targets)
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.process = None
        self.log_path = os.path.join(root, "logs", "prometheus.log")

    def start(self):
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [BINARY, "--config.file", os.path.join(self.directory, "prometheus.yml"),
             "--storage.tsdb.path", os.path.join(self.directory, "data"),
             "--web.listen-address", "127.0.0.1:%d" % self.port],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        wait_until(self.ready, 30, "prometheus ready on %s" % self.url)

    def stop(self):
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def ready(self):
        assert self.process.poll() is None, "prometheus exited (%s)" % self.log_path
        try:
            with urllib.request.urlopen(self.url + "/-/ready", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def api(self, path):
        with urllib.request.urlopen(self.url + "/api/v1/" + path, timeout=5) as response:
            document = json.load(response)
        assert document["status"] == "success", document
        return document["data"]

    def targets(self):
        """{instance: health} of the active targets."""
        return {t["labels"]["instance"]: t["health"] for t in self.api("targets")["activeTargets"]}

    def rules(self):
        """{alert name: health} of the loaded alerting rules."""
        return {r["name"]: r["health"] for g in self.api("rules?type=alert")["groups"] for r in g["rules"]}

    def alerts(self, state=None):
        """Active alerts (pending or firing) as (name, labels, state), optionally of one state."""
        return [(a["labels"]["alertname"], a["labels"], a["state"]) for a in self.api("alerts")["alerts"]
                if state is None or a["state"] == state]

    def wait_for_evaluations(self, count=3):
        """Lets the rules be evaluated `count` more times (once a second)."""
        time.sleep(count * 1.0 + 0.5)
