"""The load test's two cities, each in a database of its own on the local cluster, built once and kept.

- demo: `manage.py load_demo` as `make run` loads it (514 grids, their people, a year of about
  20,000 cases made through the workflow), in govgrid_load_demo;
- 50k: `manage.py load_demo --grids 50000 --history 0` (the areas, about a million people, the
  stations, departments and demo accounts), then a year of 2,000,000 cases with their report,
  resolve and close events made by bench/workflow.py's set-based SQL (its year: 82% closed, 5%
  resolved, 8% open, 5% rejected), in govgrid_load50k.
Then one round of the worker (the overdue sweep and the reminders) and VACUUM ANALYZE, so that the
city is as one in service would be.

Each step is skipped when its result is already there (the district loaded; the year's cases made),
so a later run reuses the city; a city whose steps all ran carries a row in bench_load_city. The
database name can be changed with --database (a name of your own on a shared cluster).
Called by bench/load.py; `load_city.py --size 50k` builds without running the load.
"""

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PORT = os.environ.get("GOVGRID_PG_PORT", "54329")
PASSWORD_FILE = ROOT / "var" / "db_password"

SIZES = {
    "demo": {"database": "govgrid_load_demo", "load_demo": [], "year_cases": 0},
    "50k": {
        "database": "govgrid_load50k",
        "load_demo": ["--grids", "50000", "--history", "0"],
        "year_cases": 2_000_000,
    },
}


def log(message):
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def database_url(name, port=PORT):
    password = PASSWORD_FILE.read_text().strip() if PASSWORD_FILE.exists() else ""
    return f"postgres://govgrid:{password}@127.0.0.1:{port}/{name}"


def media_root(name):
    """The photos of one city's cases: var/load/<database>/media."""
    return ROOT / "var" / "load" / name / "media"


def server_env(name):
    """The environment in which manage.py and the served app use this city's database."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(name),
        "GOVGRID_MEDIA_ROOT": str(media_root(name)),
        "GOVGRID_DEBUG": "0",
    }


def ensure_database(name):
    """The database exists with PostGIS (created through psycopg2 on the cluster's `postgres` database)."""
    import psycopg2

    admin = psycopg2.connect(database_url("postgres").replace("postgres://", "postgresql://", 1))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            log(f"creating database {name}")
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    city = psycopg2.connect(database_url(name).replace("postgres://", "postgresql://", 1))
    city.autocommit = True
    with city.cursor() as cursor:
        cursor.execute("SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis")
    city.close()


def manage(name, *args, extra_env=None):
    subprocess.run(
        ["nice", "-n", "10", PY, "manage.py", *args],
        cwd=ROOT,
        env={**server_env(name), **(extra_env or {})},
        check=True,
    )


def build(size, name=None):
    """Build (or find) the city of `size` in database `name`; returns the database name. Every step
    made by manage.py runs at a low CPU priority (nice), so other work on a shared machine goes first."""
    plan = SIZES[size]
    name = name or plan["database"]
    ensure_database(name)
    manage(name, "migrate", "-v0")
    os.environ["BENCH_DATABASE_URL"] = database_url(name)  # bench/areas.py's database: this one
    setup_django()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_load_city (size text, grids int, cases bigint, built_at timestamptz)"
        )
        cursor.execute("SELECT built_at FROM bench_load_city WHERE size = %s", [size])
        built = cursor.fetchone()
    if built:
        log(f"the {size} city in {name} was built at {built[0]:%Y-%m-%d %H:%M}: reused")
        return name
    if not _district_loaded():
        log(f"loading the {size} city into {name}: manage.py load_demo {' '.join(plan['load_demo'])}")
        start = time.perf_counter()
        # Its accounts' password is set by every load run (bench/load.py), so it is not kept here.
        manage(name, "load_demo", *plan["load_demo"], extra_env={"GOVGRID_DEMO_PASSWORD": os.urandom(12).hex()})
        log(f"  {time.perf_counter() - start:.0f} s")
    if plan["year_cases"]:
        _year_of_cases(plan["year_cases"])
    # One round of the worker, as a city in service has had: the year's overdue cases escalated,
    # the reminders queued; otherwise the first run's worker would do it while being measured.
    log("one round of the worker (manage.py run_worker --rounds 1)")
    manage(name, "run_worker", "--rounds", "1")
    _vacuum_analyze()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_load_city SELECT %s, (SELECT count(*) FROM grids_area WHERE level = 'grid'), "
            "(SELECT count(*) FROM incidents_incident), now()",
            [size],
        )
    return name


def setup_django():
    sys.path.insert(0, str(ROOT / "bench"))
    from areas import setup_django as bench_setup  # noqa: PLC0415  (reads BENCH_DATABASE_URL when imported)

    bench_setup(migrate=False)


def _district_loaded():
    from grids.models import Area

    return Area.objects.filter(code="411381").exists()


def _year_of_cases(total):
    """A year of `total` cases and their events, by bench/workflow.py's generator, unless they are there."""
    import workflow
    from django.utils import timezone

    from incidents.models import Incident

    made = Incident.objects.count()
    if made >= total:
        log(f"{made:,} cases already there")
        return
    if made:
        log(f"{made:,} cases of an unfinished build: removed")
        workflow.truncate_cases()
    log(f"a year of {total:,} cases with their events (set-based SQL)")
    start = time.perf_counter()
    workflow.generate(
        total,
        workflow.YEAR_STATUS,
        workflow.YEAR_LEVEL,
        workflow.YEAR_DUE,
        workflow.YEAR_RATING,
        timezone.now(),
        events=True,
    )
    workflow.execute("DROP TABLE IF EXISTS bench_grid, bench_category")
    log(f"  {time.perf_counter() - start:.0f} s")


def _vacuum_analyze():
    """Statistics and visibility maps as a city in service has them (autovacuum would, later)."""
    from django.db import connection

    log("VACUUM ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="demo")
    parser.add_argument("--database", help="the database's name (default: govgrid_load_demo or govgrid_load50k)")
    args = parser.parse_args()
    build(args.size, args.database)


if __name__ == "__main__":
    main()
