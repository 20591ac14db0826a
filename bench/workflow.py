"""Benchmark: the overdue sweep over a million open cases, and a year of figures for a 50,000-grid city.

    .venv/bin/python bench/workflow.py [--open 1000000] [--overdue 10000] [--year-cases 2000000]
                                       [--naive-sample 300] [--naive-communities 50] [--no-record]

Uses the govgrid_bench database (as bench/areas.py); the dev database is never touched. It makes sure
the bench holds the 50,000-grid demo city (areas only, no people), then:
- sweep: generates --open open cases (set-based SQL), --overdue of them past their deadline at the grid
  or community level, plus --naive-sample more overdue ones for the peer. The peer escalates those one
  by one through incidents.workflow.act as an administrator (one locked transaction per case, the way
  a naive sweep would); its time per case is extrapolated to --overdue. Then the EXPLAIN ANALYZE of the
  sweep's locking statement (in a transaction that is rolled back) goes to bench/workflow-plan-sweep.txt, and
  incidents.sweep.escalate_overdue() is timed; it must escalate exactly --overdue cases and write as
  many events, and a second run must escalate none.
- figures: replaces the cases by a year of --year-cases cases (about 39 a grid, as the 514-grid demo's
  20,000), with report, resolve and close events, and times incidents.figures.figures for the
  district, the streets and the communities over the year. The peer computes the same figures
  community by community through the ORM, timed on --naive-communities communities and extrapolated.
Previous cases are removed with TRUNCATE (bench database only; much faster than purge_incidents for
millions of rows, and the append-only trigger is a row trigger, which TRUNCATE does not fire).
The cases are removed again at the end (the city stays). Results are appended to bench/results.md.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from areas import ROOT, heading, record, setup_django  # noqa: E402  (sets DATABASE_URL to the bench database)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govgrid.settings")
DISTRICT = "411381"
CITY_GRIDS = 50_000


def log(message):
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def execute(sql, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def scalar(sql, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def truncate_cases():
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if name != "govgrid_bench" and "BENCH_DATABASE_URL" not in os.environ:
        raise SystemExit(f"refusing to truncate cases in {name!r}")
    execute("TRUNCATE incidents_incidentevent, incidents_incidentphoto, incidents_incident CASCADE")


def ensure_city():
    """The 50,000-grid demo city, areas only (people are not needed here)."""
    from django.db import transaction

    from demo.city import DEMO_BOUNDARY, CityPlan, build_city
    from demo.management.commands.load_demo import delete_demo_contents
    from grids.importing import import_areas, read_source
    from grids.models import Area

    grids = Area.objects.within(DISTRICT).grids().count()
    if grids == CITY_GRIDS:
        log(f"city already holds {grids:,} grids")
        return 0.0
    log(f"city holds {grids:,} grids: loading the {CITY_GRIDS:,}-grid demo city (areas only)")
    start = time.perf_counter()
    district = read_source(DEMO_BOUNDARY, srs="gcj02")
    records = district + build_city(DISTRICT, district[0].geom, CityPlan(grids=CITY_GRIDS))
    with transaction.atomic():
        delete_demo_contents(DISTRICT)
        Area.objects.delete_subtree(DISTRICT)
        import_areas(records, commit=True)
    execute("ANALYZE grids_area")
    return time.perf_counter() - start


def prepare_grid_list():
    """A numbered list of the city's grids with a point inside each, and a numbered list of categories."""
    execute("DROP TABLE IF EXISTS bench_grid")
    execute(
        """CREATE UNLOGGED TABLE bench_grid AS
           SELECT row_number() OVER (ORDER BY id)::int AS gn, id, code, ST_PointOnSurface(geom) AS point
           FROM grids_area WHERE level = 'grid' AND code LIKE %s""",
        [DISTRICT + "%"],
    )
    execute("CREATE UNIQUE INDEX ON bench_grid (gn)")
    execute("DROP TABLE IF EXISTS bench_category")
    execute(
        """CREATE UNLOGGED TABLE bench_category AS
           SELECT row_number() OVER (ORDER BY code)::int - 1 AS cn, id, deadline_grid_hours AS g,
                  deadline_community_hours AS c, deadline_street_hours AS s
           FROM incidents_category WHERE parent_id IS NOT NULL AND active"""
    )
    return scalar("SELECT count(*) FROM bench_grid"), scalar("SELECT count(*) FROM bench_category")


# One row per case; s.* are drawn once per case in a MATERIALIZED CTE. The grid is drawn at random, the
# category in turn, the point is a point inside the grid. Its id and code are of its day's month
# (incidents.partitions).
_INSERT_CASES = """
WITH s AS MATERIALIZED (
    SELECT n, 1 + floor(random() * %(grids)s)::int AS gi, n %% %(categories)s AS ci,
           random() AS r_status, random() AS r_level, random() AS r_due, random() AS r_rating,
           %(now)s - random() * interval '365 days' AS received_at
    FROM generate_series(%(first)s, %(last)s) AS n
), d AS (
    SELECT s.*, g.id AS grid_id, g.code AS grid_code, g.point, c.id AS category_id, c.g AS hg, c.c AS hc, c.s AS hs,
           {status} AS status, {level} AS level
    FROM s JOIN bench_grid g ON g.gn = s.gi JOIN bench_category c ON c.cn = s.ci
)
INSERT INTO incidents_incident (
    id, code, client_id, fingerprint, description, location, input_lon, input_lat, input_crs, accuracy_m,
    low_accuracy, area_code, channel, contact_name, contact_phone, reported_at, received_at, status,
    level, due_at, version, category_id, grid_id, rating, rating_comment)
SELECT incidents_case_id((received_at AT TIME ZONE %(zone)s)::date),
       left(grid_code, 6) || '-' || to_char(received_at AT TIME ZONE %(zone)s, 'YYYYMMDD') || '-B' || n,
       gen_random_uuid(), 'bench', 'bench case ' || n, point, ST_X(point), ST_Y(point), 'wgs84', 10,
       false, left(grid_code, CASE level WHEN 'grid' THEN 15 WHEN 'community' THEN 12 ELSE 9 END), 'app', '', '',
       received_at - interval '1 minute', received_at, status, level, {due}, 1, category_id, grid_id,
       {rating}, ''
FROM d
"""

# The sweep: open cases; the first `overdue` numbers are past their deadline at the grid (4 in 5) or
# community, the others are due within the next three days.
SWEEP_STATUS = "CASE WHEN r_status < 0.5 THEN 'reported' WHEN r_status < 0.7 THEN 'accepted' ELSE 'in_progress' END"
SWEEP_LEVEL = (
    "CASE WHEN n <= %(overdue)s THEN (CASE WHEN r_level < 0.8 THEN 'grid' ELSE 'community' END) "
    "WHEN r_level < 0.8 THEN 'grid' WHEN r_level < 0.95 THEN 'community' ELSE 'street' END"
)
SWEEP_DUE = (
    "CASE WHEN n <= %(overdue)s THEN %(now)s - (1 + r_due * 47) * interval '1 hour' "
    "ELSE %(now)s + (1 + r_due * 71) * interval '1 hour' END"
)

# A year: 82% closed (70% of them at the grid, 22% at the community, 8% at the street), 5% resolved,
# 8% still open, 5% rejected; 60% of closed cases rated, mostly 4 or 5.
YEAR_STATUS = (
    "CASE WHEN r_status < 0.82 THEN 'closed' WHEN r_status < 0.87 THEN 'resolved' WHEN r_status < 0.90 THEN "
    "'reported' WHEN r_status < 0.92 THEN 'accepted' WHEN r_status < 0.95 THEN 'in_progress' ELSE 'rejected' END"
)
YEAR_LEVEL = "CASE WHEN r_level < 0.70 THEN 'grid' WHEN r_level < 0.92 THEN 'community' ELSE 'street' END"
YEAR_DUE = (
    "received_at + (CASE level WHEN 'grid' THEN hg WHEN 'community' THEN hg + hc ELSE hg + hc + hs END) "
    "* interval '1 hour'"
)
YEAR_RATING = (
    "CASE WHEN status = 'closed' AND r_rating < 0.6 THEN (CASE WHEN r_rating < 0.03 THEN 1 WHEN r_rating < 0.06 "
    "THEN 2 WHEN r_rating < 0.12 THEN 3 WHEN r_rating < 0.3 THEN 4 ELSE 5 END) END"
)

# Events: a report for every case; for resolved and closed cases a resolve at a time drawn from the case
# id (before the deadline for about 85%), and for closed cases a close 1 to 25 hours later.
_INSERT_EVENTS = """
INSERT INTO incidents_incidentevent
    (incident_id, at, actor_id, action, from_status, to_status, from_level, to_level, reason, note)
SELECT i.id, v.at, NULL, v.action, v.from_status, v.to_status, v.from_level, i.level, '', ''
FROM incidents_incident i
CROSS JOIN LATERAL (
    SELECT i.received_at + (i.due_at - i.received_at)
               * (abs(hashint8(i.id) %% 1000000) / 1000000.0 * 1.18) AS resolved_at,
           (1 + abs(hashint8(-i.id) %% 1000) / 40.0) * interval '1 hour' AS verify
) x
CROSS JOIN LATERAL (VALUES
    ('report', i.received_at, '', 'reported', ''),
    ('resolve', x.resolved_at, 'in_progress', 'resolved', i.level),
    ('close', x.resolved_at + x.verify, 'resolved', 'closed', i.level)
) AS v(action, at, from_status, to_status, from_level)
WHERE v.action = 'report' OR (v.action = 'resolve' AND i.status IN ('resolved', 'closed'))
   OR (v.action = 'close' AND i.status = 'closed')
"""


def generate(total, status, level, due, rating, now, overdue=0, events=False, chunk=500_000):
    from django.conf import settings

    from incidents.partitions import make_months

    grids, categories = prepare_grid_list()
    sql = _INSERT_CASES.format(status=status, level=level, due=due, rating=rating)
    make_months((now - timedelta(days=366)).date(), now.date())  # a case's id and code are of its month
    start = time.perf_counter()
    for first in range(1, total + 1, chunk):  # bounded: total / chunk statements
        last = min(first + chunk - 1, total)
        execute(
            sql,
            {
                "grids": grids,
                "categories": categories,
                "now": now,
                "first": first,
                "last": last,
                "overdue": overdue,
                "zone": settings.TIME_ZONE,
            },
        )
        log(f"  cases {last:,} / {total:,}")
    if events:
        execute(_INSERT_EVENTS, {})
    execute("ANALYZE incidents_incident")
    execute("ANALYZE incidents_incidentevent")
    return time.perf_counter() - start


def bench_admin():
    from django.contrib.auth import get_user_model

    user, _created = get_user_model().objects.get_or_create(
        username="bench-workflow-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    return user


def sweep(n_open, n_overdue, sample):
    from django.db import connection, transaction
    from django.utils import timezone

    from grids.scopes import Scope
    from incidents.models import Incident, IncidentEvent
    from incidents.sweep import DUE_SQL, escalate_overdue
    from incidents.workflow import act

    truncate_cases()
    now = timezone.now()
    log(f"sweep: generating {n_open:,} open cases, {n_overdue + sample:,} overdue")
    gen_s = generate(
        n_open, SWEEP_STATUS, SWEEP_LEVEL, SWEEP_DUE, "NULL", now, overdue=n_overdue + sample, events=False
    )
    assert Incident.objects.open().count() == n_open
    overdue_q = Incident.objects.open().filter(level__in=["grid", "community"], due_at__lt=timezone.now())
    assert overdue_q.count() == n_overdue + sample, overdue_q.count()

    # The peer: the naive sweep, one act() (one locked transaction) per case, on `sample` overdue cases.
    admin = bench_admin()
    scope = Scope.for_user(admin)
    log(f"sweep: the peer, {sample} cases through act()")
    start = time.perf_counter()
    picked = list(overdue_q.order_by("-id").values_list("code", "version")[:sample])
    for code, version in picked:
        act(admin, code, "escalate", version, reason="deadline passed", scope=scope)
    naive_s = time.perf_counter() - start
    assert overdue_q.count() == n_overdue

    # The plan of the statement that finds and locks the overdue cases, in a transaction rolled back.
    params = {"now": timezone.now()}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + DUE_SQL, params)
        plan = "\n".join(r[0] for r in cursor.fetchall())
        sql = cursor.mogrify(DUE_SQL, params).decode()
        transaction.set_rollback(True)
    (ROOT / "bench" / "workflow-plan-sweep.txt").write_text(
        f"-- {n_open:,} open cases, {n_overdue:,} overdue; run in a transaction that was rolled back\n"
        f"-- SQL\n{sql}\n\n-- EXPLAIN (ANALYZE, BUFFERS)\n{plan}\n"
    )
    assert overdue_q.count() == n_overdue

    log("sweep: escalate_overdue()")
    start = time.perf_counter()
    moved = escalate_overdue()
    sweep_s = time.perf_counter() - start
    sweep_events = IncidentEvent.objects.filter(action="escalate", actor__isnull=True).count()
    start = time.perf_counter()
    again = escalate_overdue()
    again_s = time.perf_counter() - start
    assert moved == n_overdue, moved
    assert sweep_events == n_overdue, sweep_events
    assert again == 0, again
    assert IncidentEvent.objects.filter(action="escalate").count() == n_overdue + sample
    still_due = overdue_q.count()
    return {
        "open": n_open,
        "overdue": n_overdue,
        "gen_s": gen_s,
        "sweep_s": sweep_s,
        "moved": moved,
        "events": sweep_events,
        "again": again,
        "again_s": again_s,
        "still_overdue": still_due,
        "naive_per_case_s": naive_s / sample,
        "sample": sample,
    }


def naive_community_figures(community, since, until, now):
    """The peer: one community's figures through the ORM (aggregates, then the event times in Python),
    by incidents.figures' rules: time to close to the last close, late when swept, open past due or
    resolved after due, on time when done by the deadline and never swept."""
    from django.db.models import Avg, Count, Exists, OuterRef, Q, Subquery

    from grids.models import Area
    from incidents.models import Incident, IncidentEvent

    cases = Incident.objects.filter(
        grid__in=Area.objects.within(community.code).grids(), received_at__gte=since, received_at__lt=until
    ).exclude(status="rejected")
    row = cases.aggregate(
        received=Count("id"),
        closed=Count("id", filter=Q(status="closed")),
        closed_in_grid=Count("id", filter=Q(status="closed", level="grid")),
        closed_in_community=Count("id", filter=Q(status="closed", level="community")),
        closed_at_street=Count("id", filter=Q(status="closed", level="street")),
        rated=Count("rating"),
        mean_rating=Avg("rating"),
        satisfied=Count("id", filter=Q(rating__gte=4)),
    )
    events = IncidentEvent.objects.filter(incident=OuterRef("pk"))
    times = cases.annotate(
        resolved_at=Subquery(events.filter(action="resolve").order_by("-at").values("at")[:1]),
        closed_at=Subquery(events.filter(action="close").order_by("-at").values("at")[:1]),
        swept=Exists(events.filter(action="escalate", actor=None)),
    ).values_list("status", "received_at", "due_at", "resolved_at", "closed_at", "swept")
    on_time = late = 0
    hours = []
    for status, received_at, due_at, resolved_at, closed_at, swept in times:
        done = status in ("resolved", "closed")
        on_time += done and resolved_at is not None and resolved_at <= due_at and not swept
        late += swept or (not done and due_at < now) or (done and resolved_at is not None and resolved_at > due_at)
        if status == "closed":
            hours.append((closed_at - received_at).total_seconds() / 3600)
    row.update(
        resolved=cases.filter(status__in=["resolved", "closed"]).count(),
        resolved_on_time=on_time,
        late=late,
        mean_hours_to_close=statistics.fmean(hours) if hours else None,
        median_hours_to_close=statistics.median(hours) if hours else None,
    )
    return row


def year_figures(n_cases, sample):
    from django.utils import timezone

    from grids.models import Area, Level
    from incidents.figures import figures

    truncate_cases()
    now = timezone.now()
    log(f"figures: generating a year of {n_cases:,} cases with their events")
    gen_s = generate(n_cases, YEAR_STATUS, YEAR_LEVEL, YEAR_DUE, YEAR_RATING, now, events=True)
    events = scalar("SELECT count(*) FROM incidents_incidentevent")
    since, until = now - timedelta(days=365), now + timedelta(seconds=1)
    figures(DISTRICT, "district", since, until)  # warm the cache once, as a running server would be
    timings, rows = {}, {}
    for level in ("district", "street", "community"):
        log(f"figures: {level}")
        start = time.perf_counter()
        rows[level] = figures(DISTRICT, level, since, until, now=now)
        timings[level] = time.perf_counter() - start
    assert sum(r["received"] for r in rows["community"]) == rows["district"][0]["received"]
    district = rows["district"][0]

    communities = list(Area.objects.within(DISTRICT).filter(level=Level.COMMUNITY).order_by("?")[:sample])
    n_communities = Area.objects.within(DISTRICT).filter(level=Level.COMMUNITY).count()
    log(f"figures: the peer, {len(communities)} communities through the ORM")
    start = time.perf_counter()
    naive = {c.code: naive_community_figures(c, since, until, now) for c in communities}
    naive_s = time.perf_counter() - start
    by_code = {r["code"]: r for r in rows["community"]}
    for code, row in naive.items():  # the peer must agree with the statement
        sql_row = by_code.get(code, {"received": 0, "closed": 0, "resolved_on_time": 0, "late": 0, "resolved": 0})
        for key in ("received", "closed", "resolved", "resolved_on_time", "late"):
            assert row[key] == sql_row[key], (code, key, row[key], sql_row[key])
        if row["mean_hours_to_close"] is not None:
            assert abs(row["mean_hours_to_close"] - sql_row["mean_hours_to_close"]) < 0.01, code
    return {
        "cases": n_cases,
        "events": events,
        "gen_s": gen_s,
        "timings": timings,
        "areas": {level: len(r) for level, r in rows.items()},
        "district": district,
        "communities": n_communities,
        "naive_per_community_s": naive_s / len(communities),
        "sample": len(communities),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=1_000_000)
    parser.add_argument("--overdue", type=int, default=10_000)
    parser.add_argument("--year-cases", type=int, default=2_000_000)
    parser.add_argument("--naive-sample", type=int, default=300)
    parser.add_argument("--naive-communities", type=int, default=50)
    parser.add_argument("--no-record", action="store_true", help="print the table without appending it")
    args = parser.parse_args()
    setup_django()
    truncate_cases()  # cases protect their grids: the city can only be replaced without them
    load_s = ensure_city()
    s = sweep(args.open, args.overdue, args.naive_sample)
    f = year_figures(args.year_cases, args.naive_communities)
    execute("DROP TABLE IF EXISTS bench_grid, bench_category")
    truncate_cases()  # as bench/intake.py: cases protect their grids, the other benches replace the city

    naive_sweep = s["naive_per_case_s"] * s["overdue"]
    naive_figures = f["naive_per_community_s"] * f["communities"]
    d = f["district"]["shares"]
    lines = [
        *heading("workflow", "workflow.py"),
        "| what | data | govgrid (s) | peer (s) | peer | ratio |",
        "|---|---|---:|---:|---|---:|",
        f"| escalate_overdue | {s['open']:,} open cases, {s['overdue']:,} overdue | {s['sweep_s']:.2f} "
        f"| {naive_sweep:.1f} | act() case by case, {s['sample']} cases extrapolated | "
        f"{naive_sweep / s['sweep_s']:.0f}× |",
        f"| escalate_overdue, again | nothing overdue | {s['again_s']:.2f} | | | |",
        f"| figures, district | {f['cases']:,} cases in a year, {f['events']:,} events, 50,000 grids "
        f"| {f['timings']['district']:.2f} | | | |",
        f"| figures, streets ({f['areas']['street']}) | same | {f['timings']['street']:.2f} | | | |",
        f"| figures, communities ({f['areas']['community']:,}) | same | {f['timings']['community']:.2f} "
        f"| {naive_figures:.1f} | ORM per community, {f['sample']} extrapolated to {f['communities']:,} | "
        f"{naive_figures / f['timings']['community']:.0f}× |",
        "",
        f"Sweep: {s['moved']:,} escalated, {s['events']:,} events, second run {s['again']}, "
        f"{s['still_overdue']} still overdue; {s['gen_s']:.0f} s to generate the cases"
        + (f", {load_s:.0f} s to load the city" if load_s else "")
        + f". Figures: {f['gen_s']:.0f} s to generate; district shares: closed in the grid "
        f"{d['closed_in_grid']}, in the community {d['closed_in_community']}, at the street {d['closed_at_street']}, "
        f"closure {d['closure_rate']}, on time {d['on_time_rate']}, satisfied {d['satisfied']}.",
    ]
    text = "\n".join(lines) + "\n"
    if args.no_record:
        print(text)
        return
    record(text)


if __name__ == "__main__":
    main()
