"""Benchmark: intake (POST /api/v1/incidents/) under concurrency, against a bare Django insert.

    .venv/bin/python bench/intake.py [--levels 1 8 32] [--requests 5000] [--seconds 15] [--workers N]

Both are served by one gunicorn on 127.0.0.1 (a free port), with bench/settings_bench.py: govgrid's
settings plus bench/bare, a view that reads {client_id, lon, lat} and inserts one row with a point
(no DRF, no login, no point-in-polygon). For each concurrency level the same load generator (threads
in this process, http.client) sends to the bare insert and to intake in turns (--rounds slices each,
together at most --requests requests or --seconds seconds per view) and records every request's
latency. Every answer must be 201.

Intake reports come from --reporters grid workers spread over the city (the demo's people of grids
taken evenly through the grid codes, each given a login and a token), each report from one of them
at a random point inside that worker's grid, with a fresh client_id and a category item drawn from
all active ones (or --category), as a city's phones send them. Afterwards --retry-share of them are
sent again, unchanged: each must answer 200 with the case it got the first time, and the database
must hold exactly one case per client_id. Last, in-process, --profile-calls POSTs of each view are
timed with their SQL statements counted, and as many report_incident calls (the scope read through
the ORM, not with a token) run under cProfile, to show where intake's time goes.

Uses the govgrid_bench database (as bench/areas.py), migrated with the bench settings and loaded
with the 514-grid demo city and its people. The cases and bare rows it writes are deleted at the
end, so the other benches can replace the city. Appends its table to bench/results.md.
"""

import argparse
import cProfile
import http.client
import io
import json
import math
import os
import pstats
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_bench"
os.environ["GOVGRID_DEBUG"] = "0"  # served the way production is: no query log kept per request
sys.path.insert(0, str(Path(__file__).resolve().parent))
from areas import ROOT, record, setup_django  # noqa: E402  (sets DATABASE_URL to the bench database)

INTAKE = "/api/v1/incidents/"
BARE = "/bench/bare/points/"
TOKEN_BARE = "/bench/bare/token-points/"  # in-process only: the bare insert behind DRF's token login
DISTRICT = "411381"
HOST = "127.0.0.1"  # loopback only: the bench never listens anywhere else
REQUEST_TIMEOUT_S = 60
STARTUP_TIMEOUT_S = 60


# --- the database ------------------------------------------------------------------------------


def prepare_database(password):
    """Migrate, clear what an earlier run left, load the 514-grid demo city with its people and its
    year of cases (about 20,000: the duplicate search and the indexes work on a table in use)."""
    from django.core.management import call_command
    from django.db import connection

    from incidents.models import DailySequence, Incident, IncidentEvent

    call_command("migrate", verbosity=0)
    clear_bench_rows()
    os.environ["GOVGRID_DEMO_PASSWORD"] = password
    call_command("load_demo", "--replace", verbosity=0)
    # Deleting earlier runs' cases leaves their tables' indexes full of empty pages, which the next
    # run would walk (the bare insert's table is emptied by TRUNCATE, which leaves none): rebuilt,
    # every run measures the tables as a freshly loaded city has them.
    with connection.cursor() as cursor:
        for model in (Incident, IncidentEvent, DailySequence):
            cursor.execute(f"REINDEX TABLE {model._meta.db_table}")
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def clear_bench_rows():
    """Cases (with their events and photos) and bare rows: cases PROTECT their grids, so the demo
    city could not be replaced, by this bench or another, while they exist."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from bench.bare.models import BarePoint
    from incidents.models import DailySequence, Incident, purge_incidents

    with transaction.atomic():
        purge_incidents(Incident.objects.within(DISTRICT))
        DailySequence.objects.filter(district_code=DISTRICT).delete()
        get_user_model().objects.filter(username__startswith=REPORTER_PREFIX).delete()
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {BarePoint._meta.db_table}")


REPORTER_PREFIX = "bench_reporter_"


@dataclass
class Reporter:
    username: str
    token: str
    grid: str
    points: list


def prepare_reporters(count, points_each, seed):
    """`count` grid workers spread over the city: the people working the grids taken evenly through
    the grid codes, each given a login (bench_reporter_<grid>) and a token, with `points_each`
    random WGS84 points inside their grid (PostGIS ST_GeneratePoints, each checked with
    Area.objects.grid_at to fall in that grid)."""
    from django.contrib.auth import get_user_model
    from django.contrib.gis.geos import Point
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from grids.models import Area, Assignment, Role

    staffed = list(
        Assignment.objects.active()
        .filter(role=Role.GRID_WORKER, area__code__startswith=DISTRICT, person__user__isnull=True)
        .select_related("person", "area")
        .order_by("area__code")
    )
    step = max(1, len(staffed) // count)
    reporters = []
    for assignment in staffed[::step][:count]:
        grid = assignment.area
        user = get_user_model().objects.create_user(REPORTER_PREFIX + grid.code, first_name=assignment.person.name)
        assignment.person.user = user
        assignment.person.save(update_fields=["user"])
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT ST_X(d.geom), ST_Y(d.geom) FROM (SELECT (ST_Dump(ST_GeneratePoints(geom, %s, %s))).geom "
                f"FROM {Area._meta.db_table} WHERE id = %s) AS d",
                [points_each, seed, grid.id],
            )
            candidates = cursor.fetchall()
        points = []
        for lon, lat in candidates:
            found = Area.objects.grid_at(Point(lon, lat, srid=4326))
            if found is not None and found.code == grid.code:
                points.append((round(lon, 7), round(lat, 7)))
        if points:
            reporters.append(Reporter(user.username, Token.objects.create(user=user).key, grid.code, points))
    if not reporters:
        raise SystemExit("no staffed grid to report in")
    return reporters


def count_rows():
    from bench.bare.models import BarePoint
    from incidents.models import Incident

    # The bench's own cases: the demo's year of history is there too.
    return Incident.objects.within(DISTRICT).exclude(fingerprint="demo").count(), BarePoint.objects.count()


# --- gunicorn ----------------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn serving govgrid.wsgi with the bench settings on 127.0.0.1:<free port>."""

    def __init__(self, workers, timeout=REQUEST_TIMEOUT_S):
        self.workers = workers
        self.timeout = timeout  # seconds a request may take before gunicorn restarts its worker
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="bench-intake-gunicorn-", suffix=".log", delete=False)
        self.process = None

    def start(self):
        gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
        command = [
            str(gunicorn if gunicorn.exists() else Path(sys.executable).parent / "gunicorn"),
            "govgrid.wsgi:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--timeout",
            str(self.timeout),
            "--chdir",
            str(ROOT),
            "--no-control-socket",
        ]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            command, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", "/api/v1/categories/")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {STARTUP_TIMEOUT_S} s:\n{self.log_tail()}")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # the master stops its workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)  # its own session: the master and its workers only
                self.process.wait(timeout=10)
        self.log.close()

    def log_tail(self, lines=30):
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])

    def remove_log(self):
        Path(self.log.name).unlink(missing_ok=True)


# --- the load generator ------------------------------------------------------------------------


class Connection:
    """One client's HTTP connection, kept alive when the server allows it (gunicorn's sync workers
    close after every answer, so each request then opens its own connection, as a phone would)."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def post(self, path, body, headers):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT_S)
        try:
            self.conn.request("POST", path, body, headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as failed:
            self.close()
            return 0, repr(failed).encode()
        if response.will_close:
            self.close()
        return response.status, data

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run_load(port, path, bodies, concurrency, max_requests, max_seconds):
    """Send (body, headers) = bodies(the request's number) from `concurrency` threads until max_requests
    have been sent or max_seconds have passed. Returns (wall seconds, client CPU seconds, results as
    (number, latency in s, status, answer body))."""
    lock = threading.Lock()
    state = {"next": 0}
    results = []
    start = time.perf_counter()
    deadline = start + max_seconds

    def client():
        connection = Connection(port)
        mine = []
        try:
            while True:
                with lock:
                    number = state["next"]
                    if number >= max_requests or time.perf_counter() >= deadline:
                        break
                    state["next"] = number + 1
                body, headers = bodies(number)
                sent = time.perf_counter()
                status, answer = connection.post(path, body, headers)
                mine.append((number, time.perf_counter() - sent, status, answer))
        finally:
            connection.close()
            with lock:
                results.extend(mine)

    cpu = time.process_time()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max_seconds + 2 * REQUEST_TIMEOUT_S)
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError(f"{path}: a client thread did not finish")
    return time.perf_counter() - start, time.process_time() - cpu, sorted(results)


def percentile(sorted_values, q):
    """Nearest-rank percentile of an ascending list."""
    return sorted_values[max(0, min(len(sorted_values) - 1, math.ceil(q * len(sorted_values)) - 1))]


def summarise(elapsed, cpu, results, ok):
    latencies = sorted(latency for _n, latency, _s, _a in results)
    errors = [(status, answer.decode(errors="replace")) for _n, _l, status, answer in results if status not in ok]
    return {
        "requests": len(results),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "per_s": len(results) / elapsed,
        "p50": percentile(latencies, 0.50) * 1000,
        "p95": percentile(latencies, 0.95) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "client_cpu": cpu / elapsed,
    }


class Reports:
    """Requests: each from a reporter drawn at random, at a random point of their grid, with a
    fresh client_id and a category drawn from `categories`; intake requests are kept by client_id so
    that retries send exactly the same bytes with the same token."""

    JSON = {"Content-Type": "application/json"}

    def __init__(self, reporters, categories, seed):
        self.reporters = reporters
        self.categories = categories
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.intake_sent = {}  # client_id → (body, headers)

    def _draw(self):
        with self.lock:
            reporter = self.rng.choice(self.reporters)
            return reporter, self.rng.choice(reporter.points), self.rng.choice(self.categories)

    def intake(self, _number):
        reporter, (lon, lat), category = self._draw()
        client_id = str(uuid.uuid4())
        body = json.dumps(
            {
                "client_id": client_id,
                "category": category,
                "description": "路灯不亮 (bench)",
                "lon": lon,
                "lat": lat,
                "crs": "wgs84",
                "accuracy_m": 8.0,
            },
            ensure_ascii=False,
        ).encode()
        request = body, self.JSON | {"Authorization": f"Token {reporter.token}"}
        with self.lock:
            self.intake_sent[client_id] = request
        return request

    def bare(self, _number):
        _reporter, (lon, lat), _category = self._draw()
        return json.dumps({"client_id": str(uuid.uuid4()), "lon": lon, "lat": lat}).encode(), self.JSON


def cases_by_client_id(results):
    cases = {}
    for _n, _l, status, answer in results:
        if status in (200, 201):
            body = json.loads(answer)
            cases[body["client_id"]] = body["code"]
    return cases


# --- where intake's time goes ------------------------------------------------------------------


def profile_intake(reports, calls):
    """In-process, with the cases of the run still in the table: the whole POST of each view through
    Django's test client (no network), timed with its SQL statements and the time spent in them;
    then report_incident alone under cProfile. Returns (summary, the profile's text)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from incidents.intake import Report, report_incident

    client = Client(SERVER_NAME=HOST)

    def headers_of(request_headers):
        return {"HTTP_AUTHORIZATION": request_headers["Authorization"]} if "Authorization" in request_headers else {}

    def post_intake():
        body, headers = reports.intake(0)
        answer = client.post(INTAKE, body, content_type="application/json", **headers_of(headers))
        assert answer.status_code == 201, answer.content

    def post_bare():
        body, _headers = reports.bare(0)
        answer = client.post(BARE, body, content_type="application/json")
        assert answer.status_code == 201, answer.content

    def post_token_bare():
        body, _headers = reports.bare(0)
        _intake_body, headers = reports.intake(0)  # a reporter's token
        answer = client.post(TOKEN_BARE, body, content_type="application/json", **headers_of(headers))
        assert answer.status_code == 201, answer.content

    summary = {}
    for name, post in (("intake", post_intake), ("bare", post_bare), ("token_bare", post_token_bare)):
        post()  # warm
        sql = {"n": 0, "s": 0.0}

        def timed_sql(execute, *args, sql=sql):
            started = time.perf_counter()
            try:
                return execute(*args)
            finally:
                sql["n"] += 1
                sql["s"] += time.perf_counter() - started

        with connection.execute_wrapper(timed_sql):
            start = time.perf_counter()
            for _ in range(calls):
                post()
            elapsed = time.perf_counter() - start
        summary[name] = {
            "ms": elapsed * 1000 / calls,
            "sql_ms": sql["s"] * 1000 / calls,
            "statements": sql["n"] / calls,
        }

    reporter = reports.reporters[0]
    user = get_user_model().objects.get(username=reporter.username)
    # The first reporter's points in turn (report_incident is called as that user), categories drawn.
    rng = random.Random(len(reporter.points))
    direct = [
        Report(client_id=uuid.uuid4(), category=rng.choice(reports.categories), description="bench", lon=lon, lat=lat)
        for lon, lat in (reporter.points[n % len(reporter.points)] for n in range(calls))
    ]
    profiler = cProfile.Profile()
    profiler.enable()
    for report in direct:
        report_incident(user, report)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(
        r"govgrid|grids|incidents|execute|commit", 25
    )
    return summary, text.getvalue()


# --- the run -----------------------------------------------------------------------------------


def main():
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 8, 32], help="concurrent clients")
    parser.add_argument("--requests", type=int, default=5000, help="at most this many requests per level and view")
    parser.add_argument("--seconds", type=float, default=15, help="at most this long per level and view")
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers (2 × cores + 1)")
    parser.add_argument("--rounds", type=int, default=3, help="turns bare and intake take at each level")
    parser.add_argument("--reporters", type=int, default=50, help="grid workers spread over the city who report")
    parser.add_argument(
        "--category", default="all", help="category item code of the reports, or all: every active item at random"
    )
    parser.add_argument("--retry-share", type=float, default=0.1, help="share of intake reports sent again")
    parser.add_argument(
        "--profile-calls", type=int, default=200, help="in-process POSTs and report_incident calls profiled"
    )
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    if min(args.levels) < 1 or min(args.requests, args.workers, args.rounds) < 1 or args.seconds <= 0:
        parser.error("levels, --requests, --seconds, --workers and --rounds must be positive")

    setup_django(migrate=False)  # migrated below with the bench settings
    password = secrets.token_urlsafe(16)
    print("preparing govgrid_bench: migrate, 514-grid demo city with people and a year of cases", flush=True)
    prepare_database(password)
    from incidents.models import Category

    items = Category.objects.reportable()
    categories = list(items.values_list("code", flat=True)) if args.category == "all" else [args.category]
    if not items.filter(code__in=categories).exists():
        parser.error(f"--category {args.category}: no active category item has this code")
    reporters = prepare_reporters(args.reporters, 40, args.seed)
    print(
        f"{len(reporters)} reporters in grids {reporters[0].grid} … {reporters[-1].grid}, "
        f"{sum(len(r.points) for r in reporters)} report locations, {len(categories)} categories",
        flush=True,
    )
    from django.db import connection

    connection.close()  # not held open, idle, while the server is measured

    try:
        reports = Reports(reporters, categories, args.seed)
        rows, checks = serve_and_measure(args, reports)
        profile, profile_text = profile_intake(reports, args.profile_calls)
        print(profile_text)
    finally:
        clear_bench_rows()  # also after a failure: the cases would keep the city from being replaced

    failed = [r["level"] for r in rows for name in ("bare", "intake") if r[name]["errors"]]
    ok = (
        checks["same_case"] == checks["retried"]
        and checks["incidents"] == checks["client_ids"]
        and checks["bare_rows"] == checks["bare_created"]
    )
    verdict = f"errors at levels {failed}; retries and counts {'right' if ok else 'WRONG'}"
    table = results_table(args, cores, rows, checks, profile, reports)
    record(table if not failed and ok else f"{table}**This run failed its checks: {verdict}.**\n")
    if failed or not ok:
        raise SystemExit(verdict)


def serve_and_measure(args, reports):
    """Start gunicorn, run every level and the retries, stop it. Returns (rows, checks)."""
    server = Gunicorn(args.workers)
    try:
        server.start()
        print(f"gunicorn: {args.workers} workers on {HOST}:{server.port}", flush=True)
        intake_results, bare_created = [], 0

        # Warm-up, not measured: every worker opens its database connection and imports its views.
        for path, bodies in ((BARE, reports.bare), (INTAKE, reports.intake)):
            elapsed, cpu, results = run_load(server.port, path, bodies, args.workers, 10 * args.workers, 30)
            warm = summarise(elapsed, cpu, results, ok={201})
            if warm["errors"]:
                raise RuntimeError(f"warm-up of {path}: {warm['first_error']}")
            if path == INTAKE:
                intake_results.extend(results)
            else:
                bare_created += len(results)

        rows, load_before = [], os.getloadavg()[0]
        for level in args.levels:
            # Bare and intake take turns in --rounds slices, so a neighbour's load on the machine
            # falls on both rather than on whichever ran at that moment.
            runs = {"bare": [0.0, 0.0, []], "intake": [0.0, 0.0, []]}
            for _round in range(args.rounds):
                for name, path, bodies in (("bare", BARE, reports.bare), ("intake", INTAKE, reports.intake)):
                    elapsed, cpu, results = run_load(
                        server.port,
                        path,
                        bodies,
                        level,
                        math.ceil(args.requests / args.rounds),
                        args.seconds / args.rounds,
                    )
                    runs[name][0] += elapsed
                    runs[name][1] += cpu
                    runs[name][2].extend(results)
            row = {"level": level}
            for name, (elapsed, cpu, results) in runs.items():
                row[name] = s = summarise(elapsed, cpu, results, ok={201})
                print(
                    f"c={level:>3} {name:>6}: {s['requests']:>6} requests, {s['errors']} errors, "
                    f"{s['per_s']:8.1f}/s, p50 {s['p50']:6.1f} ms, p95 {s['p95']:6.1f} ms, p99 {s['p99']:6.1f} ms"
                    + (f"  first error: {s['first_error'][0]} {s['first_error'][1][:200]!r}" if s["errors"] else ""),
                    flush=True,
                )
            intake_results.extend(runs["intake"][2])
            bare_created += sum(1 for _n, _l, status, _a in runs["bare"][2] if status == 201)
            rows.append(row)

        # Retries: the same bytes again, from as many clients as the highest level.
        first_cases = cases_by_client_id(intake_results)
        sample = random.Random(args.seed).sample(
            sorted(first_cases), max(1, round(args.retry_share * len(first_cases)))
        )
        elapsed, cpu, retried = run_load(
            server.port,
            INTAKE,
            lambda n: reports.intake_sent[sample[n]],
            max(args.levels),
            len(sample),
            max(args.seconds, 60),
        )
        same_case = sum(
            1
            for n, _l, status, answer in retried
            if status == 200 and json.loads(answer)["code"] == first_cases[sample[n]]
        )
    except BaseException:
        print(f"gunicorn's log:\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        server.stop()
        server.remove_log()
    incidents, bare_rows = count_rows()
    checks = {
        "retry": summarise(elapsed, cpu, retried, ok={200}),
        "retried": len(sample),
        "same_case": same_case,
        "client_ids": len(reports.intake_sent),
        "incidents": incidents,
        "bare_created": bare_created,
        "bare_rows": bare_rows,
        "load": (load_before, os.getloadavg()[0]),  # the machine's 1-minute load average, before and after
    }
    print(
        f"retries: {len(sample)} sent again, {same_case} answered 200 with the same case; "
        f"{incidents} cases for {len(reports.intake_sent)} distinct client_ids; "
        f"{bare_rows} bare rows for {bare_created} bare answers 201",
        flush=True,
    )
    return rows, checks


def results_table(args, cores, rows, checks, profile, reports):
    command = " ".join([".venv/bin/python bench/intake.py", *sys.argv[1:]])
    lines = [
        f"\n## intake, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {cores} cores, gunicorn {args.workers} sync workers, "
        f"{args.rounds} rounds of at most {math.ceil(args.requests / args.rounds):,} requests or "
        f"{args.seconds / args.rounds:g} s per view and level; load average {checks['load'][0]:.1f} before, "
        f"{checks['load'][1]:.1f} after; reports from {len(reports.reporters)} grid workers over the city in "
        f"{len(reports.categories)} categories",
        f"`{command}`\n",
        "| clients | bare insert req/s | intake req/s | intake / bare | bare p50 / p95 / p99 (ms) "
        "| intake p50 / p95 / p99 (ms) | p95 intake / bare | requests (bare, intake) | errors | client CPU (cores) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        b, i = row["bare"], row["intake"]
        lines.append(
            f"| {row['level']} | {b['per_s']:,.0f} | {i['per_s']:,.0f} | {i['per_s'] / b['per_s']:.2f} "
            f"| {b['p50']:.1f} / {b['p95']:.1f} / {b['p99']:.1f} | {i['p50']:.1f} / {i['p95']:.1f} / {i['p99']:.1f} "
            f"| {i['p95'] / b['p95']:.1f}× | {b['requests']:,}, {i['requests']:,} | {b['errors'] + i['errors']} "
            f"| {b['client_cpu']:.2f}, {i['client_cpu']:.2f} |"
        )
    r = checks["retry"]
    lines += [
        "",
        f"Retries: {checks['retried']:,} reports sent again from {max(args.levels)} clients, "
        f"{checks['same_case']:,} answered 200 with their first case ({r['per_s']:,.0f} req/s, p95 {r['p95']:.1f} ms); "
        f"{checks['incidents']:,} cases made by the run for {checks['client_ids']:,} distinct client_ids "
        f"(bare: {checks['bare_rows']:,} rows for {checks['bare_created']:,} answers 201).",
    ]
    if profile:
        i, b, t = profile["intake"], profile["bare"], profile["token_bare"]
        lines.append(
            f"In-process (Django's test client, no network, {args.profile_calls} POSTs each): intake {i['ms']:.1f} ms "
            f"a report, "
            f"{i['statements']:.0f} SQL statements taking {i['sql_ms']:.1f} ms; bare insert {b['ms']:.1f} ms, "
            f"{b['statements']:.0f} statement taking {b['sql_ms']:.1f} ms; the bare insert behind DRF's token login "
            f"{t['ms']:.1f} ms, {t['statements']:.0f} statements taking {t['sql_ms']:.1f} ms."
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
