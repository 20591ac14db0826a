"""Benchmark: the district dashboard (/) read from the kept aggregates, against the same page with
every figure counted from the cases (the set-based definitions), in the same run.

    .venv/bin/python bench/dashboard.py [--sizes 514 50000] [--runs 20] [--year-cases 2000000]
                                        [--drop] [--no-record] [--database SIZE NAME]

Each size has a database of its own, made once and kept between runs (`--drop` removes it at the
end): govgrid_bench_dashboard_<size> on the local cluster (port GOVGRID_PG_PORT), or
BENCH_DATABASE_URL with the size appended to its name.
- 514 grids: `load_demo` (the demo city, its people and a year of about 19,000 cases walked through
  the workflow's own actions), the aggregates kept by their triggers while it loads.
- 50,000 grids: the demo generator's city (areas only, with a leader; with --people, its people as
  bench/coverage.py, which makes coverage and the members' sections weigh what they do) and a year of
  --year-cases cases with their report, resolve and close events made by bench/workflow.py's
  set-based SQL, with the aggregates off; then `rebuild_aggregates` (timed).
The district's leader opens the dashboard through Django's test client, --runs times each way,
the two ways taking turns: with the aggregates, and with them set aside (incidents.figures reads
the cases). p50 and p95 of the page, and the mean time of each of the dashboard's sections. Before
timing, the cases' figures of the twelve months are compared both ways for the district, its
streets and its communities, by month and over the period: they must be equal.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DISTRICT = "411381"
SECTIONS = (
    "coverage_totals",
    "figures",
    "level_ranking",
    "loop_figures",
    "participation",
    "party_members",
    "open_incidents_by_level",
)


def log(message):
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --database SIZE NAME: a size's city read from a database of the local cluster made elsewhere (a copy
# of the load test's); its name, not its URL, so that no password is written in the recorded command
GIVEN = {}


def database_url(size):
    base = os.environ.get("BENCH_DATABASE_URL")
    if base and size not in GIVEN:
        return f"{base}_{size}"
    password = (ROOT / "var" / "db_password").read_text().strip()
    port = os.environ.get("GOVGRID_PG_PORT", "54329")
    name = GIVEN.get(size, f"govgrid_bench_dashboard_{size}")
    return f"postgres://govgrid:{password}@127.0.0.1:{port}/{name}"


def _server(url, statement):
    """Run a statement on the cluster's `postgres` database (creating or dropping a bench database)."""
    import psycopg2

    head, _name = url.rsplit("/", 1)
    connection = psycopg2.connect(head + "/postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchall() if cursor.description else None
    finally:
        connection.close()


def ensure_database(url):
    name = url.rsplit("/", 1)[1]
    if not _server(url, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
        _server(url, f'CREATE DATABASE "{name}"')


# --- one size, in a process of its own (Django set up on that size's database) -------------------------


def setup(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govgrid.settings")
    os.environ.setdefault("GOVGRID_DEMO_PASSWORD", "bench-only")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def scalar(sql, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0] if cursor.description else None


def build_demo_size():
    from django.core.management import call_command

    if scalar("SELECT count(*) FROM incidents_incident") == 0:
        log("514 grids: load_demo (the city, its people and a year of cases)")
        call_command("load_demo", "--replace", verbosity=0)
        scalar("ANALYZE")
    return {}


def build_big_size(n_cases, people):
    """The 50,000-grid city (with its people if `people`), and a year of cases made in bulk with the
    aggregates off, then rebuilt."""
    sys.path.insert(0, str(ROOT / "bench"))
    from django.utils import timezone
    from workflow import YEAR_DUE, YEAR_LEVEL, YEAR_RATING, YEAR_STATUS, ensure_city, generate

    from aggregates.sql import KEPT_TABLES, drop, rebuild

    built = {}
    if scalar("SELECT count(*) FROM grids_area WHERE level = 'grid' AND code LIKE %s", [DISTRICT + "%"]) != 50_000:
        log(f"50,000 grids: the city{' and its people' if people else ''}")
        if people:
            from coverage import load_city

            built["city_s"] = load_city(50_000)
        else:
            built["city_s"] = ensure_city()
            _leader()
    if scalar("SELECT count(*) FROM incidents_incident") != n_cases:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE incidents_incidentevent, incidents_incidentphoto, incidents_incident, "
                f"{', '.join(KEPT_TABLES)} CASCADE"
            )
        drop()  # bulk: the triggers keep nothing, the rebuild below works everything out at once
        log(f"50,000 grids: a year of {n_cases:,} cases with their events")
        built["cases_s"] = generate(
            n_cases, YEAR_STATUS, YEAR_LEVEL, YEAR_DUE, YEAR_RATING, timezone.now(), events=True
        )
    if not scalar("SELECT count(*) FROM aggregates_state"):
        log("rebuild_aggregates")
        start = time.perf_counter()
        built["kept_cases"] = rebuild()
        built["rebuild_s"] = time.perf_counter() - start
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(" ".join(f"ANALYZE {table};" for table in KEPT_TABLES))
    return built


class SetAside:
    """Inside: incidents.figures has no reader of kept figures, so every figure is counted from the cases."""

    def __enter__(self):
        from incidents import figures

        self.kept, figures._READERS[:] = list(figures._READERS), []

    def __exit__(self, *exc):
        from incidents import figures

        figures._READERS[:] = self.kept


def compare_figures():
    """The twelve months' figures both ways, for the district, its streets and its communities."""
    from django.utils import timezone

    from govgrid.lib.moments import first_of_next_month
    from incidents.figures import figures
    from maps.dashboard import _aware, months_back

    today = timezone.localdate()
    firsts = months_back(today, 12)
    since, until = _aware(firsts[0]), _aware(first_of_next_month(firsts[-1]))
    now = timezone.now()
    compared = {}
    for level in ("district", "street", "community"):
        for by_month in (False, True):
            start = time.perf_counter()
            kept = figures(DISTRICT, level, since, until, by_month=by_month, now=now)
            kept_s = time.perf_counter() - start
            with SetAside():
                start = time.perf_counter()
                counted = figures(DISTRICT, level, since, until, by_month=by_month, now=now)
                counted_s = time.perf_counter() - start
            assert kept == counted, (level, by_month)
            compared[f"{level}{' by month' if by_month else ''}"] = (len(kept), kept_s, counted_s)
    return compared


def _timed_sections(timings):
    """Wrap the dashboard's sections so that each call's time is added to `timings`."""
    import maps.dashboard as dashboard

    for name in SECTIONS:
        original = getattr(dashboard, name)

        def timed(*args, _original=original, _name=name, **kwargs):
            start = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                timings.setdefault(_name, []).append(time.perf_counter() - start)

        setattr(dashboard, name, timed)


def leader():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="leader")


def _leader():
    """The district's leader, when the city has no people of the demo's."""
    from django.contrib.auth import get_user_model

    from grids.models import Area, Assignment, Person, Role

    user, _created = get_user_model().objects.get_or_create(username="leader")
    person, _created = Person.objects.get_or_create(user=user, defaults={"name": "领导", "phone": "13900000000"})
    Assignment.objects.get_or_create(
        person=person, role=Role.LEADER, area=Area.objects.get(code=DISTRICT), defaults={"starts_on": "2020-01-01"}
    )


def time_dashboard(runs):
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(leader())
    sections = {"kept": {}, "counted": {}}
    pages = {"kept": [], "counted": []}
    current = {}
    _timed_sections(current)

    def fetch(way):
        current.clear()
        start = time.perf_counter()
        response = client.get("/")
        pages[way].append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        for name, spent in current.items():
            sections[way].setdefault(name, []).append(sum(spent))

    fetch("kept")  # warm both: a running server has its caches
    with SetAside():
        fetch("counted")
    for way in pages:
        pages[way].clear()
        sections[way].clear()
    for run in range(runs):
        fetch("kept")
        with SetAside():
            fetch("counted")
        log(f"  run {run + 1}/{runs}: kept {pages['kept'][-1]:.3f} s, counted {pages['counted'][-1]:.3f} s")
    return {
        way: {
            "p50": statistics.median(times),
            "p95": _p95(times),
            "sections": {name: statistics.mean(spent) for name, spent in sections[way].items()},
        }
        for way, times in pages.items()
    }


def _p95(times):
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def coverage_of_today():
    """The maintained coverage table judged today, as the worker keeps it (grids.coverage_table): the
    dashboard's coverage and the ranking's coverage criterion read it instead of the live rules."""
    from grids import coverage_table

    start = time.perf_counter()
    judged = coverage_table.keep_current()
    return {"coverage_grids": judged, "coverage_s": time.perf_counter() - start} if judged else {}


def one_size(size, runs, n_cases, people):
    ensure_database(database_url(size))
    setup(database_url(size))
    built = build_demo_size() if size == 514 else build_big_size(n_cases, people)
    built |= coverage_of_today()
    cases = scalar("SELECT count(*) FROM incidents_incident")
    events = scalar("SELECT count(*) FROM incidents_incidentevent")
    log(f"{size} grids: {cases:,} cases, {events:,} events; comparing the figures both ways")
    compared = compare_figures()
    log(f"{size} grids: the dashboard, {runs} runs each way")
    timed = time_dashboard(runs)
    return {"size": size, "cases": cases, "events": events, "built": built, "compared": compared, "timed": timed}


# --- the runner -----------------------------------------------------------------------------------


def table(results, runs):
    sys.path.insert(0, str(ROOT / "bench"))
    from areas import heading

    lines = [
        *heading("dashboard", "dashboard.py"),
        f"The district's leader opens `/`, {runs} runs each way, taking turns (Django test client, one process).\n",
        "| grids | cases | kept aggregates p50 / p95 (s) | counted from the cases p50 / p95 (s) | p95 ratio |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        kept, counted = r["timed"]["kept"], r["timed"]["counted"]
        lines.append(
            f"| {r['size']:,} | {r['cases']:,} | {kept['p50']:.3f} / {kept['p95']:.3f} "
            f"| {counted['p50']:.3f} / {counted['p95']:.3f} | {counted['p95'] / kept['p95']:.1f}× |"
        )
    lines += ["", "Mean time of each section of the page (s), kept / counted:", ""]
    lines += ["| section | " + " | ".join(f"{r['size']:,} grids" for r in results) + " |"]
    lines += ["|---|" + "---:|" * len(results)]
    for name in SECTIONS:
        cells = []
        for r in results:
            kept, counted = (r["timed"][way]["sections"].get(name, 0.0) for way in ("kept", "counted"))
            cells.append(f"{kept:.3f} / {counted:.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "The twelve months' figures, equal both ways (rows; kept s / counted s):", ""]
    for r in results:
        parts = [f"{what} {rows} rows {k:.3f} / {c:.3f}" for what, (rows, k, c) in r["compared"].items()]
        lines.append(f"- {r['size']:,} grids: " + "; ".join(parts))
        if r["built"].get("rebuild_s"):
            lines.append(
                f"  rebuild_aggregates of {r['built']['kept_cases']:,} cases ({r['events']:,} events): "
                f"{r['built']['rebuild_s']:.1f} s"
            )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[514, 50_000])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--year-cases", type=int, default=2_000_000)
    parser.add_argument("--people", action="store_true", help="50,000 grids: load the people too (slow)")
    parser.add_argument("--drop", action="store_true", help="drop the bench databases at the end")
    parser.add_argument("--no-record", action="store_true", help="print the table without appending it")
    parser.add_argument(
        "--database",
        nargs=2,
        action="append",
        default=[],
        metavar=("SIZE", "NAME"),
        help="read this size's city from an existing database of the local cluster (migrated here, never dropped)",
    )
    parser.add_argument("--one-size", type=int, help=argparse.SUPPRESS)  # the child process of a size
    args = parser.parse_args()
    GIVEN.update({int(size): name for size, name in args.database})
    if args.one_size:
        print(json.dumps(one_size(args.one_size, args.runs, args.year_cases, args.people)))
        return
    results = []
    for size in args.sizes:
        command = [sys.executable, __file__, "--one-size", str(size), "--runs", str(args.runs)]
        command += ["--year-cases", str(args.year_cases)] + (["--people"] if args.people else [])
        for given_size, name in args.database:
            command += ["--database", given_size, name]
        out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    text = table(results, args.runs)
    if args.no_record:
        print(text)
    else:
        sys.path.insert(0, str(ROOT / "bench"))
        from areas import record

        record(text)
    if args.drop:
        for size in (size for size in args.sizes if size not in GIVEN):
            url = database_url(size)
            _server(url, f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')


if __name__ == "__main__":
    main()
