"""What the machine and PostgreSQL did during the load test's measured window.

- CPU: the machine's busy time from /proc/stat (every process, other people's work on a shared
  machine included), and the CPU time of groups of processes read from /proc/<pid>/stat once a
  second: the server (scripts/serve.sh and everything under it: nginx, gunicorn, the worker), the
  PostgreSQL backends serving the city's database (pg_stat_activity), those of the replica when
  there is one, and the load generator itself.
  A process that ends between two readings loses at most a second of its time.
- PostgreSQL: the city's database's row of pg_stat_database (transactions, rows read and written,
  blocks) and the scans of its tables (pg_stat_user_tables) at the start and the end, and
  pg_stat_statements' calls when the cluster loads it (shared_preload_libraries). PostgreSQL
  publishes a backend's counts within a second or so of its transactions, so the end is read after
  a short wait.
"""

import os
import threading
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
DATABASE_COUNTERS = (
    "xact_commit",
    "xact_rollback",
    "tup_returned",
    "tup_fetched",
    "tup_inserted",
    "tup_updated",
    "tup_deleted",
    "blks_read",
    "blks_hit",
)


def machine_ticks():
    """(busy, total) clock ticks of all cores since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]  # idle, iowait
    total = sum(fields)
    return total - idle, total


def process_ticks(pid):
    """(user + system ticks, parent pid) of a process, or None once it has gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
    return int(fields[11]) + int(fields[12]), int(fields[1])


def descendants(root):
    """`root` and every process under it."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            read = process_ticks(int(entry.name))
            if read is not None:
                parents[int(entry.name)] = read[1]
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in found]
        found.update(children)
        frontier.extend(children)
    return found


class CpuSampler(threading.Thread):
    """Once a second, the CPU ticks of each process of each group, kept from the window's start."""

    def __init__(self, server_pid, backend_pids, replica_pids=None):
        super().__init__(name="cpu-sampler", daemon=True)
        self.server_pid = server_pid
        self.backend_pids = backend_pids  # a function returning the pids of the city's backends
        self.replica_pids = replica_pids  # the same on the replica, or None without one
        self.lock = threading.Lock()
        self.first = {}  # (group, pid) → ticks when first seen in the window (0 if started in it)
        self.last = {}
        self.halt = threading.Event()
        self.window = None

    def _groups(self):
        groups = {"server": descendants(self.server_pid), "PostgreSQL": set(self.backend_pids())}
        if self.replica_pids:
            groups["PostgreSQL replica"] = set(self.replica_pids())
        return groups

    def _read(self, started_in_window):
        for group, pids in self._groups().items():
            for pid in pids:
                read = process_ticks(pid)
                if read is None:
                    continue
                with self.lock:
                    self.first.setdefault((group, pid), 0 if started_in_window else read[0])
                    self.last[(group, pid)] = read[0]

    def begin(self):
        with self.lock:
            self.first, self.last = {}, {}
        self._read(started_in_window=False)
        self.window = (time.monotonic(), machine_ticks(), time.process_time())

    def run(self):
        while not self.halt.wait(1.0):
            if self.window is not None:
                self._read(started_in_window=True)

    def end(self):
        """{name: cores used on average} over the window since begin()."""
        self._read(started_in_window=True)
        self.halt.set()
        started, (busy0, total0), own0 = self.window
        seconds = time.monotonic() - started
        busy1, total1 = machine_ticks()
        used = {"machine": (busy1 - busy0) / TICK / seconds, "machine share": (busy1 - busy0) / (total1 - total0)}
        with self.lock:
            for group in ("server", "PostgreSQL", "PostgreSQL replica"):
                if group == "PostgreSQL replica" and not self.replica_pids:
                    continue
                ticks = sum(self.last[key] - self.first[key] for key in self.last if key[0] == group)
                used[group] = ticks / TICK / seconds
        used["load generator"] = (time.process_time() - own0) / seconds
        return used


class DatabaseCounters:
    """pg_stat_database of one database (and pg_stat_statements' calls, if loaded), read on demand."""

    def __init__(self, url, name):
        import psycopg2

        self.name = name
        self.connection = psycopg2.connect(url.replace("postgres://", "postgresql://", 1))
        self.connection.autocommit = True
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.own_pid = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'")
            installed = cursor.fetchone()[0]
            cursor.execute("SHOW shared_preload_libraries")
            self.statements = bool(installed) and "pg_stat_statements" in cursor.fetchone()[0]

    def backend_pids(self):
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> %s", [self.name, self.own_pid]
            )
            return [row[0] for row in cursor.fetchall()]

    def read(self):
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                f"SELECT {', '.join(DATABASE_COUNTERS)} FROM pg_stat_database WHERE datname = %s", [self.name]
            )
            values = dict(zip(DATABASE_COUNTERS, cursor.fetchone(), strict=True))
            # Scans of the city's tables (sequential and by index): the reads themselves, which a
            # replica takes off the primary, where transactions also count the writes.
            cursor.execute("SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) FROM pg_stat_user_tables")
            values["scans"] = int(cursor.fetchone()[0])
            if self.statements:
                cursor.execute(
                    "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
                    "WHERE d.datname = %s",
                    [self.name],
                )
                values["statements"] = int(cursor.fetchone()[0])
        return values

    def close(self):
        self.connection.close()


def counter_rates(before, after, seconds):
    """Per-second rates of each counter between two reads."""
    return {key: (after[key] - before[key]) / seconds for key in after}
