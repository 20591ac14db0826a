"""Benchmark: the coverage figures and the coverage page for a city of 514 and of 50,000 grids.

    .venv/bin/python bench/coverage.py [--sizes 514 50000] [--naive-sample 500]

Uses the govgrid_bench database (as bench/areas.py; BENCH_DATABASE_URL names another). For each
size it loads the demo city and its people (about 17.5 in-service members per grid, as in the
demo), then times, with the rules computed live (the coverage table marked not ready):
- grids: grids.coverage.grid_coverage over the district — every grid's rules in one statement;
- per level: grids.coverage.summary for district, streets and communities — one statement each;
- the peer: the same five rules computed grid by grid through the ORM (five queries per grid), the
  way a first version would, timed on a sample of grids and reported per grid;
and with the maintained coverage table (grids.coverage_table):
- its rebuild (what the worker does when the day turns), then the same summaries read from it;
- one change written with its triggers' refresh: a grid worker assigned, a station added;
- the coverage page as the demo leader opens it (Django's test client, the whole view, best of 3),
  where its time goes, and its HTML against bench/map_pages.py's naive folium peer in the same run.
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
    from grids.coverage_table import rebuild, suspend
    from grids.importing import import_areas, read_source
    from grids.models import Area

    district = read_source(DEMO_BOUNDARY, srs="gcj02")
    records = district + build_city("411381", district[0].geom, CityPlan(grids=n))
    start = time.perf_counter()
    suspend()  # its triggers idle during the load, as load_demo's should be
    with transaction.atomic():
        delete_demo_contents("411381")
        Area.objects.delete_subtree("411381")
        import_areas(records, commit=True)
        build_people("411381", password="bench-only")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    load_s = time.perf_counter() - start
    rebuild()  # what the worker does next
    return load_s


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

    from grids import coverage_table
    from grids.coverage import grid_coverage, grid_rules, summary

    coverage_table.rebuild()  # the city is loaded with the table's triggers at work, as on a live system
    load_s = load_city(n)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE grids_coveragestate SET ready = false")  # the live rules first
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
        **with_the_table(n),
    }


def with_the_table(n):
    from grids import coverage_table
    from grids.coverage import summary

    start = time.perf_counter()
    coverage_table.rebuild()
    rebuild_s = time.perf_counter() - start
    table_levels = {}
    for level in ("district", "community"):
        start = time.perf_counter()
        summary("411381", level)
        table_levels[level] = time.perf_counter() - start
    return {"rebuild_s": rebuild_s, "table_levels": table_levels, **one_change_ms(), **coverage_page()}


class _Undo(Exception):
    pass


def one_change_ms():
    """A grid worker assigned in one grid, and a station added, each with its triggers' refresh
    (rolled back)."""
    from django.db import transaction

    from grids.models import Area, Assignment, Person, ServiceStation

    grid = Area.objects.within("411381").grids().order_by("code")[len("411381") :].first()
    spent = {}
    try:
        with transaction.atomic():
            person = Person.objects.create(name="测试网格员")
            start = time.perf_counter()
            Assignment.objects.create(person=person, role="grid_worker", area=grid)
            spent["assign_ms"] = (time.perf_counter() - start) * 1000
            start = time.perf_counter()
            ServiceStation.objects.create(name="测试站", kind="station", area=grid, location=grid.geom.point_on_surface)
            spent["station_ms"] = (time.perf_counter() - start) * 1000
            raise _Undo
    except _Undo:
        pass
    return spent


_PAGE_PARTS = (
    "page_area",
    "grid_count",
    "grid_layer",
    "outlines",
    "fit_to_grids",
    "coverage_totals",
    "map_page_context",
    "render",
)


def coverage_page():
    """GET /maps/coverage/ as the leader (best of 3), the time of each part of the view, and the
    naive folium peer of bench/map_pages.py."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from map_pages import naive, ours

    import maps.coverage_page as page

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="leader"))
    ours(client)  # warm
    page_s, page_bytes = min(ours(client) for _ in range(3))
    spent = dict.fromkeys(_PAGE_PARTS, 0.0)
    saved = {name: getattr(page, name) for name in _PAGE_PARTS}

    def timed(name):
        def call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return saved[name](*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start

        return call

    for name in _PAGE_PARTS:
        setattr(page, name, timed(name))
    try:
        total, _bytes = ours(client)
    finally:
        for name, fn in saved.items():
            setattr(page, name, fn)
    spent["the rest (stations, folium objects)"] = total - sum(spent.values())
    naive_s, naive_bytes = naive()
    return {
        "page_s": page_s,
        "page_bytes": page_bytes,
        "page_parts": spent,
        "naive_s": naive_s,
        "naive_bytes": naive_bytes,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[514, 50000])
    parser.add_argument("--naive-sample", type=int, default=500)
    parser.add_argument(
        "--table-only",
        action="store_true",
        help="only the table and the page, on the city the bench database holds (one size, given by --sizes)",
    )
    args = parser.parse_args()
    setup_django()
    if args.table_only:
        results = [{"grids": args.sizes[0], **with_the_table(args.sizes[0])}]
    else:
        results = [measure(n, args.naive_sample) for n in args.sizes]
    lines = heading("coverage", "coverage.py")
    if not args.table_only:
        lines += [
            "| grids | every grid's rules (s) | district (s) | streets (s) | communities (s) "
            "| grid by grid via the ORM (s, extrapolated) | ratio |",
            "|---:|---:|---:|---:|---:|---:|---:|",
        ]
    for r in results if not args.table_only else []:
        naive_total = r["naive_per_grid_s"] * r["grids"]
        lines.append(
            f"| {r['grids']:,} | {r['grids_s']:.2f} | {r['levels']['district']:.2f} | {r['levels']['street']:.2f} "
            f"| {r['levels']['community']:.2f} | {naive_total:.1f} | {naive_total / r['grids_s']:.0f}× |"
        )
    lines += [
        "",
        "With the maintained coverage table (grids_gridcoverage):",
        "",
        "| grids | rebuild (s) | district (s) | communities (s) "
        "| a grid worker assigned (ms) | a station added (ms) | coverage page (s) | page HTML "
        "| naive folium.GeoJson (s) | naive HTML | naive HTML / page HTML |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['grids']:,} | {r['rebuild_s']:.2f} | {r['table_levels']['district']:.3f} "
            f"| {r['table_levels']['community']:.3f} | {r['assign_ms']:.1f} | {r['station_ms']:.1f} "
            f"| {r['page_s']:.3f} | {r['page_bytes'] / 1e3:,.0f} KB | {r['naive_s']:.2f} "
            f"| {r['naive_bytes'] / 1e6:,.2f} MB | {r['naive_bytes'] / r['page_bytes']:.1f} |"
        )
    for r in results:
        parts = ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in r["page_parts"].items())
        lines.append(f"\nThe page at {r['grids']:,} grids, one request: {parts}.")
    record("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
