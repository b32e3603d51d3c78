#!/usr/bin/env python3
"""Helpers for replication-bench.sh: readiness waits, convergence checks, the lag / catch-up /
SET+WAIT clients (raw sockets, no redis-py), and the report.

Standard library only. Every measurement appends one JSON object per line to a results file;
`report` turns that file into the tables.

    replication_bench.py free-ports N
    replication_bench.py wait-ping PORT PID TIMEOUT
    replication_bench.py wait-kv-replica RESP_PORT HTTP_PORT PID START_NS TIMEOUT [KEYS]
    replication_bench.py wait-redis-replica PORT PID START_NS TIMEOUT [KEYS [DURABLE]]
    replication_bench.py converge PRIMARY_PORT REPLICA_PORTS TIMEOUT
    replication_bench.py compare PORTS KEYSPACE
    replication_bench.py record-bench RESULTS CSV KEY=VALUE...
    replication_bench.py record RESULTS KEY=VALUE...
    replication_bench.py lag RESULTS KIND PRIMARY REPLICA SAMPLES METHOD LOAD MODE RUN
    replication_bench.py catchup RESULTS KIND PRIMARY REPLICA REPLICA_PID BURST MODE RUN
    replication_bench.py setwait RESULTS KIND PRIMARY ITERATIONS MODE RUN
    replication_bench.py report RESULTS [MARKDOWN_OUT]

The "offset" both servers report in INFO replication is compared like for like: kv's
master_repl_offset is an LSN (one per write), Redis's a byte offset into the replication
stream; "converged" means every replica's offset reached the primary's, on either server.
"""
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time

# ---------------------------------------------------------------------------------------------
# a minimal RESP client


class RespError(Exception):
    pass


class Conn:
    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", int(port)), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    @staticmethod
    def encode(*args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if not isinstance(a, (bytes, bytearray)):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def send_raw(self, data):
        self.sock.sendall(data)

    def _fill(self):
        if self.pos > 65536 and self.pos * 2 > len(self.buf):
            del self.buf[: self.pos]
            self.pos = 0
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("connection closed by the server")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = bytes(self.buf[self.pos : i])
                self.pos = i + 2
                return line
            self._fill()

    def read(self):
        """One reply: str for +, int for :, bytes/None for $, list for *; -ERR raises."""
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b":":
            return int(rest)
        if kind == b"-":
            raise RespError(rest.decode(errors="replace"))
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) - self.pos < n + 2:
                self._fill()
            data = bytes(self.buf[self.pos : self.pos + n])
            self.pos += n + 2
            return data
        if kind == b"*":
            n = int(rest)
            if n < 0:
                return None
            return [self.read() for _ in range(n)]
        raise RespError("unexpected reply line %r" % line)

    def call(self, *args):
        self.send_raw(self.encode(*args))
        return self.read()


def info(conn, section="replication"):
    text = conn.call("INFO", section)
    fields = {}
    for line in text.decode(errors="replace").splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            fields[k.strip()] = v.strip()
    return fields


def try_info(port, section="replication"):
    c = None
    try:
        c = Conn(port, timeout=2)
        return info(c, section)
    except (OSError, RespError, ConnectionError):
        return None
    finally:
        if c:
            c.close()


def offset(fields):
    try:
        return int(fields.get("master_repl_offset", "-1"))
    except ValueError:
        return -1


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % int(pid)) as f:
            stat = f.read()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def summarize_us(samples_ns):
    s = sorted(x / 1000.0 for x in samples_ns)
    return {
        "n": len(s),
        "p50_us": percentile(s, 0.50),
        "p90_us": percentile(s, 0.90),
        "p99_us": percentile(s, 0.99),
        "p999_us": percentile(s, 0.999),
        "max_us": s[-1] if s else None,
        "mean_us": statistics.fmean(s) if s else None,
    }


def append(results, obj):
    with open(results, "a") as f:
        f.write(json.dumps(obj, sort_keys=True) + "\n")


def kv_pairs(args):
    out = {}
    for a in args:
        k, v = a.split("=", 1)
        try:
            v = int(v)
        except ValueError:
            try:
                v = float(v)
            except ValueError:
                pass
        out[k] = v
    return out


# ---------------------------------------------------------------------------------------------
# waiting


from bench import free_ports  # noqa: E402  (the same helper as compare-redis.sh's; this directory is on sys.path)


def fail(msg, code=1):
    print("replication_bench: " + msg, file=sys.stderr)
    sys.exit(code)


def wait_ping(port, pid, timeout):
    deadline = time.monotonic() + float(timeout)
    while time.monotonic() < deadline:
        c = None
        try:
            c = Conn(port, timeout=2)
            if c.call("PING") == "PONG":
                return 0
        except (OSError, RespError, ConnectionError):
            pass
        finally:
            if c:
                c.close()
        if not pid_alive(pid):
            fail("PID %s exited before answering PING on :%s" % (pid, port))
        time.sleep(0.005)
    fail("no PONG from :%s within %ss" % (port, timeout))


def http_status(port, path):
    s = None
    try:
        s = socket.create_connection(("127.0.0.1", int(port)), timeout=2)
        s.sendall(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % path.encode())
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        parts = data.split(b"\r\n", 1)[0].split()
        return int(parts[1]) if len(parts) >= 2 else None
    except (OSError, ValueError):
        return None
    finally:
        if s:
            s.close()


def dbsize(port):
    c = None
    try:
        c = Conn(port, timeout=5)
        return c.call("DBSIZE")
    except (OSError, RespError, ConnectionError):
        return None
    finally:
        if c:
            c.close()


def wait_kv_replica(resp_port, http_port, pid, start_ns, timeout, keys=None):
    """Until /readyz answers 200; prints seconds since START_NS (then checks DBSIZE)."""
    start_ns = int(start_ns)
    deadline = time.monotonic() + float(timeout)
    while time.monotonic() < deadline:
        if http_status(http_port, "/readyz") == 200:
            ready_ns = time.time_ns()
            size = dbsize(resp_port)
            print("%.4f %s" % ((ready_ns - start_ns) / 1e9, size))
            if keys is not None and size != int(keys):
                fail("kv replica :%s ready with %s keys, expected %s" % (resp_port, size, keys), 3)
            return 0
        if not pid_alive(pid):
            fail("kv replica PID %s exited before /readyz answered 200" % pid)
        time.sleep(0.002)
    fail("kv replica :%s not ready within %ss" % (resp_port, timeout))


def wait_redis_replica(port, pid, start_ns, timeout, keys=None, durable="0"):
    """Until master_link_status:up, master_sync_in_progress:0 (and DBSIZE = KEYS): prints
    'seconds dbsize'. With DURABLE=1 it then also waits for the AOF rewrite a replica starts
    after a full sync (its data is only in the append-only file once that is done; Redis
    refuses SIGTERM meanwhile) and appends that time: 'seconds dbsize durable_seconds'."""
    start_ns = int(start_ns)
    deadline = time.monotonic() + float(timeout)
    ready = None
    while time.monotonic() < deadline:
        if ready is None:
            f = try_info(port)
            if f and f.get("master_link_status") == "up" and f.get("master_sync_in_progress") == "0":
                size = dbsize(port)
                if keys is None or size == int(keys):
                    ready = ((time.time_ns() - start_ns) / 1e9, size)
                    if durable != "1":
                        print("%.4f %s" % ready)
                        return 0
        else:
            f = try_info(port, "persistence")
            if f and int(f.get("aof_rewrites", "0")) >= 1 and f.get("aof_rewrite_in_progress") == "0" \
                    and f.get("aof_rewrite_scheduled") == "0":
                print("%.4f %s %.4f" % (ready[0], ready[1], (time.time_ns() - start_ns) / 1e9))
                return 0
            if f and f.get("aof_enabled") != "1" or (time.time_ns() - start_ns) / 1e9 > ready[0] + 60:
                print("%.4f %s" % ready)   # no AOF, or no rewrite came: durable unknown
                return 0
        if not pid_alive(pid):
            fail("redis replica PID %s exited before it was in sync" % pid)
        time.sleep(0.002)
    fail("redis replica :%s not in sync%s within %ss" % (port, "" if ready is None else " (AOF rewrite)", timeout))


def converge(primary, replicas, timeout):
    """Until every replica's offset reached the primary's (read first). Prints
    'seconds primary_offset max_behind_at_start'; exit 4 on timeout."""
    replicas = [int(p) for p in str(replicas).split(",") if p]
    t0 = time.monotonic()
    deadline = t0 + float(timeout)
    pc = Conn(primary)
    rcs = [Conn(p) for p in replicas]
    first_behind = None
    try:
        while True:
            target = offset(info(pc))
            offs = [offset(info(rc)) for rc in rcs]
            behind = max([target - o for o in offs] + [0])
            if first_behind is None:
                first_behind = behind
            if all(o >= target for o in offs):
                print("%.4f %d %d" % (time.monotonic() - t0, target, first_behind))
                return 0
            if time.monotonic() > deadline:
                print("%.4f %d %d" % (time.monotonic() - t0, target, first_behind))
                print("replication_bench: replicas %s at offsets %s, primary :%s at %d after %ss"
                      % (replicas, offs, primary, target, timeout), file=sys.stderr)
                return 4
            time.sleep(0.002)
    finally:
        for c in [pc] + rcs:
            c.close()


def compare(ports, keyspace):
    """MGET key:000000000000 .. key:<keyspace-1> on every port; prints 'keys mismatches dbsizes'."""
    ports = [int(p) for p in str(ports).split(",") if p]
    conns = [Conn(p, timeout=30) for p in ports]
    keyspace = int(keyspace)
    mismatches = 0
    examples = []
    try:
        for base in range(0, keyspace, 1000):
            keys = [b"key:%012d" % i for i in range(base, min(base + 1000, keyspace))]
            replies = [c.call("MGET", *keys) for c in conns]
            for j, k in enumerate(keys):
                vals = {r[j] for r in replies}
                if len(vals) != 1:
                    mismatches += 1
                    if len(examples) < 3:
                        examples.append(k.decode())
        sizes = [c.call("DBSIZE") for c in conns]
    finally:
        for c in conns:
            c.close()
    print("%d %d %s %s" % (keyspace, mismatches, ",".join(map(str, sizes)), ",".join(examples) or "-"))
    return 0


# ---------------------------------------------------------------------------------------------
# measurements


def parse_benchmark_csv(path):
    with open(path) as f:
        lines = [l.strip() for l in f if l.strip().startswith('"')]
    if len(lines) < 2:
        return None
    header = [h.strip('"') for h in lines[0].split(",")]
    values = [v.strip('"') for v in lines[1].split(",")]
    row = dict(zip(header, values))
    out = {}
    for key in ("rps", "avg_latency_ms", "p50_latency_ms", "p99_latency_ms", "max_latency_ms"):
        try:
            out[key] = float(row[key])
        except (KeyError, ValueError):
            pass
    return out if "rps" in out else None


def record_bench(results, csv_path, args):
    obj = {"section": "throughput"}
    obj.update(kv_pairs(args))
    parsed = parse_benchmark_csv(csv_path)
    if parsed is None:
        obj["error"] = "no rps in %s" % csv_path
    else:
        obj.update(parsed)
    append(results, obj)
    print(("%.0f" % obj["rps"]) if "rps" in obj else "FAILED")


def start_background_load(port, clients, keyspace, data_size):
    argv = ["timeout", "600", "redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", "set",
            "-c", str(clients), "-P", "1", "-d", str(data_size), "-r", str(keyspace),
            "-n", "2000000000", "-q"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    time.sleep(1.0)   # let it connect all its clients and reach a steady rate
    return proc


def stop_background_load(proc):
    if proc is None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)   # its own session: timeout and redis-benchmark
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def lag(results, kind, primary, replica, samples, method, load, mode, run=1):
    """Per write: primary +OK (t0) until the replica has it (t1).

    method get:     busy GET lag:<i> on the replica until it is there
    method waitlsn: (kv) SET and KV.LSN pipelined to the primary, then KV.WAITLSN <lsn> on the
                    replica
    load bg:        a redis-benchmark SET -c BG_CLIENTS -P 1 runs at the primary meanwhile
    Also measured, interleaved: the floor, i.e. the same replica request repeated right after
    each sample, on data already there (one replica round trip, replica in the same state).
    """
    samples = int(samples)
    env = os.environ
    bg = None
    if load == "bg":
        bg = start_background_load(primary, env.get("BG_CLIENTS", "50"), env.get("KEYSPACE", "100000"),
                                   env.get("DATA_SIZE", "64"))
    pc, rc = Conn(primary), Conn(replica)
    tag = "%d" % time.time_ns()
    lags, floors, polls = [], [], []
    errors = 0
    t_start = time.monotonic()
    try:
        pc.call("SET", "lagwarm", "x")   # warms both connections
        rc.call("GET", "lagwarm")
        for i in range(samples):
            key = "lag:%s:%d" % (tag, i)
            if method == "waitlsn":
                pc.send_raw(Conn.encode("SET", key, i) + Conn.encode("KV.LSN"))
                pc.read()
                t0 = time.perf_counter_ns()
                lsn = pc.read()
                req = Conn.encode("KV.WAITLSN", lsn, 10000)
                rc.send_raw(req)
                try:
                    rc.read()
                except RespError:
                    errors += 1
                    continue
                t1 = time.perf_counter_ns()
                n = 1
            else:
                pc.send_raw(Conn.encode("SET", key, i))
                pc.read()
                t0 = time.perf_counter_ns()
                req = Conn.encode("GET", key)
                n, timed_out = 0, False
                while True:
                    rc.send_raw(req)
                    n += 1
                    if rc.read() is not None:
                        break
                    if n % 1000 == 0 and time.perf_counter_ns() - t0 > 10e9:
                        timed_out = True
                        break
                if timed_out:
                    errors += 1
                    continue
                t1 = time.perf_counter_ns()
            lags.append(t1 - t0)
            polls.append(n)
            rc.send_raw(req)   # the floor: the same request again, now already satisfied
            rc.read()
            floors.append(time.perf_counter_ns() - t1)
    finally:
        pc.close()
        rc.close()
        stop_background_load(bg)
    obj = {"section": "lag", "server": kind, "method": method, "load": load, "mode": mode,
           "run": int(run), "seconds": time.monotonic() - t_start, "errors": errors,
           "mean_polls": statistics.fmean(polls) if polls else None}
    obj.update(summarize_us(lags))
    fl = summarize_us(floors)
    obj["floor_p50_us"] = fl["p50_us"]
    obj["floor_p99_us"] = fl["p99_us"]
    append(results, obj)
    print("%s %s %s %s run %s: n=%d p50 %.0f us p99 %.0f us (floor p50 %.0f us p99 %.0f us, "
          "%.2f replica requests per write)%s"
          % (kind, mode, method, load, run, obj["n"], obj["p50_us"], obj["p99_us"], fl["p50_us"],
             fl["p99_us"], obj["mean_polls"], " errors=%d" % errors if errors else ""))
    return 0


def catchup(results, kind, primary, replica, replica_pid, burst, mode, run):
    """SIGSTOP the replica, write BURST SETs at the primary (redis-benchmark -P 16), SIGCONT,
    time until the replica's offset reaches the primary's."""
    replica_pid, burst = int(replica_pid), int(burst)
    env = os.environ
    pc, rc = Conn(primary), Conn(replica)
    stopped = False
    try:
        start_target = offset(info(pc))
        start_replica = offset(info(rc))
        os.kill(replica_pid, signal.SIGSTOP)
        stopped = True
        t0 = time.monotonic()
        argv = ["timeout", "300", "redis-benchmark", "-h", "127.0.0.1", "-p", str(primary), "-t",
                "set", "-c", env.get("CLIENTS", "50"), "-P", "16", "-d", env.get("DATA_SIZE", "64"),
                "-r", env.get("KEYSPACE", "100000"), "-n", str(burst), "-q"]
        out = subprocess.run(argv, capture_output=True, text=True)
        burst_seconds = time.monotonic() - t0
        target = offset(info(pc))
        os.kill(replica_pid, signal.SIGCONT)
        stopped = False
        t1 = time.monotonic()
        deadline = t1 + float(env.get("CATCHUP_TIMEOUT", "300"))
        rc.sock.settimeout(30)   # its first answer may wait behind a full socket buffer
        reached = None
        while time.monotonic() < deadline:
            if offset(info(rc)) >= target:
                reached = time.monotonic() - t1
                break
            time.sleep(0.001)
        final = offset(info(rc))
    finally:
        if stopped:
            os.kill(replica_pid, signal.SIGCONT)
        pc.close()
        rc.close()
    obj = {"section": "catchup", "server": kind, "mode": mode, "run": int(run), "burst": burst,
           "burst_seconds": burst_seconds, "offset_before": start_target,
           "replica_before": start_replica, "target": target, "replica_final": final,
           "catchup_seconds": reached, "bench_rc": out.returncode}
    if out.returncode != 0:
        obj["error"] = (out.stderr or out.stdout)[-300:]
    append(results, obj)
    print("%s %s run %s: burst %d writes in %.2fs (offset %d -> %d), caught up in %s"
          % (kind, mode, run, burst, burst_seconds, start_target, target,
             "%.3fs" % reached if reached is not None else "NEVER (replica at %d)" % final))
    return 0 if reached is not None else 4


def setwait(results, kind, primary, iterations, mode, run=1):
    """SET then WAIT 1 100 on one connection, nothing pipelined: per-iteration latency."""
    iterations = int(iterations)
    c = Conn(primary)
    lat, set_lat, slow, short = [], [], [], 0
    tag = time.time_ns()
    try:
        c.call("SET", "warm", "x")
        c.call("WAIT", 1, 100)
        for i in range(iterations):
            t0 = time.perf_counter_ns()
            c.send_raw(Conn.encode("SET", "sw:%d:%d" % (tag, i), "v"))
            c.read()
            t1 = time.perf_counter_ns()
            c.send_raw(Conn.encode("WAIT", 1, 100))
            n = c.read()
            t2 = time.perf_counter_ns()
            if n < 1:
                short += 1
            lat.append(t2 - t0)
            set_lat.append(t1 - t0)
            if t2 - t0 > 50e6:   # > 50 ms: keep the pieces (SET us, WAIT us, WAIT's answer)
                slow.append([i, round((t1 - t0) / 1000), round((t2 - t1) / 1000), n])
    finally:
        c.close()
    obj = {"section": "setwait", "server": kind, "mode": mode, "run": int(run), "wait_short": short,
           "slow_over_50ms": len(slow), "slow_samples": slow[:20]}
    obj.update(summarize_us(lat))
    s = summarize_us(set_lat)
    obj["set_p50_us"], obj["set_p99_us"] = s["p50_us"], s["p99_us"]
    append(results, obj)
    print("%s %s run %s: n=%d SET+WAIT p50 %.0f us p99 %.0f us p99.9 %.0f us max %.0f us (SET alone p50 %.0f us); "
          "WAIT answered 0 replicas %d times; %d iterations over 50 ms%s"
          % (kind, mode, run, obj["n"], obj["p50_us"], obj["p99_us"], obj["p999_us"], obj["max_us"],
             s["p50_us"], short, len(slow),
             (" [iteration, SET us, WAIT us, WAIT answer]: %s" % slow[:5]) if slow else ""))
    return 0


# ---------------------------------------------------------------------------------------------
# report


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def f0(x):
    return "-" if x is None else "{:,.0f}".format(x)


def f2(x):
    return "-" if x is None else "%.2f" % x


def f3(x):
    return "-" if x is None else "%.3f" % x


def md_table(headers, rows):
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


def report(results, md_out=None):
    rows = []
    with open(results) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    meta = {}
    for r in rows:
        if r.get("section") == "meta":
            meta.update(r)
    parts = []
    parts.append("## kv vs Redis: replication benchmark\n")
    parts.append("- machine: %s cores, %s; Redis %s; kv %s" % (
        meta.get("nproc", "?"), meta.get("kernel", "?"), meta.get("redis_version", "?"),
        meta.get("kv_commit", "?")))
    parts.append("- load average at start: %s; at end: %s" % (meta.get("loadavg_start", "?"),
                                                            meta.get("loadavg_end", "?")))
    parts.append("- QUICK=%s, started %s, took %s s" % (meta.get("quick", "?"), meta.get("started", "?"),
                                                        meta.get("elapsed_seconds", "?")))
    parts.append("")

    # 1. throughput
    tp = [r for r in rows if r.get("section") == "throughput" and "rps" in r]
    if tp:
        parts.append("### 1. Primary SET throughput, 0 vs 2 replicas\n")
        parts.append("`redis-benchmark -t set -c %s -d %s -r %s`; rps = median over pairs; "
                     "ratios = median of the per-pair ratios (min-max); drain = seconds after the "
                     "run until both replicas reached the primary's offset (median).\n"
                     % (meta.get("clients", "?"), meta.get("data_size", "?"), meta.get("keyspace", "?")))
        headers = ["fsync", "-P", "-n", "pairs", "kv 0 repl", "kv 2 repl", "redis 0 repl", "redis 2 repl",
                   "kv2/redis2", "kv2/kv0", "redis2/redis0", "kv drain s", "redis drain s"]
        table = []
        groups = {}
        for r in tp:
            groups.setdefault((r["mode"], int(r["pipeline"])), []).append(r)
        for (mode, p) in sorted(groups, key=lambda k: (k[0] != "everysec", k[1])):
            g = groups[(mode, p)]
            by = {}
            for r in g:
                by.setdefault((r["server"], int(r["replicas"])), {})[int(r["pair"])] = r
            pairs = sorted({int(r["pair"]) for r in g})

            def med(server, reps, key="rps"):
                return median([x.get(key) for x in by.get((server, reps), {}).values()])

            def ratio(a, b):
                vals = []
                for pr in pairs:
                    x, y = by.get(a, {}).get(pr), by.get(b, {}).get(pr)
                    if x and y and y.get("rps"):
                        vals.append(x["rps"] / y["rps"])
                if not vals:
                    return "-"
                return "%.2f (%.2f-%.2f)" % (statistics.median(vals), min(vals), max(vals))

            n = g[0].get("n", "?")
            table.append([mode, p, n, len(pairs), f0(med("kv", 0)), f0(med("kv", 2)), f0(med("redis", 0)),
                          f0(med("redis", 2)), ratio(("kv", 2), ("redis", 2)), ratio(("kv", 2), ("kv", 0)),
                          ratio(("redis", 2), ("redis", 0)), f3(med("kv", 2, "drain_seconds")),
                          f3(med("redis", 2, "drain_seconds"))])
        parts.append(md_table(headers, table))
        lat_rows = []
        for (mode, p) in sorted(groups, key=lambda k: (k[0] != "everysec", k[1])):
            g = groups[(mode, p)]
            cells = [mode, p]
            for server, reps in (("kv", 0), ("kv", 2), ("redis", 0), ("redis", 2)):
                xs = [r for r in g if r["server"] == server and int(r["replicas"]) == reps]
                cells.append("%s / %s" % (f2(median([x.get("p50_latency_ms") for x in xs])),
                                          f2(median([x.get("p99_latency_ms") for x in xs]))))
            lat_rows.append(cells)
        parts.append("\nredis-benchmark latency p50 / p99 (ms, medians):\n")
        parts.append(md_table(["fsync", "-P", "kv 0 repl", "kv 2 repl", "redis 0 repl", "redis 2 repl"],
                              lat_rows))
        checks = [r for r in rows if r.get("section") == "consistency"]
        if checks:
            parts.append("\nreplica contents after the runs (MGET of the whole keyspace on the primary "
                         "and both replicas):\n")
            parts.append(md_table(["fsync", "server", "keys compared", "mismatches", "DBSIZE p/r1/r2"],
                                  [[c["mode"], c["server"], c["keys"], c["mismatches"], c["dbsizes"]]
                                   for c in checks]))
        parts.append("")

    # 2. clone
    cl = [r for r in rows if r.get("section") == "clone"]
    if cl:
        parts.append("### 2. Clone: fresh replica, process start to ready\n")
        parts.append("%s keys x %s-byte values in the primary (fsync %s); a replica with an empty "
                     "directory is started %s times per server, alternating. Ready: kv `/readyz` "
                     "200 (kv has fsynced and installed the clone before it listens); Redis "
                     "`master_link_status:up`, `master_sync_in_progress:0`, DBSIZE equal. "
                     "\"durable\": Redis after a full sync rewrites its append-only file in the "
                     "background; until that finishes the data is not in its AOF (kv: = ready).\n"
                     % (meta.get("clone_keys", "?"), meta.get("clone_value_size", "?"),
                        meta.get("clone_mode", "?"), meta.get("clone_runs", "?")))
        table = []
        for server in ("kv", "redis"):
            g = [r for r in cl if r["server"] == server and r.get("seconds") is not None]
            if not g:
                continue
            xs = [r["seconds"] for r in g]
            ds = [r.get("durable_seconds", r["seconds"]) for r in g]
            keys = sorted({str(r.get("keys")) for r in g})
            table.append([server, len(xs), f3(median(xs)), "%s-%s" % (f3(min(xs)), f3(max(xs))),
                          f3(median(ds)), ", ".join(f3(x) for x in xs), ",".join(keys)])
        parts.append(md_table(["server", "runs", "ready s (median)", "min-max", "durable s (median)",
                               "all runs (ready s)", "replica DBSIZE"], table))
        kvm = median([r["seconds"] for r in cl if r["server"] == "kv"])
        rdm = median([r["seconds"] for r in cl if r["server"] == "redis"])
        kvd = median([r.get("durable_seconds", r["seconds"]) for r in cl if r["server"] == "kv"])
        rdd = median([r.get("durable_seconds", r["seconds"]) for r in cl if r["server"] == "redis"])
        if kvm and rdm:
            parts.append("\nkv/redis: ready %.2f, durable %.2f" % (kvm / rdm, kvd / rdd))
        parts.append("")

    # 3. lag
    lg = [r for r in rows if r.get("section") == "lag" and r.get("n")]
    if lg:
        parts.append("### 3. Replication lag: primary +OK to visible on the replica\n")
        parts.append("One primary, one replica; one connection to each. `get` = busy `GET` on the "
                     "replica until the key is there; `waitlsn` = (kv only) `SET`+`KV.LSN` pipelined, "
                     "then `KV.WAITLSN` on the replica. Both include one replica round trip; the "
                     "floor is that round trip alone (the same request repeated right after each "
                     "sample). `bg` = `redis-benchmark -t set -c %s -P 1` at the primary meanwhile. "
                     "Percentiles: median over the runs (each %s writes), kv and redis runs "
                     "alternating; max: over all runs.\n" % (meta.get("bg_clients", "?"), meta.get("lag_samples", "?")))
        table = []
        groups = {}
        for r in lg:
            groups.setdefault((r["mode"], r["load"], r["method"], r["server"]), []).append(r)
        order = sorted(groups, key=lambda k: (k[0] != "everysec", k[1] != "idle", k[2], k[3]))
        for key in order:
            g = groups[key]
            m = lambda f: median([r.get(f) for r in g])
            table.append(list(key) + [len(g), sum(r["n"] for r in g), f0(m("p50_us")), f0(m("p99_us")),
                                      f0(m("p999_us")), f0(max(r["max_us"] for r in g)),
                                      "%s / %s" % (f0(m("floor_p50_us")), f0(m("floor_p99_us"))),
                                      f2(m("mean_polls")), sum(r.get("errors", 0) for r in g)])
        parts.append(md_table(["fsync", "load", "method", "server", "runs", "writes", "p50 us", "p99 us",
                               "p99.9 us", "max us", "floor p50/p99 us", "replica requests per write",
                               "errors"], table))
        parts.append("\n(replica requests per write: GETs needed on average; 1.00 = the write was already "
                     "visible to the first GET sent after the primary's +OK.)")
        ratios = []
        for mode in sorted({k[0] for k in groups}, key=lambda m: m != "everysec"):
            for load in ("idle", "bg"):
                k, rd = groups.get((mode, load, "get", "kv")), groups.get((mode, load, "get", "redis"))
                if k and rd:
                    ratios.append("%s %s: kv/redis (get) p50 %.2f, p99 %.2f" % (
                        mode, load, median([r["p50_us"] for r in k]) / median([r["p50_us"] for r in rd]),
                        median([r["p99_us"] for r in k]) / median([r["p99_us"] for r in rd])))
        if ratios:
            parts.append("\n" + "; ".join(ratios))
        parts.append("")

    cu = [r for r in rows if r.get("section") == "catchup"]
    if cu:
        parts.append("### 3b. Catch-up after a pause\n")
        parts.append("Replica SIGSTOPped; a burst of SETs (`redis-benchmark -P 16 -c %s`) at the "
                     "primary; SIGCONT; time until the replica's `master_repl_offset` reached the "
                     "primary's (kv: LSNs, Redis: bytes).\n" % meta.get("clients", "?"))
        table = []
        groups = {}
        for r in cu:
            groups.setdefault((r["mode"], r["server"]), []).append(r)
        for (mode, server) in sorted(groups, key=lambda k: (k[0] != "everysec", k[1])):
            g = groups[(mode, server)]
            secs = [r["catchup_seconds"] for r in g]
            ok = [s for s in secs if s is not None]
            burst = g[0]["burst"]
            table.append([mode, server, burst, len(g), f2(median([r["burst_seconds"] for r in g])),
                          f3(median(ok)) if ok else "never", "%s-%s" % (f3(min(ok)), f3(max(ok))) if ok else "-",
                          f0(burst / median(ok)) if ok and median(ok) else "-",
                          len(secs) - len(ok)])
        parts.append(md_table(["fsync", "server", "burst writes", "runs", "burst s (median)",
                               "catch-up s (median)", "min-max", "writes/s caught up", "never caught up"],
                              table))
        parts.append("")

    sw = [r for r in rows if r.get("section") == "setwait" and r.get("n")]
    if sw:
        parts.append("### 4. SET + WAIT 1 100, one connection, one replica\n")
        parts.append("`SET` then `WAIT 1 100`, nothing pipelined; latency from sending SET to WAIT's "
                     "reply. Percentiles: median over the runs (kv and redis alternating); max: over "
                     "all runs.\n")
        table = []
        groups = {}
        for r in sw:
            groups.setdefault((r["mode"], r["server"]), []).append(r)
        for key in sorted(groups, key=lambda k: (k[0] != "everysec", k[1])):
            g = groups[key]
            m = lambda f: median([r.get(f) for r in g])
            table.append(list(key) + [len(g), sum(r["n"] for r in g), f0(m("p50_us")), f0(m("p90_us")),
                                      f0(m("p99_us")), f0(m("p999_us")), f0(max(r["max_us"] for r in g)),
                                      f0(m("set_p50_us")), sum(r["wait_short"] for r in g),
                                      sum(r.get("slow_over_50ms", 0) for r in g)])
        parts.append(md_table(["fsync", "server", "runs", "iterations", "p50 us", "p90 us", "p99 us",
                               "p99.9 us", "max us", "SET alone p50 us", "WAIT returned 0",
                               "iterations > 50 ms"], table))
        for mode in sorted({k[0] for k in groups}, key=lambda m: m != "everysec"):
            k, rd = groups.get((mode, "kv")), groups.get((mode, "redis"))
            if k and rd:
                parts.append("\n%s: kv/redis p50 %.2f, p99 %.2f" % (
                    mode, median([r["p50_us"] for r in k]) / median([r["p50_us"] for r in rd]),
                    median([r["p99_us"] for r in k]) / median([r["p99_us"] for r in rd])))
        parts.append("")

    errs = [r for r in rows if r.get("section") == "error" or r.get("error")]
    if errs:
        parts.append("### Errors\n")
        for r in errs:
            parts.append("- %s" % json.dumps(r, sort_keys=True))
        parts.append("")
    text = "\n".join(parts)
    print(text)
    if md_out:
        with open(md_out, "w") as f:
            f.write(text + "\n")
    return 0


def plot(results, svg_out):
    """An SVG of kv against Redis, one bar per measurement, oriented so that > 1 means kv is
    better: throughput kv/redis; times redis/kv."""
    rows = [json.loads(l) for l in open(results) if l.strip()]
    bars = []
    tp = [r for r in rows if r.get("section") == "throughput" and "rps" in r and int(r["replicas"]) == 2]
    for mode in ("everysec", "always"):
        for p in (1, 16):
            by = {}
            for r in tp:
                if r["mode"] == mode and int(r["pipeline"]) == p:
                    by.setdefault(int(r["pair"]), {})[r["server"]] = r["rps"]
            ratios = [v["kv"] / v["redis"] for v in by.values() if "kv" in v and "redis" in v and v["redis"]]
            if ratios:
                bars.append(("SET throughput, 2 replicas, %s -P %d" % (mode, p), statistics.median(ratios)))

    def med_of(section, key, server, **match):
        xs = [r.get(key) for r in rows if r.get("section") == section and r.get("server") == server
              and all(str(r.get(k)) == str(v) for k, v in match.items())]
        return median([x for x in xs if x is not None])

    for label, section, key, match in (
        ("clone 1M keys: time to ready", "clone", "seconds", {}),
        ("catch-up after 200k writes, everysec", "catchup", "catchup_seconds", {"mode": "everysec"}),
        ("catch-up after 200k writes, always", "catchup", "catchup_seconds", {"mode": "always"}),
        ("SET + WAIT 1, p50, everysec", "setwait", "p50_us", {"mode": "everysec"}),
        ("SET + WAIT 1, p50, always", "setwait", "p50_us", {"mode": "always"}),
    ):
        kv, redis = med_of(section, key, "kv", **match), med_of(section, key, "redis", **match)
        if kv and redis:
            bars.append((label, redis / kv))
    if not bars:
        print("plot: nothing to plot in %s" % results, file=sys.stderr)
        return 1
    width, left, bar_h, gap, top = 760, 300, 22, 10, 40
    scale = (width - left - 40) / max(2.0, max(v for _, v in bars) * 1.1)
    height = top + len(bars) * (bar_h + gap) + 40
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (width, height),
           '<text x="10" y="22" font-size="14" font-weight="bold">kv vs Redis 7, replication (bar &gt; 1: kv better; median of runs)</text>']
    for i, (label, value) in enumerate(bars):
        y = top + i * (bar_h + gap)
        color = "#2b7bb9" if value >= 1 else "#d9822b"
        out.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (left - 8, y + bar_h - 6, label))
        out.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>' % (left, y, value * scale, bar_h, color))
        out.append('<text x="%.1f" y="%d">%.2f</text>' % (left + value * scale + 4, y + bar_h - 6, value))
    x1 = left + scale
    out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black" stroke-dasharray="4 3"/>' % (x1, top - 6, x1, height - 30))
    out.append('<text x="%.1f" y="%d" text-anchor="middle">1.0 = same as Redis</text>' % (x1, height - 14))
    out.append("</svg>")
    with open(svg_out, "w") as f:
        f.write("\n".join(out) + "\n")
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, a = argv[1], argv[2:]
    if cmd == "free-ports":
        return free_ports(int(a[0])) or 0
    if cmd == "wait-ping":
        return wait_ping(*a)
    if cmd == "wait-kv-replica":
        return wait_kv_replica(*a)
    if cmd == "wait-redis-replica":
        return wait_redis_replica(*a)
    if cmd == "converge":
        return converge(*a)
    if cmd == "compare":
        return compare(*a)
    if cmd == "record-bench":
        return record_bench(a[0], a[1], a[2:]) or 0
    if cmd == "record":
        obj = kv_pairs(a[1:])
        append(a[0], obj)
        return 0
    if cmd == "lag":
        return lag(*a)
    if cmd == "catchup":
        return catchup(*a)
    if cmd == "setwait":
        return setwait(*a)
    if cmd == "report":
        return report(*a)
    if cmd == "plot":
        return plot(*a)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
