#!/usr/bin/env python3
"""Writes the seed corpus under Tests/Fuzz/Corpus/<target>/: valid frames in each format
(docs/storage-format.md, docs/replication.md, docs/protocol.md) and a few malformed ones.

Deterministic: running it again rewrites the same files. Inputs found by fuzzing (crashes
turned into tests) live in the same directories under names starting `crash-`; this script
leaves them alone.
"""
import hashlib
import os
import struct
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Corpus")

# CRC-32C (Castagnoli), reflected, as KVStorage/CRC32C.swift.
_TABLE = []
for n in range(256):
    c = n
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    _TABLE.append(c)


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283

HISTORY = (0x0123456789ABCDEF, 0xFEDCBA9876543210)
HISTORY_TEXT = "%016x%016x" % HISTORY


def put(key, value, expires=0):
    return struct.pack("<BI", 1, len(key)) + key + struct.pack("<I", len(value)) + value + struct.pack("<q", expires)


def delete(key):
    return struct.pack("<BI", 2, len(key)) + key


def expire(key, at):
    return struct.pack("<BI", 3, len(key)) + key + struct.pack("<q", at)


def flush_all():
    return b"\x04"


def items(elements):
    """A collection edit's or payload's elements: each with its u32 length."""
    return b"".join(struct.pack("<I", len(e)) + e for e in elements)


def hash_payload(pairs):
    return struct.pack("<I", len(pairs)) + b"".join(items([f, v]) for f, v in pairs)


def zset_payload(pairs):
    return struct.pack("<I", len(pairs)) + b"".join(struct.pack("<d", s) + items([m]) for s, m in pairs)


def elements_payload(elements):
    """A list's or a set's payload."""
    return struct.pack("<I", len(elements)) + items(elements)


def put_object(key, kind, payload, expires=0):
    return struct.pack("<BI", 6, len(key)) + key + struct.pack("<BI", kind, len(payload)) + payload + struct.pack("<q", expires)


def edit(key, action, elements):
    return struct.pack("<BI", 7, len(key)) + key + struct.pack("<BI", action, len(elements)) + items(elements)


def select(database):
    return struct.pack("<BI", 8, database)


def record(lsn, ops, timestamp=1_700_000_000_000):
    body = struct.pack("<QqI", lsn, timestamp, len(ops)) + b"".join(ops)
    return struct.pack("<II", len(body), crc32c(body)) + body


def segment_header(first_lsn):
    head = b"KVLG" + struct.pack("<IQQQ", 1, HISTORY[0], HISTORY[1], first_lsn)
    return head + struct.pack("<I", crc32c(head))


def snapshot_v2(entries, lsn=7):
    """Format 2: lineage in the header; entries (database, key, expires, kind, value bytes)."""
    head = b"KVSN" + struct.pack("<IQQQQI", 2, HISTORY[0], HISTORY[1], lsn, len(entries), 1) + struct.pack("<QQ", 1, 1)
    head += struct.pack("<I", crc32c(head))
    body = b""
    for database, k, e, kind, v in entries:
        body += struct.pack("<I", len(k)) + k + struct.pack("<q", e)
        body += struct.pack("<BI", kind | 0x80, database) if database else struct.pack("<B", kind)
        body += struct.pack("<I", len(v)) + v
    return head + body + b"KVSE" + struct.pack("<QI", len(entries), crc32c(body))


def snapshot(entries, lsn=7, count=None):
    head = b"KVSN" + struct.pack("<IQQQQ", 1, HISTORY[0], HISTORY[1], lsn, len(entries) if count is None else count)
    head += struct.pack("<I", crc32c(head))
    body = b"".join(struct.pack("<I", len(k)) + k + struct.pack("<I", len(v)) + v + struct.pack("<q", e) for k, v, e in entries)
    return head + body + b"KVSE" + struct.pack("<QI", len(entries), crc32c(body))


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def heartbeat(lsn, time, ack):
    return struct.pack("<BQqB", 2, lsn, time, 1 if ack else 0)


def chunked(payload, cuts=(), flags=0):
    """The ChunkedInput format: flags and cut count, cut lengths - 1, payload."""
    assert len(cuts) < 8
    return bytes([(flags << 3) | len(cuts)] + [c - 1 for c in cuts]) + payload


def write(target, name, data):
    directory = os.path.join(ROOT, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


RECORDS = [
    record(1, [put(b"greeting", b"hello")]),
    record(2, [put(b"k", b"v", 1_800_000_000_000), delete(b"gone")]),
    record(3, [expire(b"k", 1_900_000_000_000), expire(b"k", 0)]),
    record(4, [flush_all()]),
    record(5, []),
    record(6, [put(b"", b""), put(b"\x00\xff", b"x" * 300)]),
    record(7, [put_object(b"h", 1, hash_payload([(b"f", b"v"), (b"g", b"w" * 70)])),
               put_object(b"l", 2, elements_payload([b"a", b"b"])), put_object(b"s", 3, elements_payload([b"1", b"x"])),
               put_object(b"z", 4, zset_payload([(1.5, b"m"), (2.0, b"n")]), 1_800_000_000_000)]),
    record(8, [edit(b"h", 1, [b"f", b"v2"]), edit(b"h", 2, [b"g"]), edit(b"l", 10, [b"c"]), edit(b"l", 13, [b"1"]),
               edit(b"l", 15, [b"1", b"x"]), edit(b"s", 20, [b"y"]), edit(b"z", 30, [struct.pack("<d", 3.0), b"o"])]),
    record(9, [select(3), put(b"k", b"in-db-3"), b"\x09", select(0), struct.pack("<BII", 10, 0, 3)]),
]
PAYLOADS = {
    "hash": b"\x01" + hash_payload([(b"f", b"v"), (b"g", b"w")]),
    "hash-long": b"\x01" + hash_payload([(b"f%d" % i, b"v" * (i % 80)) for i in range(140)]),
    "list": b"\x02" + elements_payload([b"a", b"", b"c" * 100]),
    "set-ints": b"\x03" + elements_payload([b"1", b"-7", b"300000"]),
    "set": b"\x03" + elements_payload([b"x", b"y"]),
    "zset": b"\x04" + zset_payload([(-1.0, b"a"), (float("inf"), b"b")]),
    "hash-duplicate": b"\x01" + hash_payload([(b"f", b"v"), (b"f", b"w")]),
    "bad-count": b"\x03" + struct.pack("<I", 1000) + items([b"x"]),
}
ENTRIES = [(b"a", b"1", 0), (b"counter", b"42", 1_800_000_000_000), (b"", b"", 0), (b"big", b"v" * 200, 0)]


def main():
    # Log records: frames as they sit in a segment (no chunk prefix).
    for i, r in enumerate(RECORDS):
        write("FuzzLogRecord", "record-%d" % (i + 1), r)
        write("FuzzLogRecord", "body-%d" % (i + 1), r[8:])
    write("FuzzLogRecord", "records-all", b"".join(RECORDS))
    write("FuzzLogRecord", "torn", b"".join(RECORDS)[:-5])
    write("FuzzLogRecord", "bad-length", struct.pack("<II", 0xFFFFFFFF, 0) + RECORDS[0][8:])
    write("FuzzLogRecord", "unknown-op", record(9, [b"\x0b"]))
    for name, data in PAYLOADS.items():
        write("FuzzValuePayload", name, data)

    # Segments: the whole file.
    write("FuzzSegment", "empty", segment_header(1))
    write("FuzzSegment", "records", segment_header(1) + b"".join(RECORDS))
    write("FuzzSegment", "torn-tail", segment_header(1) + b"".join(RECORDS)[:-3])
    bad = bytearray(segment_header(1) + b"".join(RECORDS))
    bad[60] ^= 0xFF
    write("FuzzSegment", "corrupt-middle", bytes(bad))
    write("FuzzSegment", "bad-magic", b"KVLX" + segment_header(1)[4:])

    # Snapshots and clones (chunked input).
    snapshots = {
        "empty": snapshot([]),
        "entries": snapshot(ENTRIES),
        "count-mismatch": snapshot(ENTRIES, count=3),
        "trailing": snapshot(ENTRIES[:1]) + b"x",
        "truncated": snapshot(ENTRIES)[:-7],
        "v2-types": snapshot_v2([(0, b"s", 0, 0, b"text"), (0, b"h", 0, 1, PAYLOADS["hash"][1:]),
                                 (2, b"l", 1_800_000_000_000, 2, PAYLOADS["list"][1:]), (15, b"z", 0, 4, PAYLOADS["zset"][1:])]),
    }
    for target in ("FuzzSnapshot", "FuzzCloneWriter"):
        for name, data in snapshots.items():
            write(target, name, chunked(data))
            write(target, name + "-chunked", chunked(data, (1, 5, 44, 17)))
        write(target, "header-fixed", chunked(snapshot(ENTRIES)[:40] + b"\0\0\0\0" + snapshot(ENTRIES)[44:], flags=1))

    # RESP commands.
    commands = {
        "set": resp("SET", "k", "v"),
        "get": resp("GET", "k"),
        "mset": resp("MSET", "a", "1", "b", "2", "c", "3"),
        "pipeline": resp("SET", "k", "v") + resp("INCR", "n") + resp("GET", "k"),
        "empty-arrays": b"*0\r\n*-1\r\n" + resp("PING"),
        "binary": resp("SET", b"\x00\r\n", b"\xff" * 40),
        "inline": b"SET greeting \"hello world\"\r\nGET greeting\n",
        "inline-escapes": b"SET k \"a\\x41\\n\\t\\\"\" 'it\\'s'\r\n",
        "inline-unbalanced": b"SET k \"open\r\n",
        "blank-lines": b"\r\n\n   \r\nPING\r\n",
        "bad-count": b"*x\r\n",
        "bad-dollar": b"*1\r\n:1\r\n",
        "huge-bulk": b"*1\r\n$99999999999\r\n",
        "no-terminator": b"*1\r\n$1\r\nab",
    }
    for name, data in commands.items():
        write("FuzzRESPCommand", name, chunked(data))
    write("FuzzRESPCommand", "pipeline-chunked", chunked(commands["pipeline"], (1, 3, 7)))
    write("FuzzRESPCommand", "auth-limits", chunked(resp("AUTH", "secret") + resp(*(["MSET"] + ["x"] * 12)), flags=1))
    write("FuzzRESPCommand", "small-limits", chunked(resp("SET", "k", "v" * 20), (2,), flags=2))

    # RESP replies (RESP2 and RESP3).
    replies = {
        "simple": b"+OK\r\n-ERR wrong\r\n:42\r\n:-7\r\n",
        "bulk": b"$5\r\nhello\r\n$0\r\n\r\n$-1\r\n",
        "array": b"*3\r\n$3\r\nfoo\r\n:1\r\n*1\r\n+nested\r\n*-1\r\n*0\r\n",
        "resp3": b"%2\r\n+a\r\n:1\r\n+b\r\n#t\r\n~2\r\n_\r\n,3.25\r\n>2\r\n+push\r\n(12345678901234567890\r\n",
        "attribute": b"|1\r\n+key\r\n+val\r\n:5\r\n",
        "verbatim": b"=15\r\ntxt:Some string\r\n!10\r\nERR failed\r\n",
        "doubles": b",inf\r\n,-inf\r\n,nan\r\n,1e300\r\n",
        "info": b"$40\r\n# Replication\r\nrole:master\r\nlsn:12\r\n\r\n",
        "bad-type": b"?what\r\n",
        "bad-verbatim": b"=3\r\ntxt\r\n",
        "deep": b"*1\r\n" * 70 + b":1\r\n",
    }
    for name, data in replies.items():
        write("FuzzRESPValue", name, chunked(data))
    write("FuzzRESPValue", "array-chunked", chunked(replies["array"], (2, 9)))
    write("FuzzRESPValue", "small-limits", chunked(b"$70\r\n" + b"x" * 70 + b"\r\n", flags=1))

    # The replica's side of a stream.
    stream = b"+STREAM %s 0\r\n" % HISTORY_TEXT.encode()
    frames = b"".join(b"\x01" + r for r in RECORDS[:5]) + heartbeat(5, 1_700_000_000_000, True)
    write("FuzzReplicationStream", "stream", chunked(stream + frames))
    write("FuzzReplicationStream", "stream-chunked", chunked(stream + frames, (3, 20, 64)))
    write("FuzzReplicationStream", "auth-then-stream", chunked(b"+OK\r\n" + stream + frames, flags=1))
    write("FuzzReplicationStream", "auth-refused", chunked(b"-WRONGPASS invalid\r\n", flags=1))
    write("FuzzReplicationStream", "resync-history", chunked(b"-KVRESYNC history %s\r\n" % HISTORY_TEXT.encode()))
    write("FuzzReplicationStream", "resync-compacted", chunked(b"-KVRESYNC compacted 17\r\n"))
    write("FuzzReplicationStream", "resync-ahead", chunked(b"-KVRESYNC ahead 3\r\n"))
    write("FuzzReplicationStream", "gap", chunked(stream + b"\x01" + RECORDS[0] + b"\x01" + RECORDS[2]))
    write("FuzzReplicationStream", "bad-kind", chunked(stream + b"\x07"))
    write("FuzzReplicationStream", "bad-flags", chunked(stream + heartbeat(1, 2, False)[:-1] + b"\x02"))
    write("FuzzReplicationStream", "heartbeats", chunked(stream + heartbeat(0, 1, False) + heartbeat(0, 2, True)))

    # What a replica sends up its stream.
    acks = {
        "acks": resp("KV.ACK", "1") + resp("kv.ack", "18446744073709551615"),
        "empty": b"*0\r\n" + resp("KV.ACK", "2"),
        "not-an-ack": resp("SET", "k", "v"),
        "inline": b"KV.ACK 3\r\n",
        "bad-lsn": resp("KV.ACK", "-1"),
        "too-long": b"*1\r\n$65\r\n",
    }
    for name, data in acks.items():
        write("FuzzStreamAck", name, chunked(data))
    write("FuzzStreamAck", "acks-chunked", chunked(acks["acks"] * 3, (1, 2, 5)))

    # HTTP requests.
    requests = {
        "healthz": b"GET /healthz HTTP/1.1\r\nHost: kv\r\n\r\n",
        "readyz-head": b"HEAD /readyz HTTP/1.1\r\nHost: kv\r\n\r\n",
        "metrics": b"GET /metrics HTTP/1.0\r\n\r\n",
        "status": b"GET /status HTTP/1.1\r\nHost: kv\r\nConnection: close\r\n\r\n",
        "put-get-delete": b"PUT /v1/kv/greeting?ttl=100 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
        b"GET /v1/kv/greeting HTTP/1.1\r\nKV-Min-LSN: 1\r\nKV-Max-Wait: 0.5\r\n\r\n"
        b"DELETE /v1/kv/greeting HTTP/1.1\r\n\r\n",
        "percent": b"GET /v1/kv/a%20b%ZZ HTTP/1.1\r\n\r\nGET /v1/kv/%41%4 HTTP/1.1\r\n\r\n",
        "min-lsn-wait": b"GET /v1/kv/k HTTP/1.1\r\nKV-Min-LSN: 999\r\nKV-Max-Wait: 3600\r\n\r\n",
        "staleness": b"GET /v1/kv/k HTTP/1.1\r\nKV-Max-Staleness: 1.5\r\n\r\nGET /v1/kv/k HTTP/1.1\r\nKV-Max-Staleness: nan\r\n\r\n",
        "bad-ttl": b"POST /v1/kv/k?ttl=-1&x HTTP/1.1\r\nContent-Length: 1\r\n\r\nv",
        "chunked-body": b"PUT /v1/kv/c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        "too-large": b"PUT /v1/kv/big HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000,
        "method": b"PATCH /v1/kv/k HTTP/1.1\r\n\r\nOPTIONS * HTTP/1.1\r\n\r\n",
        "garbage": b"\x00\x01GET / HTTP/9.9\r\n\r\n",
    }
    for name, data in requests.items():
        write("FuzzHTTP", name, chunked(data))
    write("FuzzHTTP", "put-chunked", chunked(requests["put-get-delete"], (4, 11, 30)))
    write("FuzzHTTP", "auth", chunked(b"GET /status HTTP/1.1\r\nAuthorization: Bearer secret\r\n\r\n"
                                      b"PUT /v1/kv/k HTTP/1.1\r\nAuthorization: Bearer wrong\r\nContent-Length: 1\r\n\r\nv", flags=1))


if __name__ == "__main__":
    main()
    sys.exit(0)
