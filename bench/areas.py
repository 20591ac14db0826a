"""Benchmark: building, validating and looking up a city of 514 and of 50,000 grids.

    .venv/bin/python bench/areas.py [--sizes 514 50000] [--points 2000]

Runs against its own database, govgrid_bench, on the local cluster (or BENCH_DATABASE_URL), so the
demo city is left alone. For each size it records:
- build: generating the city in Python (demo.city.build_city);
- import: writing it and checking its topology in PostGIS (grids.importing.import_areas);
- validate: validate_grids over the whole district;
- lookup: point → grid through the GiST index (Area.objects.grid_at), against the same query with
  index scans turned off (a sequential scan over every grid), in the same run, as lookups per second.
Results are appended to bench/results.md with the command and the machine's core count.
"""

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = os.environ.get("GOVGRID_PG_PORT", "54329")
PASSWORD_FILE = ROOT / "var" / "db_password"
PASSWORD = PASSWORD_FILE.read_text().strip() if PASSWORD_FILE.exists() else ""
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"postgres://govgrid:{PASSWORD}@127.0.0.1:{PORT}/govgrid_bench"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govgrid.settings")


def ensure_database():
    if "BENCH_DATABASE_URL" not in os.environ:
        subprocess.run(
            [ROOT / "scripts" / "pg.sh", "createdb"], env={**os.environ, "GOVGRID_DB_NAME": "govgrid_bench"}, check=True
        )


def setup_django(migrate=True):
    """The bench database exists, Django is set up on it and (by default) migrated: every bench's start."""
    ensure_database()
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def heading(title, script):
    """The two lines that open a bench's entry in results.md: what and when, then the command."""
    return [
        f"\n## {title}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores",
        f"`{' '.join([f'.venv/bin/python bench/{script}', *sys.argv[1:]])}`\n",
    ]


def record(text):
    """Print a bench's entry and append it to bench/results.md."""
    print(text)
    with open(ROOT / "bench" / "results.md", "a") as out:
        out.write(text)


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def lookups_per_second(points, use_index):
    from django.contrib.gis.geos import Point
    from django.db import connection, transaction

    from grids.models import Area

    with transaction.atomic():
        if not use_index:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off")
        start = time.perf_counter()
        found = sum(Area.objects.grid_at(Point(x, y, srid=4326)) is not None for x, y in points)
        elapsed = time.perf_counter() - start
    return len(points) / elapsed, found


def run_size(n, n_points):
    import numpy as np
    from django.contrib.gis.db.models import Extent
    from django.db import connection, transaction

    from demo.city import DEMO_BOUNDARY, CityPlan, build_city
    from grids.importing import import_areas, read_source
    from grids.models import Area
    from grids.validation import validate_area

    district = read_source(DEMO_BOUNDARY, srs="gcj02")
    build_s, records = timed(lambda: district + build_city("411381", district[0].geom, CityPlan(grids=n)))
    with transaction.atomic():
        Area.objects.delete_subtree("411381")
    import_s, _ = timed(lambda: import_areas(records, commit=True))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE grids_area")
    validate_s, problems = timed(lambda: validate_area("411381"))
    west, south, east, north = Area.objects.within("411381").grids().aggregate(e=Extent("geom"))["e"]
    points = np.random.default_rng(1).uniform((west, south), (east, north), size=(n_points, 2))
    indexed, found = lookups_per_second(points, use_index=True)
    sequential, found_seq = lookups_per_second(points[: max(50, n_points // 20)], use_index=False)
    return {
        "grids": n,
        "build_s": build_s,
        "import_s": import_s,
        "validate_s": validate_s,
        "problems": len(problems),
        "lookup_indexed_per_s": indexed,
        "lookup_seqscan_per_s": sequential,
        "hit_rate": found / n_points,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[514, 50000])
    parser.add_argument("--points", type=int, default=2000)
    args = parser.parse_args()
    setup_django()
    rows = [run_size(n, args.points) for n in args.sizes]
    lines = [
        *heading("areas", "areas.py"),
        "| grids | build (s) | import + topology (s) | validate_grids (s) | problems "
        "| lookups/s, GiST | lookups/s, seq scan | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = r["lookup_indexed_per_s"] / r["lookup_seqscan_per_s"]
        lines.append(
            f"| {r['grids']:,} | {r['build_s']:.1f} | {r['import_s']:.1f} | {r['validate_s']:.1f} | {r['problems']} "
            f"| {r['lookup_indexed_per_s']:,.0f} | {r['lookup_seqscan_per_s']:,.0f} | {ratio:.1f}× |"
        )
    record("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
