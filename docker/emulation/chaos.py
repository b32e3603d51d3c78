"""Seeded chaos on emulated pods (podnet.py): writers record every acknowledged write while
random faults hit the set; at the end every acknowledged write must be on the primary, every
pod's digest must equal the primary's, and reads through kv-read with KV-Min-LSN must never
have gone backwards.

Usage (as root, inside chaos.sh's private namespaces):
    chaos.py KV_SERVER --seed N (--rounds N | --duration S) [--writers N] [--check-every N]
                       [--fsync always|everysec] [--inject-loss]
    chaos.py --plan --seed N --rounds N        # print the fault schedule only (no root needed)

The fault schedule (kind, target, hold and settle times) is drawn from random.Random(seed)
and depends on nothing else: the same seed gives the same schedule. The processes' timing
(which write is in flight when a fault lands) is not reproducible.

Model of the writes. Each writer owns its keys (key k<w>-<i> is written only by writer w, one
command at a time), so every key has one sequential history. An op is acknowledged (its reply
came), or unknown (an error reply, or the connection died: it may or may not have been
applied; it cannot be applied after a later op of the same writer, because the process that
had it is gone), or late (no reply within the socket timeout: it may still be applied at any
later time). The allowed states of a key are: the last acknowledged op's, any unknown op's after
it, any late op's. Writes are `SET k v GET` and deletes `GETDEL k`, so every acknowledged op
also returns the key's previous value, which is checked against the model at once; at the end
every key is read from the primary and checked again, and the primary must hold no other key.

Machine crashes. `machine_crash` sends `DEBUG POWERLOSS` (the pods run with
`--enable-debug-command yes`): the pod's log loses what its last fsync did not cover and the
process dies by SIGKILL, as when the power goes. What a write may lose then depends on what
the writer knew of it: after each write the writers ask `KV.LSN` (the write's LSN) and
`WAIT 1 <ms>` in the same pipeline; a write `WAIT` counted on a replica is *confirmed*. A
primary machine crash may lose an acknowledged write whose LSN is past the durable LSN the
crash reported (none under `always`) unless it was confirmed; a deleted primary volume may
lose any unconfirmed one (the primary restores from its most advanced replica). Two faults at
once where one is the primary's machine crash may lose a confirmed write too (its one replica
was hit as well: more than WAIT 1 promises); such losses are counted apart. Any other loss is
a failure.
"""

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback

from podnet import (Cluster, RespConnection, HTTP_PORT, RESP_PORT, VIP, http_get, http_request,
                    wait_until)

FAULT_KINDS = [
    "kill9_primary",       # kill -9 kv-0, down for a while, restarted on its volume
    "kill9_replica",       # the same for a replica
    "stop_cont",           # SIGSTOP any pod, SIGCONT after a while
    "term_restart",        # SIGTERM any pod (must exit 0), restarted
    "partition_link",      # a replica's veth down, then up
    "partition_iptables",  # a replica's packets dropped by iptables in its namespace
    "volume_delete",       # a replica killed, its volume deleted, restarted: must re-clone
    "scale_out",           # one more pod (kv-3, kv-4), during load
    "scale_in",            # the highest pod deleted, its volume kept
    "disk_full",           # any pod's volume filled to the last byte, freed after a while
    "machine_crash",       # any pod: DEBUG POWERLOSS (unsynced log tail lost, SIGKILL), restarted
    "primary_volume_delete",  # kv-0 killed, its volume deleted, restarted: restores from a replica
    "double",              # two of DOUBLE_KINDS at once, on two different pods
]
# What a `double` fault combines: faults that hit one pod and undo themselves.
DOUBLE_KINDS = ["kill9", "machine_crash", "stop_cont", "term_restart", "partition_link", "partition_iptables",
                "disk_full", "volume_delete"]
REPLICA_ONLY = ("kill9_replica", "partition_link", "partition_iptables", "volume_delete")
WAIT_MS = 100  # the writers' WAIT 1 timeout: a write not on a replica by then is unconfirmed
MIN_PODS, MAX_PODS, START_PODS = 2, 5, 3
ABSENT = None  # the state of a deleted (or never written) key
SOCKET_TIMEOUT = 20.0  # longer than any SIGSTOP: a reply slower than this makes the op "late"


def plan(seed, iptables=True):
    """The fault schedule: an endless sequence of faults drawn from `seed` alone (the set's
    size it tracks is itself decided by the schedule)."""
    rng = random.Random(seed)
    size = START_PODS
    while True:
        kinds = [k for k in FAULT_KINDS
                 if not (k == "scale_out" and size >= MAX_PODS) and not (k == "scale_in" and size <= MIN_PODS)]
        kind = rng.choice(kinds)
        fault = {"kind": kind}
        if kind in ("stop_cont", "term_restart", "disk_full", "machine_crash"):
            fault["target"] = rng.randrange(0, size)
        elif kind in REPLICA_ONLY:
            fault["target"] = rng.randrange(1, size)
        elif kind in ("kill9_primary", "primary_volume_delete"):
            fault["target"] = 0
        elif kind == "double":
            first = rng.randrange(0, size)
            second = rng.choice([o for o in range(size) if o != first])
            parts = []
            for target in (first, second):
                part = rng.choice([k for k in DOUBLE_KINDS if target > 0 or k not in REPLICA_ONLY])
                if part == "kill9":
                    part = "kill9_primary" if target == 0 else "kill9_replica"
                parts.append({"kind": part, "target": target})
            fault["parts"] = parts
            fault["target"] = first
        elif kind == "scale_out":
            fault["target"] = size
            size += 1
        else:
            size -= 1
            fault["target"] = size
        fault["hold"] = round(rng.uniform(0.3, 4.0), 2)
        fault["settle"] = round(rng.uniform(0.5, 2.0), 2)
        for part in fault.get("parts", ()):
            part["hold"], part["settle"] = fault["hold"], fault["settle"]
        if not iptables and any(k == "partition_iptables" for k in [kind] + [p["kind"] for p in fault.get("parts", ())]):
            fault["skip"] = "iptables is not installed"
        yield fault


def describe(fault):
    if "parts" in fault:
        text = "double %s hold=%.2fs settle=%.2fs" % (
            " + ".join("%s kv-%d" % (p["kind"], p["target"]) for p in fault["parts"]), fault["hold"], fault["settle"])
        return text + (" (skipped: %s)" % fault["skip"] if "skip" in fault else "")
    text = "%s kv-%d hold=%.2fs settle=%.2fs" % (fault["kind"], fault["target"], fault["hold"], fault["settle"])
    return text + (" (skipped: %s)" % fault["skip"] if "skip" in fault else "")


class Model:
    """What the clients know of every key: each key's ops in order, and the windows in which
    the primary may have lost acknowledged writes (see the module's doc).

    An op is a dict: value (ABSENT for a delete), outcome ("ack", "unknown", "late"), lsn (of
    an acknowledged op, when known), at (when its reply came), confirmed (WAIT counted a
    replica), gone (seen lost: an older value was read after it)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ops = {}      # key -> [op, …]
        self.windows = []  # primary data-loss windows: kind, end (None while open), durable, confirmed_too
        self.generation = 0  # bumped when a window opens and when it closes (the reader resets)

    # -- windows --------------------------------------------------------------------------

    def open_window(self, kind, confirmed_too=False):
        with self.lock:
            window = {"kind": kind, "end": None, "durable": None, "confirmed_too": confirmed_too}
            self.windows.append(window)
            self.generation += 1
            return window

    def close_window(self, window, durable=None):
        """The primary died (its process is gone): ops acknowledged from now on are the next
        primary's. `durable`: the LSN its machine crash kept (None: any LSN may be lost)."""
        with self.lock:
            window["durable"] = durable
            window["end"] = time.monotonic()
            self.generation += 1

    def losable(self, op):
        """Whether a window may have taken this acknowledged op back (and why), or None."""
        for window in self.windows:
            if window["end"] is not None and op["at"] > window["end"]:
                continue
            if window["durable"] is not None and op["lsn"] is not None and op["lsn"] <= window["durable"]:
                continue
            if op["confirmed"] and not window["confirmed_too"]:
                continue
            return "confirmed" if op["confirmed"] else "unconfirmed"
        return None

    # -- ops ------------------------------------------------------------------------------

    def record(self, key, value, outcome, lsn=None):
        op = {"value": value, "outcome": outcome, "lsn": lsn, "at": time.monotonic(), "confirmed": False,
              "gone": False}
        with self.lock:
            history = self.ops.setdefault(key, [])
            history.append(op)
            if len(history) > 400:
                self._prune(history)
        return op

    def confirm(self, op):
        with self.lock:
            op["confirmed"] = True

    def _prune(self, history):
        """Drops ops older than 60 s before the newest acknowledged op that no window can take
        back: nothing before it can be a key's state again (a write that old was fsynced on the
        primary long before any later crash)."""
        horizon = time.monotonic() - 60
        for index in range(len(history) - 1, -1, -1):
            op = history[index]
            if op["outcome"] == "ack" and op["at"] < horizon and self.losable(op) is None:
                del history[:index]
                return

    def _anchor(self, history):
        """Index of the newest acknowledged op no window can have taken back (-1: the key's
        initial absence)."""
        for index in range(len(history) - 1, -1, -1):
            op = history[index]
            if op["outcome"] == "ack" and not op["gone"] and self.losable(op) is None:
                return index
        return -1

    def allowed(self, key):
        """The values the key may hold: from the anchor on, every op's value that may have
        been applied and not taken back, and every late op's."""
        with self.lock:
            history = self.ops.get(key, [])
            anchor = self._anchor(history)
            values = {ABSENT} if anchor < 0 else set()
            for op in history[max(anchor, 0):]:
                if not op["gone"]:
                    values.add(op["value"])
            values.update(op["value"] for op in history if op["outcome"] == "late")
            return values

    def observed(self, key, value):
        """`value` was read (it is allowed): the acknowledged ops after its latest op are gone.
        Returns the ops newly seen lost, each with why it was allowed to be."""
        with self.lock:
            history = self.ops.get(key, [])
            last_ack = next((i for i in range(len(history) - 1, -1, -1)
                             if history[i]["outcome"] == "ack" and not history[i]["gone"]), -1)
            if last_ack < 0 or history[last_ack]["value"] == value:
                return []
            if any(op["outcome"] == "late" and op["value"] == value for op in history):
                return []
            matches = [i for i, op in enumerate(history) if op["value"] == value and not op["gone"]]
            found = matches[-1] if matches else -1
            lost = []
            for op in history[found + 1:]:
                if op["outcome"] == "ack" and not op["gone"]:
                    op["gone"] = True
                    lost.append((op, self.losable(op)))
            return lost

    def keys(self):
        with self.lock:
            return list(self.ops)


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.values = {}

    def add(self, name, n=1):
        with self.lock:
            self.values[name] = self.values.get(name, 0) + n

    def __getitem__(self, name):
        with self.lock:
            return self.values.get(name, 0)


class Chaos:
    def __init__(self, cluster, args):
        self.cluster = cluster
        self.args = args
        self.model = Model()
        self.counters = Counters()
        self.stop = threading.Event()
        self.paused = threading.Event()    # set: writers and reader park before their next op
        self.parked = []                   # one Event per worker: set while parked
        self.failures = []                 # losses, violations, crashes, hangs: text each
        self.losses = []
        self.violations = []
        self.faults = {kind: 0 for kind in FAULT_KINDS}
        self.double_parts = {}             # kind -> times it was one of a double fault's two
        self.skipped = {}
        self.size = START_PODS
        self.expected = set()              # ordinals that should be running now
        self.round = 0
        self.digests_compared = 0
        self.checkpoints = 0

    # -- workers ------------------------------------------------------------------------------

    def park_point(self, parked):
        if self.paused.is_set():
            parked.set()
            while self.paused.is_set() and not self.stop.is_set():
                time.sleep(0.01)
            parked.clear()

    def writer(self, number, parked):
        rng = random.Random(self.args.seed * 1000 + number)
        primary = self.cluster.pod(0)
        connection = None
        seq = 0
        while not self.stop.is_set():
            self.park_point(parked)
            if connection is None:
                try:
                    connection = RespConnection(primary.ip, RESP_PORT, SOCKET_TIMEOUT)
                except OSError:
                    self.counters.add("connect_refused")
                    time.sleep(0.05)
                    continue
            seq += 1
            key = "k%d-%d" % (number, rng.randrange(self.args.keys))
            delete = rng.random() < 0.1
            value = ABSENT if delete else "w%d-%d-%s" % (number, seq, "x" * rng.randrange(0, 200))
            before = self.model.allowed(key)
            # One round trip: the write, its LSN, and whether a replica has it (WAIT 1).
            command = ("GETDEL", key) if delete else ("SET", key, value, "GET")
            try:
                connection.send(command, ("KV.LSN",), ("WAIT", "1", str(WAIT_MS)))
                reply = connection.reply()
            except TimeoutError:
                self.model.record(key, value, "late")
                self.counters.add("late")
                connection.close()
                connection = None
                continue
            except (OSError, ConnectionError, ValueError):
                self.model.record(key, value, "unknown")
                self.counters.add("unknown")
                connection.close()
                connection = None
                continue
            if reply is not None and reply.startswith("-"):
                # An error reply: conservatively unknown (a log failure may follow an apply).
                self.model.record(key, value, "unknown")
                self.counters.add("unknown")
                self.counters.add("error_replies")
                if self.counters["error_replies"] <= 5:
                    print("  note: %s answered %s" % (key, reply), flush=True)
                self.drain(connection, 2)
                continue
            try:
                lsn = int(connection.reply())
            except (OSError, ConnectionError, ValueError, TypeError):
                lsn = None
            # The returned previous value is checked before the op joins the key's history.
            self.check_returned(key, reply, before, "previous value returned by %s" % ("GETDEL" if delete else "SET GET"))
            op = self.model.record(key, value, "ack", lsn)
            self.counters.add("deletes_acked" if delete else "writes_acked")
            if lsn is None:
                connection.close()
                connection = None
                continue
            try:
                replicas = connection.reply()
                if replicas is not None and not replicas.startswith("-") and int(replicas) >= 1:
                    self.model.confirm(op)
                    self.counters.add("wait_confirmed")
            except (OSError, ConnectionError, ValueError):
                connection.close()
                connection = None
        if connection is not None:
            connection.close()

    @staticmethod
    def drain(connection, count):
        """Reads the replies of the rest of a pipeline (after an error reply)."""
        for _ in range(count):
            connection.reply()

    def check_returned(self, key, got, allowed, how):
        """A value read from the primary: a loss unless allowed; if allowed but older than the
        last acknowledged one, the ops after it were lost — allowed ones are counted."""
        if got not in allowed:
            self.loss(key, got, allowed, how)
            return
        for op, why in self.model.observed(key, got):
            if why is None:  # cannot happen: `allowed` came from the same windows
                self.loss(key, got, allowed, how + "; %r was not allowed to be lost" % short(op["value"]))
            else:
                self.counters.add("lost_allowed_" + why)
                if self.counters["lost_allowed_" + why] <= 3:
                    print("  note: %s lost %s %r (LSN %s), allowed: acknowledged before a primary data loss%s"
                          % (key, "confirmed" if op["confirmed"] else "unconfirmed", short(op["value"]), op["lsn"],
                             " at the same time as a replica's fault" if op["confirmed"] else ""), flush=True)

    def reader(self, parked):
        """Writes its own keys over HTTP to kv-0, then reads them back through kv-read with
        KV-Min-LSN = the highest LSN it has seen; the LSN must never go backwards and the
        value must be at least as new as its own last acknowledged write.

        A primary data loss (a machine crash, a deleted volume) may take back the reader's
        acknowledged PUTs (it does not WAIT) and the LSNs it saw: from when such a fault begins
        until the primary is gone, and once more after, the reader forgets what it saw, and a
        read that overlapped that moment is not checked."""
        rng = random.Random(self.args.seed * 1000 + 999)
        primary = self.cluster.pod(0)
        highest = 0
        acked = {}  # key -> seq of its last acknowledged PUT
        seq = 0
        generation = self.model.generation
        while not self.stop.is_set():
            self.park_point(parked)
            if self.model.generation != generation:
                generation = self.model.generation
                highest, acked = 0, {}
                self.counters.add("reader_resets")
            seq += 1
            key = "m-%d" % rng.randrange(8)
            value = "r-%d" % seq
            try:
                status, headers, _ = http_request(primary.ip, HTTP_PORT, "PUT", "/v1/kv/" + key, SOCKET_TIMEOUT,
                                                  body=value.encode())
            except ConnectionRefusedError:  # not sent: kv-0 is down
                self.counters.add("connect_refused")
                time.sleep(0.05)
                continue
            except TimeoutError:
                self.model.record(key, value, "late")
                self.counters.add("late")
                continue
            except (OSError, ValueError, IndexError):
                self.model.record(key, value, "unknown")
                self.counters.add("reader_put_unknown")
                time.sleep(0.05)
                continue
            if status != 204:
                self.model.record(key, value, "unknown")
                self.counters.add("reader_put_unknown")
                time.sleep(0.05)
                continue
            lsn = int(headers["kv-lsn"]) if headers.get("kv-lsn", "").isdigit() else None
            self.model.record(key, value, "ack", lsn)
            self.counters.add("reader_puts_acked")
            acked[key] = seq
            if lsn is None:
                self.violation("PUT %s answered 204 without KV-LSN" % key)
                continue
            highest = max(highest, lsn)
            for _ in range(3):
                read_key = key if rng.random() < 0.7 else "m-%d" % rng.randrange(8)
                highest = self.monotonic_read(read_key, highest, acked, generation)

    def monotonic_read(self, key, highest, acked, generation):
        try:
            status, headers, body = http_get(VIP, HTTP_PORT, "/v1/kv/" + key, 5.0,
                                             {"KV-Min-LSN": str(highest), "KV-Max-Wait": "1"})
        except (OSError, ValueError, IndexError):
            self.counters.add("read_errors")
            return highest
        if status == 503:
            self.counters.add("reads_503")
            return highest
        pod = headers.get("kv-pod", "?")
        if status not in (200, 404) or "kv-lsn" not in headers:
            self.counters.add("read_errors")
            return highest
        if self.model.generation != generation:  # a primary data loss began or ended meanwhile
            self.counters.add("reads_unchecked")
            return highest
        self.counters.add("reads_checked")
        seen = int(headers["kv-lsn"])
        if seen < highest:
            self.violation("read of %s on %s saw LSN %d after the client had seen %d" % (key, pod, seen, highest))
        if key in acked:
            got = int(body.split("-")[1]) if status == 200 and body.startswith("r-") else -1
            if got < acked[key]:
                self.violation("read of %s on %s at LSN %d returned %s, older than the client's write r-%d"
                               % (key, pod, seen, body if status == 200 else "nothing (404)", acked[key]))
        return max(highest, seen)

    def loss(self, key, got, allowed, how):
        text = "LOSS round %d: %s is %r, allowed %s (%s)" % (self.round, key, short(got), sorted(map(short, allowed), key=str), how)
        print("  " + text, flush=True)
        self.losses.append(text)

    def violation(self, text):
        text = "MONOTONIC VIOLATION round %d: %s" % (self.round, text)
        print("  " + text, flush=True)
        self.violations.append(text)

    def fail(self, text):
        print("  FAILURE round %d: %s" % (self.round, text), flush=True)
        self.failures.append("round %d: %s" % (self.round, text))

    # -- faults -------------------------------------------------------------------------------

    def wait_ready(self, pod, timeout=90):
        def ready():
            if pod.process is None or pod.process.poll() is not None:
                raise AssertionError("%s exited (%s) while it was awaited; log tail:\n%s"
                                     % (pod.name, pod.process and pod.process.returncode, pod.log()[-3000:]))
            return pod.ready()
        wait_until(ready, timeout, "%s ready" % pod.name, pod)

    def stop_pod(self, pod, sig):
        """Stops a pod by `sig`; a SIGTERM must end in exit 0 within 30 s."""
        self.expected.discard(pod.ordinal)
        started = time.time()
        code = pod.stop(sig, timeout=30)
        if sig == signal.SIGTERM and code != 0:
            self.fail("%s exited %s after SIGTERM (%.1f s)" % (pod.name, code, time.time() - started))
        return code

    def start_pod(self, pod):
        pod.start()
        self.expected.add(pod.ordinal)

    def inject(self, fault):
        kind, pod, hold = fault["kind"], self.cluster.pod(fault["target"]), fault["hold"]
        if kind in ("kill9_primary", "kill9_replica"):
            self.stop_pod(pod, signal.SIGKILL)
            time.sleep(hold)
            self.start_pod(pod)
            self.wait_ready(pod)
        elif kind == "stop_cont":
            pod.freeze()
            try:
                time.sleep(hold)
            finally:
                pod.thaw()
            self.wait_ready(pod)
        elif kind == "term_restart":
            self.stop_pod(pod, signal.SIGTERM)
            time.sleep(min(hold, 1.0))
            self.start_pod(pod)
            self.wait_ready(pod)
        elif kind == "partition_link":
            pod.partition()
            try:
                time.sleep(hold)
            finally:
                pod.heal()
            self.wait_ready(pod)
        elif kind == "partition_iptables":
            pod.drop_packets()
            try:
                time.sleep(hold)
            finally:
                pod.pass_packets()
            self.wait_ready(pod)
        elif kind == "volume_delete":
            clones = pod.log().count("clone requested")
            self.stop_pod(pod, signal.SIGKILL)
            pod.wipe_volume()
            time.sleep(min(hold, 1.0))
            self.start_pod(pod)
            self.wait_ready(pod, 120)
            if pod.log().count("clone requested") <= clones:
                self.fail("%s started on an empty volume without cloning" % pod.name)
        elif kind == "disk_full":
            # Writes to a full primary are refused (MISCONF: not acknowledged), the one whose
            # bytes the disk refused waits for space; a full replica pauses its stream.
            pod.fill_volume()
            try:
                time.sleep(hold)
            finally:
                pod.free_volume()
            self.wait_ready(pod)
        elif kind == "machine_crash":
            self.machine_crash(pod, hold, fault.get("confirmed_too", False))
        elif kind == "primary_volume_delete":
            restores = pod.log().count("restored the primary's data from")
            window = self.model.open_window("volume")
            self.stop_pod(pod, signal.SIGKILL)
            self.model.close_window(window)
            pod.wipe_volume()
            time.sleep(min(hold, 1.0))
            self.start_pod(pod)
            self.wait_ready(pod, 120)
            if pod.log().count("restored the primary's data from") <= restores:
                self.fail("%s started on an empty volume without restoring from a replica" % pod.name)
        elif kind == "double":
            # A machine crash of kv-0 while its replica is hit too may lose a write WAIT 1
            # confirmed: the one replica that had it may be the other fault's.
            confirmed_too = any(p["kind"] == "machine_crash" and p["target"] == 0 for p in fault["parts"])
            errors = []

            def run(part):
                try:
                    self.inject(dict(part, confirmed_too=confirmed_too))
                except Exception:
                    errors.append(traceback.format_exc())
            threads = [threading.Thread(target=run, args=(part,)) for part in fault["parts"]]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if errors:
                raise AssertionError("a part of the double fault raised:\n" + "\n".join(errors))
        elif kind == "scale_out":
            assert fault["target"] == self.size
            self.start_pod(pod)
            self.wait_ready(pod, 120)
            self.size += 1
        elif kind == "scale_in":
            assert fault["target"] == self.size - 1
            self.expected.discard(pod.ordinal)
            code = pod.delete()  # SIGTERM, then its sandbox and DNS record go; the volume stays
            if code != 0:
                self.fail("%s exited %s when scaled in" % (pod.name, code))
            self.size -= 1

    def machine_crash(self, pod, hold, confirmed_too):
        """DEBUG POWERLOSS: the pod's log is cut back to its last fsync and it dies by SIGKILL;
        down for `hold`, then restarted on its volume. For kv-0, the writes it may have taken
        back are those past the durable LSN its log line reports (a window of the model)."""
        window = self.model.open_window("power", confirmed_too) if pod.ordinal == 0 else None
        catch_ups = pod.log().count("primary: caught up from")
        self.expected.discard(pod.ordinal)
        process = pod.process
        try:
            reply = pod.redis("DEBUG", "POWERLOSS", timeout=10)
            self.fail("%s answered DEBUG POWERLOSS with %r instead of dying" % (pod.name, reply))
        except (OSError, ConnectionError, ValueError):
            pass  # the connection died with the process
        try:
            code = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.fail("%s still runs 15 s after DEBUG POWERLOSS" % pod.name)
            os.kill(process.pid, signal.SIGKILL)
            code = process.wait()
        pod.process = None
        crash = power_loss_line(pod.log())
        if window is not None:
            self.model.close_window(window, crash.get("durable_lsn") if crash else None)
        if code != -signal.SIGKILL:
            self.fail("%s ended with %s after DEBUG POWERLOSS, not by SIGKILL" % (pod.name, code))
        if crash is None:
            self.fail("%s logged no DEBUG POWERLOSS line" % pod.name)
        else:
            self.counters.add("power_records_dropped", crash["written_lsn"] - crash["durable_lsn"])
            self.counters.add("power_bytes_dropped", crash["dropped_bytes"])
            print("  %s lost power: durable LSN %d, written %d, last %d, %d bytes dropped"
                  % (pod.name, crash["durable_lsn"], crash["written_lsn"], crash["last_lsn"], crash["dropped_bytes"]),
                  flush=True)
        self.counters.add("machine_crashes")
        time.sleep(hold)
        self.start_pod(pod)
        self.wait_ready(pod, 120)
        if pod.ordinal == 0:
            lines = [line for line in pod.log().splitlines() if "primary: caught up from" in line][catch_ups:]
            cut_short = [line for line in pod.log().splitlines() if "catching up from" in line and "stopped at" in line]
            if not lines:
                print("  kv-0 had nothing to catch up", flush=True)
            else:
                records = [w for w in lines[-1].split() if w.startswith("records=")]
                print("  kv-0 caught up from a replica (%s)" % (records[0] if records else "?"), flush=True)
                if cut_short and cut_short[-1].split()[0] >= lines[-1].split()[0]:
                    print("  kv-0's catch-up was cut short: %s" % cut_short[-1].split("[KVServer] ")[-1], flush=True)

    def check_processes(self):
        """A pod that should be running and is not crashed (or exited by itself)."""
        for ordinal in sorted(self.expected):
            pod = self.cluster.pod(ordinal)
            if pod.process is not None and pod.process.poll() is not None:
                code = pod.process.returncode
                pod.process = None
                self.fail("%s exited by itself with %s; log tail:\n%s" % (pod.name, code, pod.log()[-3000:]))
                self.counters.add("crashes")
                self.start_pod(pod)
                self.wait_ready(pod)

    def inject_loss(self):
        """The checker's own test: a write behind the writers' back must be reported."""
        key = "k0-0"
        print("  self-test: overwriting %s on kv-0 behind the writers' back" % key, flush=True)
        self.cluster.pod(0).redis("SET", key, "foreign")

    # -- checks -------------------------------------------------------------------------------

    def quiesce(self):
        """Parks the writers and the reader after their op in flight."""
        self.paused.set()
        wait_until(lambda: all(p.is_set() for p in self.parked), 60, "the writers to park")

    def resume(self):
        self.paused.clear()

    def lsn(self, pod):
        return int(pod.info("master_repl_offset", "replication"))

    def running_pods(self):
        return [self.cluster.pod(o) for o in sorted(self.expected)]

    def converge(self, timeout=60):
        pods = self.running_pods()
        for pod in pods:
            self.wait_ready(pod)
        primary = self.cluster.pod(0)
        wait_until(lambda: all(self.lsn(p) == self.lsn(primary) for p in pods), timeout,
                   "every pod at the primary's LSN")

    def digest_check(self):
        """`kv-cli check` over every running pod: exit 0 = equal digests at the same LSN."""
        pods = self.running_pods()
        command = [self.args.kv_cli, "check", "--timeout", "30",
                   "--pods", ",".join("%s:%d" % (p.ip, RESP_PORT) for p in pods)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=90)
        if result.returncode != 0:
            self.fail("kv-cli check exited %d:\n%s%s" % (result.returncode, result.stdout, result.stderr))
        else:
            self.digests_compared += len(pods)
        return result

    def checkpoint(self):
        self.quiesce()
        try:
            self.converge()
            result = self.digest_check()
            self.checkpoints += 1
            lines = result.stdout.strip().splitlines()
            print("  checkpoint: %s" % (lines[-1] if lines else "kv-cli check printed nothing"), flush=True)
        finally:
            self.resume()

    def final_key_check(self):
        primary = self.cluster.pod(0)
        present = set(k for k in primary.redis("KEYS", "*", timeout=30).split("\n") if k)
        checked = 0
        for key in self.model.keys():
            got = primary.redis("GET", key)
            checked += 1
            self.check_returned(key, got, self.model.allowed(key), "final read on kv-0")
        stray = present - set(self.model.keys())
        for key in sorted(stray):
            self.fail("kv-0 holds %r, a key no client wrote" % key)
        return checked

    def repair_figures(self):
        """Forks repaired, catch-ups and restores, from the pods' logs (every start of a pod
        appends to its log) and, where the pods report them, INFO's fork counters."""
        logs = [pod.log() for pod in self.cluster.pods.values()]
        figures = {
            "forks_logged": sum(log.count("resync required (fork") for log in logs),
            # "caught up" is logged even when the fetch was cut short: count the records, and
            # the fetches that stopped (a peer that refused or went silent) apart.
            "catch_ups": sum(1 for line in self.cluster.pod(0).log().splitlines()
                             if "primary: caught up from" in line and "records=0 " not in line),
            "catch_up_records": sum(int(word[len("records="):]) for line in self.cluster.pod(0).log().splitlines()
                                    if "primary: caught up from" in line
                                    for word in line.split() if word.startswith("records=")),
            "catch_ups_cut_short": self.cluster.pod(0).log().count("stopped at LSN"),
            "nothing_to_catch_up": self.cluster.pod(0).log().count("primary: nothing to catch up"),
            "restores": self.cluster.pod(0).log().count("restored the primary's data from"),
        }
        for field in ("kv_forks", "kv_fork_records_discarded"):
            values = []
            for pod in self.running_pods():
                try:
                    value = pod.info(field, "replication")
                except (OSError, ConnectionError, ValueError):
                    value = None
                if value is not None and value.isdigit():
                    values.append(int(value))
            figures[field] = sum(values) if values else "n/a"
        return figures

    # -- the run ------------------------------------------------------------------------------

    def run(self):
        args = self.args
        started = time.time()
        self.cluster.up()
        self.cluster.scale(START_PODS)
        self.expected = set(range(START_PODS))
        workers = []
        for number in range(args.writers):
            parked = threading.Event()
            self.parked.append(parked)
            workers.append(threading.Thread(target=self.writer, args=(number, parked), daemon=True))
        parked = threading.Event()
        self.parked.append(parked)
        workers.append(threading.Thread(target=self.reader, args=(parked,), daemon=True))
        for worker in workers:
            worker.start()
        time.sleep(1.0)
        schedule = plan(args.seed, iptables=shutil.which("iptables") is not None)
        chaos_started = time.time()
        try:
            while True:
                if args.rounds is not None and self.round >= args.rounds:
                    break
                if args.duration is not None and time.time() - chaos_started >= args.duration:
                    break
                fault = next(schedule)
                self.round += 1
                print("round %3d %6.1fs %s" % (self.round, time.time() - started, describe(fault)), flush=True)
                if "skip" in fault:
                    self.skipped[fault["kind"]] = self.skipped.get(fault["kind"], 0) + 1
                    self.size += {"scale_out": 1, "scale_in": -1}.get(fault["kind"], 0)
                    continue
                self.faults[fault["kind"]] += 1
                for part in fault.get("parts", ()):
                    self.double_parts[part["kind"]] = self.double_parts.get(part["kind"], 0) + 1
                self.inject(fault)
                time.sleep(fault["settle"])
                self.check_processes()
                if args.inject_loss and self.round == 1:
                    self.inject_loss()
                if args.check_every and self.round % args.check_every == 0:
                    self.checkpoint()
        except Exception:
            self.fail("the fault round raised:\n" + traceback.format_exc())
            for pod in self.cluster.pods.values():  # undo a fault left half-way
                if pod.running:
                    for undo in (pod.thaw, pod.pass_packets):
                        try:
                            undo()
                        except Exception:
                            pass
                if pod.network_up:
                    pod.heal()
        chaos_seconds = time.time() - chaos_started
        # Heal, stop the clients, let everything catch up, then check.
        time.sleep(1.0)
        self.stop.set()
        for worker in workers:
            worker.join(timeout=SOCKET_TIMEOUT + 10)
        try:
            self.check_processes()
            self.converge(90)
            keys_checked = self.final_key_check()
            self.digest_check()
        except Exception:
            keys_checked = 0
            self.fail("the final check raised:\n" + traceback.format_exc())
        for pod in self.cluster.pods.values():
            if "Fatal error" in pod.log():
                self.fail("%s's log has a fatal error" % pod.name)
        return self.summary(started, chaos_seconds, keys_checked)

    def summary(self, started, chaos_seconds, keys_checked):
        c = self.counters
        faults = ",".join("%s:%d" % (k, v) for k, v in self.faults.items() if v)
        parts = ",".join("%s:%d" % kv for kv in sorted(self.double_parts.items())) or "none"
        skipped = ",".join("%s:%d" % kv for kv in self.skipped.items()) or "none"
        try:
            repairs = self.repair_figures()
        except Exception:
            repairs = {}
            self.fail("reading the repair figures raised:\n" + traceback.format_exc())
        ok = not (self.losses or self.violations or self.failures)
        print("chaos seed=%d rounds=%d fsync=%s faults=%s double_parts=%s skipped=%s writes_acked=%d deletes_acked=%d "
              "wait_confirmed=%d reader_puts_acked=%d unknown=%d late=%d error_replies=%d keys_checked=%d "
              "reads_checked=%d reads_unchecked=%d reads_503=%d read_errors=%d reader_resets=%d "
              "machine_crashes=%d power_records_dropped=%d power_bytes_dropped=%d "
              "lost_allowed_unconfirmed=%d lost_allowed_confirmed_double=%d losses=%d "
              "digests_compared=%d checkpoints=%d %s "
              "monotonic_violations=%d failures=%d chaos=%.0fs total=%.0fs %s"
              % (self.args.seed, self.round, self.args.fsync, faults or "none", parts, skipped, c["writes_acked"],
                 c["deletes_acked"], c["wait_confirmed"], c["reader_puts_acked"],
                 c["unknown"] + c["reader_put_unknown"], c["late"], c["error_replies"], keys_checked,
                 c["reads_checked"], c["reads_unchecked"], c["reads_503"], c["read_errors"], c["reader_resets"],
                 c["machine_crashes"], c["power_records_dropped"], c["power_bytes_dropped"],
                 c["lost_allowed_unconfirmed"], c["lost_allowed_confirmed"], len(self.losses),
                 self.digests_compared, self.checkpoints, " ".join("%s=%s" % kv for kv in repairs.items()),
                 len(self.violations), len(self.failures), chaos_seconds, time.time() - started,
                 "PASS" if ok else "FAIL"), flush=True)
        for text in self.failures:
            print(text)
        return ok


def power_loss_line(log):
    """The numbers of the last `DEBUG POWERLOSS` line of a pod's log, or None."""
    lines = [line for line in log.splitlines() if "DEBUG POWERLOSS" in line]
    if not lines:
        return None
    fields = dict(word.split("=", 1) for word in lines[-1].split() if "=" in word)
    try:
        return {name: int(fields[name]) for name in ("durable_lsn", "written_lsn", "last_lsn", "dropped_bytes")}
    except (KeyError, ValueError):
        return None


def short(value):
    if value is None:
        return None
    return value if len(value) <= 24 else value[:20] + "…"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", nargs="?", help="kv-server (kv-cli must be next to it)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--duration", type=float, help="seconds of faults instead of a number of rounds")
    parser.add_argument("--writers", type=int, default=3)
    parser.add_argument("--keys", type=int, default=64, help="keys per writer")
    parser.add_argument("--check-every", type=int, default=5,
                        help="rounds between checkpoints (writers parked, kv-cli check); 0 = only at the end")
    parser.add_argument("--fsync", choices=["always", "everysec"], default="always",
                        help="the pods' --fsync (what an acknowledged write survives; see the module's doc)")
    parser.add_argument("--plan", action="store_true", help="print the fault schedule and exit")
    parser.add_argument("--inject-loss", action="store_true",
                        help="self-test: overwrite a key behind the writers' back after round 1 (the run must fail)")
    args = parser.parse_args(argv[1:])
    if args.rounds is None and args.duration is None:
        args.rounds = 6
    if args.plan:
        schedule = plan(args.seed, iptables=shutil.which("iptables") is not None)
        for number in range(1, (args.rounds or 20) + 1):
            print("round %3d %s" % (number, describe(next(schedule))))
        return 0
    if not args.binary:
        parser.error("the kv-server binary is required")
    args.kv_cli = os.path.join(os.path.dirname(os.path.abspath(args.binary)), "kv-cli")
    if not os.access(args.kv_cli, os.X_OK):
        parser.error("no kv-cli next to %s" % args.binary)
    # Small snapshots and segments, so that snapshots, compaction and the log retention for
    # absent replicas happen during the faults too.
    server_args = ["--snapshot-after-bytes", "262144", "--log-segment-bytes", "131072"]
    # DEBUG POWERLOSS is the machine_crash fault.
    server_args += ["--fsync", args.fsync, "--enable-debug-command", "yes"]
    server_args += os.environ.get("KV_SERVER_ARGS", "").split()
    # Every volume is a small tmpfs (chaos.sh runs in a private mount namespace), so that a
    # disk can fill up (the disk_full fault).
    cluster = Cluster(args.binary, server_args=server_args, volume_bytes=64 << 20)
    print("chaos on emulated pods: seed %d, %s, --fsync %s, pods in %s" % (
        args.seed, "%d rounds" % args.rounds if args.rounds is not None else "%.0f s" % args.duration, args.fsync,
        cluster.root),
        flush=True)
    chaos = Chaos(cluster, args)
    ok = False
    try:
        ok = chaos.run()
    finally:
        chaos.stop.set()
        cluster.down()
        if ok:
            shutil.rmtree(cluster.root, ignore_errors=True)
        else:
            print("pod logs kept in %s/logs" % cluster.root)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
