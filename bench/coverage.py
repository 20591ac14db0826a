"""Benchmark: the coverage figures for a city of 514 and of 50,000 grids.

    .venv/bin/python bench/coverage.py [--sizes 514 50000] [--naive-sample 500]

Uses the govgrid_bench database (as bench/areas.py). For each size it loads the demo city and its
people (about 17.5 in-service members per grid, as in the demo), then times:
- grids: grids.coverage.grid_coverage over the district — every grid's rules in one statement;
- per level: grids.coverage.summary for district, streets and communities — one statement each;
- the peer: the same five rules computed grid by grid through the ORM (five queries per grid), the
  way a first version would, timed on a sample of grids and reported per grid.
It writes the SQL and its EXPLAIN ANALYZE plan to bench/coverage-plan-<size>.txt and appends the
figures to bench/results.md.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from areas import ROOT, heading, record, setup_django  # noqa: E402  (sets DATABASE_URL to the bench database)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govgrid.settings")


def load_city(n):
    from django.db import connection, transaction

    from demo.city import DEMO_BOUNDARY, CityPlan, build_city
    from demo.management.commands.load_demo import delete_demo_contents
    from demo.people import build_people
    from grids.importing import import_areas, read_source
    from grids.models import Area

    district = read_source(DEMO_BOUNDARY, srs="gcj02")
    records = district + build_city("411381", district[0].geom, CityPlan(grids=n))
    start = time.perf_counter()
    with transaction.atomic():
        delete_demo_contents("411381")
        Area.objects.delete_subtree("411381")
        import_areas(records, commit=True)
        build_people("411381", password="bench-only")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - start


def naive_seconds_per_grid(sample):
    """The peer: each rule of each grid through its own ORM query."""
    from django.conf import settings
    from django.contrib.gis.db.models.functions import Distance
    from django.db.models import Sum

    from grids.models import Area, Assignment, HouseholdLink, PartyOrg, ServiceStation

    grids = list(Area.objects.within("411381").grids().order_by("?")[:sample])
    start = time.perf_counter()
    for grid in grids:
        active = Assignment.objects.active().filter(area=grid)
        PartyOrg.objects.filter(area=grid, leader__isnull=False).exists()
        active.filter(role="service_team_member", person__is_party_member=True).values("person").distinct().count()
        active.filter(role="grid_worker").exists()
        HouseholdLink.objects.active().filter(grid=grid).aggregate(n=Sum("households"))
        nearest = ServiceStation.objects.annotate(d=Distance("location", grid.geom)).order_by("d").first()
        _ = nearest and nearest.d.m <= settings.COVERAGE_STATION_METRES
    return (time.perf_counter() - start) / len(grids)


def measure(n, sample):
    from django.db import connection

    from grids.coverage import grid_coverage, grid_rules, summary

    load_s = load_city(n)
    grid_coverage("411381")  # warm the cache once, as a running server would be
    start = time.perf_counter()
    rows = grid_coverage("411381")
    grids_s = time.perf_counter() - start
    levels = {}
    for level in ("district", "street", "community"):
        start = time.perf_counter()
        summary("411381", level)
        levels[level] = time.perf_counter() - start
    rules, params = grid_rules("411381")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + rules, params)
        plan = "\n".join(r[0] for r in cursor.fetchall())
        sql = cursor.mogrify(rules, params).decode()
    (ROOT / "bench" / f"coverage-plan-{n}.txt").write_text(f"-- SQL\n{sql}\n\n-- EXPLAIN (ANALYZE, BUFFERS)\n{plan}\n")
    naive = naive_seconds_per_grid(min(sample, n))
    return {
        "grids": n,
        "rows": len(rows),
        "load_s": load_s,
        "grids_s": grids_s,
        "levels": levels,
        "naive_per_grid_s": naive,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[514, 50000])
    parser.add_argument("--naive-sample", type=int, default=500)
    args = parser.parse_args()
    setup_django()
    results = [measure(n, args.naive_sample) for n in args.sizes]
    lines = [
        *heading("coverage", "coverage.py"),
        "| grids | every grid's rules (s) | district (s) | streets (s) | communities (s) "
        "| grid by grid via the ORM (s, extrapolated) | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        naive_total = r["naive_per_grid_s"] * r["grids"]
        lines.append(
            f"| {r['grids']:,} | {r['grids_s']:.2f} | {r['levels']['district']:.2f} | {r['levels']['street']:.2f} "
            f"| {r['levels']['community']:.2f} | {naive_total:.1f} | {naive_total / r['grids_s']:.0f}× |"
        )
    record("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
