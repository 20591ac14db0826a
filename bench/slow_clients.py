"""Slow clients against the way `make run` serves govgrid.

    .venv/bin/python bench/slow_clients.py                     # 200 slow connections, about 90 s
    .venv/bin/python bench/slow_clients.py --slow 400 --seconds 20

Two servers are started on free loopback ports, both on the demo database with the same number of
gunicorn sync workers (3, as `make run`):

- govgrid: scripts/serve.sh, nginx in front of gunicorn (what `make run` starts);
- the peer: gunicorn alone, as `make run` served before nginx was put in front.

For each, a normal page (/accounts/login/) is fetched one request after another, first with no other
traffic, then while --slow connections send their headers one byte every few seconds and never
finish them (a client on a bad network, or a slow-loris attack). A connection that the server closes
is opened again at once, so the number stays at --slow. Each fetch waits at most --timeout seconds.
The figures are the median and the slowest fetch, and the ratio of the median under slow clients to
the median without; a fetch that timed out counts as --timeout seconds.

Appends its figures to bench/results.md.
"""

import argparse
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
PAGE = "/accounts/login/"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(base, process, seconds=40):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{base} ended before answering")
        try:
            urlopen(base + PAGE, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{base} did not answer within {seconds} s")


def start_ours(port, workers):
    env = dict(
        os.environ,
        BIND=f"127.0.0.1:{port}",
        BACKEND_BIND=f"127.0.0.1:{free_port()}",
        WORKERS=str(workers),
        SWEEP_EVERY="3600",
    )
    return subprocess.Popen(
        ["scripts/serve.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def start_peer(port, workers):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "govgrid.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "--no-control-socket",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process):
    try:
        os.killpg(process.pid, 15)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


class SlowClients:
    """Keeps `count` connections open, each sending its request headers one byte every `drip` s."""

    def __init__(self, port, count, drip=2.0):
        self.port, self.count, self.drip = port, count, drip
        self.stopping = threading.Event()
        self.reopened = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def open_one(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        s.sendall(f"GET {PAGE} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
        return s

    def run(self):
        conns = []
        for _ in range(self.count):
            try:
                conns.append(self.open_one())
            except OSError:
                pass
        while not self.stopping.wait(self.drip):
            alive = []
            for s in conns:
                try:
                    s.sendall(b"X")
                    alive.append(s)
                except OSError:
                    s.close()
            while len(alive) < self.count and not self.stopping.is_set():
                try:
                    alive.append(self.open_one())
                    self.reopened += 1
                except OSError:
                    break
            conns = alive
        for s in conns:
            s.close()

    def __enter__(self):
        self.thread.start()
        time.sleep(self.drip * 2)  # every connection open and dripping before the first fetch
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join(timeout=30)


def fetch_times(base, seconds, timeout):
    times = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.monotonic()
        try:
            urlopen(base + PAGE, timeout=timeout).read()
            times.append(time.monotonic() - start)
        except OSError:
            times.append(float(timeout))
        time.sleep(0.1)
    return times


def measure(name, start, args):
    port = free_port()
    process = start(port, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        quiet = fetch_times(base, args.seconds / 2, args.timeout)
        with SlowClients(port, args.slow):
            loaded = fetch_times(base, args.seconds, args.timeout)
    finally:
        stop(process)
    row = {
        "name": name,
        "quiet": statistics.median(quiet),
        "median": statistics.median(loaded),
        "slowest": max(loaded),
        "timeouts": sum(1 for t in loaded if t >= args.timeout),
        "fetches": len(loaded),
    }
    row["ratio"] = row["median"] / row["quiet"]
    print(
        f"{name}: quiet median {row['quiet'] * 1000:.1f} ms; with {args.slow} slow connections median "
        f"{row['median'] * 1000:.1f} ms, slowest {row['slowest'] * 1000:.1f} ms, "
        f"{row['timeouts']} of {row['fetches']} timed out; ×{row['ratio']:.1f}",
        flush=True,
    )
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slow", type=int, default=200, help="slow connections kept open (200)")
    parser.add_argument("--seconds", type=float, default=30, help="fetching time under load, s (30)")
    parser.add_argument("--timeout", type=float, default=5, help="longest wait for one fetch, s (5)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers in both (3)")
    args = parser.parse_args()
    rows = [
        measure("nginx → gunicorn (make run)", start_ours, args),
        measure("gunicorn alone (peer)", start_peer, args),
    ]
    ours, peer = rows
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"\n### slow_clients.py, {stamp}\n",
        f"`.venv/bin/python bench/slow_clients.py --slow {args.slow} --seconds {args.seconds:g} "
        f"--timeout {args.timeout:g} --workers {args.workers}`\n",
        "| server | median, quiet (ms) | median, slow clients (ms) | slowest (ms) | timed out | × quiet |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['quiet'] * 1000:.1f} | {r['median'] * 1000:.1f} | "
            f"{r['slowest'] * 1000:.1f} | {r['timeouts']} of {r['fetches']} | {r['ratio']:.1f} |"
        )
    if peer["timeouts"] == peer["fetches"]:
        lines.append(f"\nUnder slow clients the peer answered none of its fetches within {args.timeout:g} s.\n")
    else:
        lines.append(
            f"\nUnder slow clients, govgrid's median fetch is {peer['median'] / ours['median']:.0f}× "
            "faster than the peer's.\n"
        )
    with open(ROOT / "bench" / "results.md", "a") as out:
        out.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
