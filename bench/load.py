"""Whole-system load test: a mix of users at once against govgrid served as in production.

    .venv/bin/python bench/load.py [--size demo|50k] [--duration 120] [--warmup 20] [--users 20]
                                   [--workers 2] [--threads 4] [--replica [URL]] [--no-record]

The city (bench/load_city.py) is built once in a database of its own and reused: the 514-grid demo
(govgrid_load_demo) or a 50,000-grid city with 2,000,000 cases and about a million people
(govgrid_load50k). It is served the way `make run` serves it: scripts/serve.sh (nginx on a free
loopback port 8200-8299 in front of gunicorn on 8100-8199, and the worker), with --workers gunicorn
workers of --threads threads each, DEBUG off, the demo's coverage rules as `make run` sets them.
Then --users users (bench/load_users.py: phones reporting cases with photos, dispatchers working
their queues, leaders opening the dashboard and maps, analysts exporting; their weights and think
times are in that module's docstring) act at once, each a real HTTP client, for --warmup seconds
unmeasured and --duration seconds measured. For each page or endpoint: requests, p50/p95/p99, errors
(no answer, or a status other than the step expects); the CPU of the machine, of the server's
processes, of PostgreSQL's backends and of the load generator (bench/load_measure.py); PostgreSQL's
transactions and rows of the city's database, and pg_stat_statements' calls when the cluster loads it.

--replica: the mix runs twice, first served without a replica, then with a hot standby of the local
cluster (scripts/standby.sh: pg_basebackup -R, streaming replication, on a free loopback port; removed
at the end) given to the served app as GOVGRID_DATABASE_REPLICA_URLS. --replica URL names a replica
that runs already instead. The report sets side by side the primary's counts without and with the
replica and the replica's own (pg_stat_statements' calls where the cluster loads it, else
pg_stat_database's transactions and rows, and the scans of the city's tables): the reads a replica
takes leave the primary.

The table (with the command) is appended to bench/results.md, with each page's growth from demo to
50k against the last recorded run at the other size served alike (bench/load_report.py). Any answer 500 or above is a
finding: the server's tracebacks are printed and kept in var/load/<database>/errors-<time>.txt.
The cases the phones reported are removed at the end; what the dispatchers did to the city's cases
stays (a few hundred actions a run among the city's cases).
"""

import argparse
import io
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load_city  # noqa: E402
from load_client import Client, Recorder  # noqa: E402
from load_measure import CpuSampler, DatabaseCounters, counter_rates  # noqa: E402
from load_report import report, without_password  # noqa: E402
from load_users import MARK, City, split_users, start_users, stop_users  # noqa: E402

ROOT = load_city.ROOT
HOST = "127.0.0.1"  # loopback only
APP_PORTS, NGINX_PORTS = range(8100, 8200), range(8200, 8300)
ACCOUNTS = ("leader", "analyst", "community_dispatcher", "street_dispatcher")
DISTRICT = "411381"
SERVER_START_S = 120
STANDBY_CATCH_UP_S = 300  # a standby copied from a busy 50,000-grid cluster replays for a while
LOCAL_STANDBY = "standby"  # --replica without a URL: start one (scripts/standby.sh)


def log(message):
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


# --- the city the users need ---------------------------------------------------------------------


def prepare_city(phones, seed):
    """Passwords for this run, the phones' grid workers and tokens, and the codes the users visit."""
    import numpy as np
    from django.contrib.auth import get_user_model
    from django.contrib.gis.db.models import Extent

    from grids.models import Area, Level
    from incidents.models import Category

    remove_bench_rows()
    passwords = {}
    for username in ACCOUNTS:
        user = get_user_model().objects.get(username=username)
        passwords[username] = os.urandom(12).hex()
        user.set_password(passwords[username])
        user.save()
    reporters = _intake().prepare_reporters(phones, points_each=20, seed=seed)
    areas = Area.objects.within(DISTRICT)
    rng = random.Random(seed)
    grids = list(areas.grids().values_list("code", flat=True))
    return City(
        district=DISTRICT,
        streets=list(
            areas.filter(level=Level.STREET, children__isnull=False).distinct().values_list("code", flat=True)
        ),
        communities=list(areas.filter(level=Level.COMMUNITY).values_list("code", flat=True)),
        grids=rng.sample(grids, min(2000, len(grids))),
        extent=Area.objects.filter(code=DISTRICT).aggregate(e=Extent("geom"))["e"],
        categories=list(Category.objects.filter(parent__isnull=False, active=True).values_list("code", flat=True)),
        reporters=reporters,
        passwords=passwords,
        photo=phone_photo(np.random.default_rng(seed)),
    )


def _intake():
    """bench/intake.py, for its grid workers with tokens (it chooses its own settings module when
    imported; this bench serves the plain govgrid settings, so that choice is undone)."""
    settings_module = os.environ["DJANGO_SETTINGS_MODULE"]
    import intake

    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    return intake


def phone_photo(rng):
    """A JPEG as a phone sends it after its own compression: 1280 × 960, about 150 KB."""
    import numpy as np
    from PIL import Image

    y, x = np.mgrid[0:960, 0:1280]
    pixels = (rng.normal(0, 12, (960, 1280, 3)) + (x[..., None] * 0.12 + y[..., None] * 0.08 + 60)).clip(0, 255)
    out = io.BytesIO()
    Image.fromarray(pixels.astype("uint8")).save(out, "JPEG", quality=70)
    return out.getvalue()


def remove_bench_rows():
    """The cases the phones reported in an earlier run (with their events and photos), and their logins."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from incidents.models import Incident, purge_incidents

    with transaction.atomic():
        purge_incidents(Incident.objects.filter(description__endswith=MARK))
        get_user_model().objects.filter(username__startswith=_intake().REPORTER_PREFIX).delete()


def city_facts():
    from grids.models import Area, Person
    from incidents.models import Incident

    return {
        "grids": Area.objects.within(DISTRICT).grids().count(),
        "cases": Incident.objects.count(),
        "people": Person.objects.count(),
    }


# --- the server ------------------------------------------------------------------------------------


def free_port(ports):
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    raise SystemExit(f"no free port in {ports.start}-{ports.stop - 1}")


def coverage_rules_of_make_run():
    """The coverage rules `make run` serves the demo with (the Makefile's DEMO_COVERAGE_RULES)."""
    found = re.search(r"^DEMO_COVERAGE_RULES = (.+)$", (ROOT / "Makefile").read_text(), re.M)
    return found.group(1).strip() if found else ""


class Server:
    """scripts/serve.sh on free loopback ports: nginx → gunicorn (workers × threads) and the worker."""

    def __init__(self, database, workers, threads, replica=None):
        self.database = database
        self.nginx_port = free_port(NGINX_PORTS)
        self.app_port = free_port(APP_PORTS)
        self.log_path = ROOT / "var" / "load" / database / f"serve-{datetime.now(UTC):%Y%m%dT%H%M%S}.log"
        env = {
            **load_city.server_env(database),
            "BIND": f"{HOST}:{self.nginx_port}",
            "BACKEND_BIND": f"{HOST}:{self.app_port}",
            "WORKERS": str(workers),
            "THREADS": str(threads),
            "GOVGRID_COVERAGE_RULES": os.environ.get("GOVGRID_COVERAGE_RULES", coverage_rules_of_make_run()),
        }
        if replica:
            env["GOVGRID_DATABASE_REPLICA_URLS"] = replica
        else:
            env.pop("GOVGRID_DATABASE_REPLICA_URLS", None)
        self.env = env

    def start(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_file = open(self.log_path, "w")  # noqa: SIM115  (open while the server runs)
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / "serve.sh")],
            cwd=ROOT,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"scripts/serve.sh ended ({self.process.returncode}):\n{self.log_tail()}")
            try:
                with socket.create_connection((HOST, self.nginx_port), timeout=1):
                    pass
                probe = Client(HOST, self.nginx_port, Recorder()).get("probe", "/accounts/login/")
                if probe is not None and probe.status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise SystemExit(f"the server did not answer within {SERVER_START_S} s:\n{self.log_tail()}")

    def stop(self):
        """serve.sh stops nginx, gunicorn and the worker when it gets SIGTERM; its group if it does not."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log_file.close()

    def log_tail(self, lines=30):
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def tracebacks(self):
        """The server's tracebacks (Django logs each 500 with one) and gunicorn's worker time-outs,
        each once, with how often: [[text, count], ...]."""
        blocks, current = [], None
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith(("Internal Server Error", "Error handling request")) or "WORKER TIMEOUT" in line:
                current = [line]
                blocks.append(current)
            elif current is not None and not _LOG_LINE.match(line):
                current.append(line)  # the traceback, chained exceptions included
            else:
                current = None
        counted = {}
        for block in blocks:
            text = "\n".join(block).strip()
            key = re.sub(r"\d+", "N", text.splitlines()[-1])  # the exception (or time-out), numbers aside
            counted.setdefault(key, [text, 0])[1] += 1
        return list(counted.values())


# A line of the server's log that is not part of a traceback: nginx's access log, gunicorn's own,
# the worker's messages.
_LOG_LINE = re.compile(r"^(\d+\.\d+\.\d+\.\d+ \[|\[\d{4}-|\d{4}-\d\d-\d\d |\x1b\[)")


# --- the replica ----------------------------------------------------------------------------------


class Standby:
    """A hot standby of the local cluster (the one load_city's databases live on) on a free loopback
    port, made and removed by scripts/standby.sh."""

    def __init__(self, database):
        self.database = database
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            self.port = probe.getsockname()[1]
        self.env = {**os.environ, "GOVGRID_PG_PORT": load_city.PORT, "GOVGRID_STANDBY_PORT": str(self.port)}

    def url(self):
        return load_city.database_url(self.database, port=self.port)

    def script(self, command):
        done = subprocess.run(
            [str(ROOT / "scripts" / "standby.sh"), command], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"scripts/standby.sh {command} failed:\n{done.stderr}")

    def start(self):
        log(f"a hot standby of 127.0.0.1:{load_city.PORT} on 127.0.0.1:{self.port} (scripts/standby.sh)")
        started = time.monotonic()
        self.script("start")
        self.wait_caught_up()
        log(f"  copied and caught up in {time.monotonic() - started:.0f} s")
        return self

    def wait_caught_up(self):
        """Until the standby has replayed everything the primary had written when asked."""
        import psycopg2

        def position(url, sql):
            with psycopg2.connect(url.replace("postgres://", "postgresql://", 1)) as conn, conn.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchone()[0]

        target = position(load_city.database_url(self.database), "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
        deadline = time.monotonic() + STANDBY_CATCH_UP_S
        while (position(self.url(), "SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn") or 0) < target:
            if time.monotonic() > deadline:
                raise SystemExit(f"the standby did not catch up within {STANDBY_CATCH_UP_S} s")
            time.sleep(0.5)

    def remove(self):
        self.script("remove")


def count_statements(database):
    """pg_stat_statements in the city's database when the cluster loads it (scripts/pg.sh's clusters
    do), so that both servers' statement counts can be read; the standby takes it from the primary."""
    import psycopg2

    with psycopg2.connect(load_city.database_url(database).replace("postgres://", "postgresql://", 1)) as conn:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SHOW shared_preload_libraries")
            if "pg_stat_statements" in cursor.fetchone()[0]:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")


# --- one run ------------------------------------------------------------------------------------


def run_mix(args, city, database, replica=None):
    """Serve, run the users (warm-up, then the measured window) and return what was measured."""
    server = Server(database, args.workers, args.threads, replica).start()
    log(
        f"served: nginx {HOST}:{server.nginx_port} → gunicorn {HOST}:{server.app_port} "
        f"({args.workers} × {args.threads} threads){' with replica ' + without_password(replica) if replica else ''}"
    )
    counters = DatabaseCounters(load_city.database_url(database), database)
    # The replica's own counts: what it served is what the primary did not.
    replica_counters = DatabaseCounters(replica, database) if replica else None
    sampler = CpuSampler(server.process.pid, counters.backend_pids, replica_counters and replica_counters.backend_pids)
    recorder = Recorder()
    counts = split_users(args.users)
    try:
        threads, stop = start_users(counts, city, HOST, server.nginx_port, recorder, args.seed)
        log(f"{sum(counts.values())} users: {counts}; warm-up {args.warmup} s")
        time.sleep(args.warmup)
        sampler.start()
        sampler.begin()
        load_before = os.getloadavg()[0]
        before = counters.read()
        replica_before = replica_counters.read() if replica_counters else None
        recorder.begin()
        started = time.monotonic()
        log(f"measuring for {args.duration} s")
        time.sleep(args.duration)
        recorder.end()
        seconds = time.monotonic() - started
        cpu = sampler.end()
        time.sleep(2)  # PostgreSQL publishes each backend's counts within about a second
        database_rates = counter_rates(before, counters.read(), seconds)
        replica_rates = counter_rates(replica_before, replica_counters.read(), seconds) if replica_counters else None
        log("stopping the users (requests begun in the window are waited for)")
        stop_users(threads, stop)
    finally:
        counters.close()
        if replica_counters:
            replica_counters.close()
        server.stop()
    return {
        "seconds": seconds,
        "users": counts,
        "recorder": recorder,
        "cpu": cpu,
        "load average": (load_before, os.getloadavg()[0]),
        "database": database_rates,
        "replica database": replica_rates,
        "statements_available": counters.statements,
        "tracebacks": server.tracebacks(),
        "log": str(server.log_path),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=load_city.SIZES, default="demo")
    parser.add_argument("--database", help="the city's database (default: govgrid_load_demo or govgrid_load50k)")
    parser.add_argument("--duration", type=float, default=120, help="measured seconds (default 120)")
    parser.add_argument("--warmup", type=float, default=20, help="seconds before measuring (default 20)")
    parser.add_argument("--users", type=int, default=20, help="users at once (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument(
        "--replica",
        nargs="?",
        const=LOCAL_STANDBY,
        help="run once without a read replica and once with one: a hot standby started for the run "
        "(scripts/standby.sh), or the replica at URL",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-record", action="store_true", help="print the table without appending it")
    args = parser.parse_args()

    database = load_city.build(args.size, args.database)  # sets Django up on the city's database
    facts = city_facts()
    log(f"city: {facts['grids']:,} grids, {facts['cases']:,} cases, {facts['people']:,} people")
    city = prepare_city(split_users(args.users)["phone"], args.seed)
    count_statements(database)
    results, standby = [], None
    try:
        results.append(("without a replica" if args.replica else "", run_mix(args, city, database)))
        if args.replica:
            replica = args.replica
            if replica == LOCAL_STANDBY:
                standby = Standby(database).start()
                replica = standby.url()
            results.append(("with a replica", run_mix(args, city, database, replica)))
    finally:
        if standby:
            standby.remove()
        remove_bench_rows()
    report(args, facts, results)


if __name__ == "__main__":
    main()
