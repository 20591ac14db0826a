"""Benchmark: the Party members' and volunteers' figures (volunteers.figures) for a city of 50,000 grids
and 1,000,000 members with a year of service requests, ledger rows, household visits and meetings.

    .venv/bin/python bench/volunteers.py [--scale 1.0] [--peer-communities 50] [--no-record]

It uses a scratch database of its own, govgrid_bench_volunteers on the local cluster (or
BENCH_DATABASE_URL), which it empties and fills each run, so no other bench's city is touched. The
city is generated in set-based SQL (generate_series), at --scale of the full size:
- 50,000 grids in 4,475 communities of 99 streets (squares: the figures never read a boundary),
  1,000,000 people (8 in 10 Party members, 3 in 10 with one of 500 work units), 2 household links a grid;
- over a year and a fortnight either side: 10 service requests a grid in every state (waiting,
  refused, offered, claimed, done, confirmed and rated), their ledger rows (hours; points for a
  rated service) and a correction a grid; a visit in 7 of 10 weeks a link owes one; a monthly
  analysis meeting in 8 of 10 grids' months and a yearly training, two attendees each.
Then it times volunteers.figures.volunteer_figures over the year for the district, the streets, the
communities, the grids and the work units (one statement each), and the peer: the same figures of
one community computed through the ORM (an aggregate per source, medians and link-weeks in Python),
timed on --peer-communities communities and extrapolated to all of them. The peer's rows must equal
the statement's. The community statement's EXPLAIN (ANALYZE, BUFFERS) goes to
bench/volunteers-plan-<grids>.txt. Results are appended to bench/results.md.
"""

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = "govgrid_bench_volunteers"
if "BENCH_DATABASE_URL" not in os.environ:
    PASSWORD = (ROOT / "var" / "db_password").read_text().strip()
    PORT = os.environ.get("GOVGRID_PG_PORT", "54329")
    subprocess.run([ROOT / "scripts" / "pg.sh", "createdb"], env={**os.environ, "GOVGRID_DB_NAME": SCRATCH}, check=True)
    os.environ["BENCH_DATABASE_URL"] = f"postgres://govgrid:{PASSWORD}@127.0.0.1:{PORT}/{SCRATCH}"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from areas import heading, record, setup_django  # noqa: E402  (sets DATABASE_URL to BENCH_DATABASE_URL)

DISTRICT = "411381"
SINCE, UNTIL = date(2025, 12, 1), date(2026, 12, 1)  # the year measured


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


def sizes(scale):
    grids = max(12, round(50_000 * scale))
    communities = max(2, grids * 4475 // 50_000)
    streets = max(1, grids * 99 // 50_000)
    return {
        "grids": grids,
        "communities": communities,
        "streets": streets,
        "people": max(100, round(1_000_000 * scale)),
        "work_units": max(5, round(500 * scale)),
        "links": 2 * grids,
        "requests": 10 * grids,
    }


# Each statement takes the sizes as parameters; ids are given, so that every table can name rows of
# the others by arithmetic (the tables are emptied with their identities first).
GENERATE = {
    "areas": [
        """INSERT INTO grids_area (id, code, name, level, geom, kind, households, population, updated_at, parent_id)
           VALUES (1, %(district)s, '区', 'district', %(box)s, '', NULL, NULL, now(), NULL)""",
        """INSERT INTO grids_area (id, code, name, level, geom, kind, households, population, updated_at, parent_id)
           SELECT 2 + s, %(district)s || lpad((s + 1)::text, 3, '0'), '街道' || (s + 1), 'street', %(box)s, '',
                  NULL, NULL, now(), 1
           FROM generate_series(0, %(streets)s - 1) s""",
        """INSERT INTO grids_area (id, code, name, level, geom, kind, households, population, updated_at, parent_id)
           SELECT 2 + %(streets)s + c,
                  st.code || lpad(row_number() OVER (PARTITION BY x.s ORDER BY c)::text, 3, '0'),
                  '社区' || (c + 1), 'community', %(box)s, '', NULL, NULL, now(), st.id
           FROM (SELECT c, c::bigint * %(streets)s / %(communities)s AS s
                 FROM generate_series(0, %(communities)s - 1) c) x
           JOIN grids_area st ON st.id = 2 + x.s""",
        """INSERT INTO grids_area (id, code, name, level, geom, kind, households, population, updated_at, parent_id)
           SELECT 2 + %(streets)s + %(communities)s + g,
                  cm.code || lpad(row_number() OVER (PARTITION BY x.c ORDER BY g)::text, 3, '0'),
                  '网格' || (g + 1), 'grid',
                  ST_Multi(ST_MakeEnvelope(112 + (g %% 250) * 0.002, 32 + (g / 250) * 0.002,
                                           112.002 + (g %% 250) * 0.002, 32.002 + (g / 250) * 0.002, 4326)),
                  'basic', 300, 900, now(), cm.id
           FROM (SELECT g, g::bigint * %(communities)s / %(grids)s AS c FROM generate_series(0, %(grids)s - 1) g) x
           JOIN grids_area cm ON cm.id = 2 + %(streets)s + x.c""",
    ],
    "people": [
        """INSERT INTO grids_workunit (id, name, party_org, phone, district_id)
           SELECT u, '单位' || u, '单位' || u || '党委', '', 1 FROM generate_series(1, %(work_units)s) u""",
        """INSERT INTO grids_person (id, name, phone, gender, birth_year, is_party_member, home_community_id,
                                     user_id, work_unit_id)
           SELECT n, '成员' || n, '', '', NULL, n %% 10 < 8, 2 + %(streets)s + n %% %(communities)s, NULL,
                  CASE WHEN n %% 10 < 3 THEN 1 + (n / 10) %% %(work_units)s END
           FROM generate_series(1, %(people)s) n""",
        # two links a grid; one in ten starts during the year, one in twenty ends during it
        """INSERT INTO grids_householdlink (id, households, starts_on, ends_on, grid_id, person_id)
           SELECT k, 10 + k %% 30,
                  CASE WHEN k %% 10 = 0 THEN %(since)s::date + (k * 7 %% 330) ELSE date '2024-01-01' END,
                  CASE WHEN k %% 20 = 1 THEN %(since)s::date + 20 + (k * 13 %% 330) END,
                  %(first_grid)s + (k - 1) %% %(grids)s, 1 + (k::bigint * 7919) %% %(people)s
           FROM generate_series(1, %(links)s) k""",
    ],
    "requests": [
        """INSERT INTO volunteers_servicerequest (
               tracking_code, client_id, channel, kind, description, for_whom, place, contact_name,
               contact_phone, asked_at, status, reason, tier, offered_at, claimed_at, done_at, minutes, done_note,
               confirmed_at, rating, rating_note, version, updated_at, community_id, grid_id, volunteer_id,
               fingerprint, device)
           SELECT 'B' || n, gen_random_uuid(), 'resident', 'errands', 'bench', 'self', '', '', '',
                  asked_at, status, '', '', offered_at, claimed_at, done_at,
                  CASE WHEN done_at IS NOT NULL THEN 20 + n %% 160 END, '',
                  CASE WHEN status = 'confirmed' THEN done_at + interval '1 day' END,
                  CASE WHEN status = 'confirmed' AND r_rating < 0.8 THEN
                      CASE WHEN r_rating < 0.03 THEN 1 WHEN r_rating < 0.06 THEN 2 WHEN r_rating < 0.12 THEN 3
                           WHEN r_rating < 0.35 THEN 4 ELSE 5 END END,
                  '', 1, now(), community_id, grid_id,
                  CASE WHEN claimed_at IS NOT NULL THEN 1 + (n::bigint * 104729) %% %(people)s END, '', ''
           FROM (
               SELECT s.*, CASE WHEN status IN ('claimed', 'done', 'confirmed') THEN
                               coalesce(offered_at, asked_at) + (0.1 + r_claim * 24) * interval '1 hour' END
                               AS claimed_at
               FROM (
                   SELECT s.*, CASE WHEN status NOT IN ('asked', 'refused') AND r_direct >= 0.1 THEN
                                   asked_at + (0.5 + r_offer * 6) * interval '1 hour' END AS offered_at
                   FROM (
                       SELECT n, %(first_grid)s + g AS grid_id0, random() AS r_claim, random() AS r_offer,
                              random() AS r_direct, random() AS r_rating, random() AS r_done,
                              %(since)s::timestamptz - interval '15 days' + random() * interval '395 days' AS asked_at,
                              CASE WHEN r < 0.05 THEN 'asked' WHEN r < 0.10 THEN 'refused' WHEN r < 0.15 THEN 'offered'
                                   WHEN r < 0.20 THEN 'claimed' WHEN r < 0.25 THEN 'done' ELSE 'confirmed' END
                                   AS status
                       FROM (SELECT n, floor(random() * %(grids)s)::int AS g, random() AS r
                             FROM generate_series(1, %(requests)s) n) q
                   ) s
               ) s
           ) s
           CROSS JOIN LATERAL (
               SELECT a.parent_id AS community_id, CASE WHEN s.n %% 10 <> 0 THEN a.id END AS grid_id
               FROM grids_area a WHERE a.id = s.grid_id0
           ) a
           CROSS JOIN LATERAL (
               SELECT CASE WHEN s.status IN ('done', 'confirmed') THEN
                          s.claimed_at + (1 + s.r_done * 71) * interval '1 hour' END AS done_at
           ) d""",
    ],
    "ledger": [
        """INSERT INTO volunteers_ledgerentry (kind, "on", hours, points, note, credited_at, district_id, community_id,
                                              grid_id, work_unit_id, person_id, request_id)
           SELECT k.kind, (r.done_at AT TIME ZONE %(tz)s)::date,
                  CASE WHEN k.kind = 'service_hours' THEN round(r.minutes / 60.0, 2) ELSE 0 END,
                  CASE WHEN k.kind = 'service_hours' THEN round(r.minutes / 60.0, 2) ELSE 2 END,
                  '', r.confirmed_at, 1, r.community_id, r.grid_id, p.work_unit_id, r.volunteer_id, r.id
           FROM volunteers_servicerequest r JOIN grids_person p ON p.id = r.volunteer_id
           CROSS JOIN (VALUES ('service_hours'), ('rated_service')) k(kind)
           WHERE r.status = 'confirmed' AND (k.kind = 'service_hours' OR r.rating IS NOT NULL)""",
        # a correction a grid, on a day of the year (or just outside it), half without a grid
        """INSERT INTO volunteers_ledgerentry (kind, "on", hours, points, note, credited_at, district_id, community_id,
                                              grid_id, work_unit_id, person_id)
           SELECT 'correction', %(since)s::date - 10 + (n * 31 %% 385), (n %% 7 - 3) / 2.0, n %% 7 - 3, '更正',
                  now(), 1, a.parent_id, CASE WHEN n %% 2 = 0 THEN a.id END, p.work_unit_id, p.id
           FROM generate_series(1, %(grids)s) n
           JOIN grids_area a ON a.id = %(first_grid)s + n - 1
           JOIN grids_person p ON p.id = 1 + (n::bigint * 15485863) %% %(people)s""",
    ],
    "visits": [
        # a visit in 7 of 10 weeks that a link owes one, on a day of that week
        """INSERT INTO grids_visit (client_id, visited_on, households_reached, notes, recorded_at, grid_id, link_id,
                                    person_id)
           SELECT gen_random_uuid(), w.monday + floor(random() * 7)::int, 1 + h.households / 2, '', now(),
                  h.grid_id, h.id, h.person_id
           FROM grids_householdlink h
           JOIN (SELECT d::date AS monday FROM generate_series(
                     date_trunc('week', %(since)s::date - 14), %(until)s::date + 14, interval '1 week') d) w
             ON h.starts_on <= w.monday AND (h.ends_on IS NULL OR h.ends_on > w.monday)
           WHERE random() < 0.7""",
    ],
    "meetings": [
        """INSERT INTO grids_partymeeting (client_id, kind, held_on, topic, others_attending, issues, decisions,
                                           recorded_at, area_id)
           SELECT gen_random_uuid(), 'analysis', m::date + floor(random() * 27)::int, '', 0, '', '', now(), a.id
           FROM grids_area a
           CROSS JOIN generate_series(%(since)s::date - 31, %(until)s::date, interval '1 month') m
           WHERE a.level = 'grid' AND random() < 0.8""",
        """INSERT INTO grids_partymeeting (client_id, kind, held_on, topic, others_attending, issues, decisions,
                                           recorded_at, area_id)
           SELECT gen_random_uuid(), 'training', %(since)s::date + floor(random() * 365)::int, '', 0, '', '',
                  now(), a.id
           FROM grids_area a WHERE a.level IN ('grid', 'community')""",
        """INSERT INTO grids_partymeeting_attendees (partymeeting_id, person_id)
           SELECT DISTINCT m.id, 1 + (m.id * k * 2654435761) %% %(people)s
           FROM grids_partymeeting m CROSS JOIN (VALUES (1), (2)) j(k)""",
    ],
}

TABLES = [
    "grids_partymeeting_attendees",
    "grids_partymeeting",
    "grids_visit",
    "volunteers_ledgerentry",
    "volunteers_servicerequest",
    "grids_householdlink",
    "grids_person",
    "grids_workunit",
    "grids_area",
]


def empty_scratch():
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if name != SCRATCH and "BENCH_DATABASE_URL_IS_SCRATCH" not in os.environ:
        raise SystemExit(f"refusing to empty {name!r}: only {SCRATCH} (or BENCH_DATABASE_URL_IS_SCRATCH=1)")
    # TRUNCATE: the ledger's append-only triggers are row triggers, which it does not fire
    execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")


def generate(size):
    from django.conf import settings
    from django.db import DatabaseError, transaction

    params = size | {
        "district": DISTRICT,
        "since": SINCE,
        "until": UNTIL,
        "tz": settings.TIME_ZONE,
        "first_grid": 2 + size["streets"] + size["communities"],
        "box": "SRID=4326;MULTIPOLYGON(((112 32,112.5 32,112.5 32.4,112 32.4,112 32)))",
    }
    timings = {}
    # Rows made consistent by construction: their foreign keys are not checked one by one while
    # loading (a superuser's session setting; without the right, they are checked).
    try:
        with transaction.atomic():
            execute("SET session_replication_role = replica")
    except DatabaseError:
        log("  foreign keys checked while loading (no right to skip them)")
    for part, statements in GENERATE.items():
        start = time.perf_counter()
        for sql in statements:
            execute(sql, params)
        timings[part] = time.perf_counter() - start
        log(f"  {part}: {timings[part]:.1f} s")
    execute("RESET session_replication_role")
    # the weeks due and done kept by the links' and visits' triggers, which the load went around
    start = time.perf_counter()
    from grids import visited_weeks

    visited_weeks.rebuild()
    timings["kept weeks"] = time.perf_counter() - start
    log(f"  kept weeks: {timings['kept weeks']:.1f} s")
    for table in TABLES:
        execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 1)) FROM {table}")
    start = time.perf_counter()
    execute("VACUUM ANALYZE")
    timings["analyze"] = time.perf_counter() - start
    return timings


def counts():
    return {table: scalar(f"SELECT count(*) FROM {table}") for table in TABLES}


# --- the peer: one community through the ORM ------------------------------------------------------
def peer_community(community, since, until):
    """One community's FIGURES through the ORM, by volunteers.figures' definitions: an aggregate per
    source, the medians and the link-weeks in Python."""
    from django.db.models import Count, Q, Sum
    from django.utils import timezone

    from grids.duty_weeks import week_is_due
    from grids.models import HouseholdLink, PartyMeeting, Visit
    from volunteers.models import LedgerEntry, ServiceRequest

    zone = timezone.get_current_timezone()
    start, end = (datetime.combine(day, datetime.min.time(), zone) for day in (since, until))
    in_community = Q(grid__parent=community) | Q(grid__isnull=True)
    requests = ServiceRequest.objects.filter(community=community, asked_at__gte=start, asked_at__lt=end)
    requests = requests.filter(in_community)
    row = requests.aggregate(
        received=Count("id"),
        accepted=Count("id", filter=Q(offered_at__isnull=False)),
        claimed=Count("id", filter=Q(claimed_at__isnull=False)),
        completed=Count("id", filter=Q(done_at__isnull=False)),
        rated=Count("rating"),
        satisfied=Count("id", filter=Q(rating__gte=4)),
    )
    claim, complete = [], []
    for asked, offered, claimed, done in requests.values_list("asked_at", "offered_at", "claimed_at", "done_at"):
        if offered and claimed:
            claim.append((claimed - offered).total_seconds() / 3600)
        if done:
            complete.append((done - asked).total_seconds() / 3600)
    sums = (
        LedgerEntry.objects.filter(community=community, on__gte=since, on__lt=until)
        .filter(in_community)
        .aggregate(hours=Sum("hours"), points=Sum("points"))
    )
    links = list(HouseholdLink.objects.filter(grid__parent=community).values_list("id", "starts_on", "ends_on"))
    first_monday = since + timedelta(days=(7 - since.weekday()) % 7)
    mondays = [first_monday + timedelta(weeks=i) for i in range(0, (until - first_monday).days // 7 + 1)]
    mondays = [m for m in mondays if m < until]
    done = set(
        (link, day - timedelta(days=day.weekday()))
        for link, day in Visit.objects.filter(
            grid__parent=community, visited_on__gte=first_monday, visited_on__lt=until + timedelta(days=6)
        ).values_list("link_id", "visited_on")
    )
    due = [(link, m) for link, starts, ends in links for m in mondays if week_is_due(starts, ends, m)]
    meetings = PartyMeeting.objects.filter(
        Q(area=community) | Q(area__parent=community), held_on__gte=since, held_on__lt=until
    ).aggregate(
        analysis_meetings=Count("id", filter=Q(kind="analysis")), trainings=Count("id", filter=Q(kind="training"))
    )
    row |= meetings
    row["hours"], row["points"] = float(sums["hours"] or 0), float(sums["points"] or 0)
    row["visits_due"], row["visits_done"] = len(due), sum(1 for pair in due if pair in done)
    row["median_hours_to_claim"] = statistics.median(claim) if claim else None
    row["median_hours_to_complete"] = statistics.median(complete) if complete else None
    row["satisfaction"] = row["satisfied"] / row["rated"] if row["rated"] else None
    row["visits_share"] = row["visits_done"] / row["visits_due"] if row["visits_due"] else None
    return row


def agrees(peer, sql):
    for name, value in peer.items():
        other = sql[name]
        if value is None or other is None:
            assert value is None and other is None, (name, value, other)
        else:
            assert math.isclose(float(value), float(other), abs_tol=0.006), (name, value, other)


def measure(peer_sample, n_grids):
    from django.db import connection

    from grids.models import Area, Level
    from volunteers.figures import _grouping, _params, _statement, volunteer_figures

    volunteer_figures([DISTRICT], "district", SINCE, UNTIL)  # warm the cache once, as a running server would be
    timings, rows = {}, {}
    for level in ("district", "street", "community", "grid", "work_unit"):
        log(f"figures: {level}")
        start = time.perf_counter()
        rows[level] = volunteer_figures([DISTRICT], level, SINCE, UNTIL)
        timings[level] = time.perf_counter() - start
    whole = rows["district"][0]
    for level in ("street", "community", "grid"):
        assert sum(r["received"] for r in rows[level]) == whole["received"], level
        assert sum(r["visits_due"] for r in rows[level]) == whole["visits_due"], level

    grouping = _grouping("community")
    sql, params = _statement(grouping, [DISTRICT])
    params |= _params(grouping, SINCE, UNTIL)
    with connection.cursor() as cursor:  # as the figures run: without JIT (govgrid.databases)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(r[0] for r in cursor.fetchall())
        text = cursor.mogrify(sql, params).decode()
    plan_file = ROOT / "bench" / f"volunteers-plan-{n_grids}.txt"
    plan_file.write_text(f"-- SQL\n{text}\n\n-- EXPLAIN (ANALYZE, BUFFERS), without JIT\n{plan}\n")

    communities = list(Area.objects.filter(level=Level.COMMUNITY).order_by("?")[:peer_sample])
    n_communities = Area.objects.filter(level=Level.COMMUNITY).count()
    log(f"figures: the peer, {len(communities)} communities through the ORM")
    start = time.perf_counter()
    peer = {c.code: peer_community(c, SINCE, UNTIL) for c in communities}
    peer_s = time.perf_counter() - start
    by_code = {r["code"]: r for r in rows["community"]}
    for code, row in peer.items():
        agrees(row, by_code[code])
    return {
        "timings": timings,
        "areas": {level: len(r) for level, r in rows.items()},
        "district": whole,
        "communities": n_communities,
        "peer_per_community_s": peer_s / len(communities),
        "sample": len(communities),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="of 50,000 grids and 1,000,000 members")
    parser.add_argument("--peer-communities", type=int, default=50)
    parser.add_argument("--no-record", action="store_true", help="print the table without appending it")
    args = parser.parse_args()
    setup_django()
    size = sizes(args.scale)
    log(f"generating: {size}")
    empty_scratch()
    start = time.perf_counter()
    gen = generate(size)
    gen_s = time.perf_counter() - start
    rows = counts()
    log(f"rows: {rows}")
    m = measure(args.peer_communities, size["grids"])
    t, d = m["timings"], m["district"]
    peer_total = m["peer_per_community_s"] * m["communities"]
    data = (
        f"{size['grids']:,} grids, {rows['grids_person']:,} members, {rows['volunteers_servicerequest']:,} "
        f"requests, {rows['volunteers_ledgerentry']:,} ledger rows, {rows['grids_visit']:,} visits, "
        f"{rows['grids_partymeeting']:,} meetings"
    )
    lines = [
        *heading("volunteers' figures", "volunteers.py"),
        "| what | data | govgrid, one statement (s) | peer (s) | peer | ratio |",
        "|---|---|---:|---:|---|---:|",
        f"| district | {data} | {t['district']:.2f} | | | |",
        f"| streets ({m['areas']['street']:,}) | same | {t['street']:.2f} | | | |",
        f"| communities ({m['areas']['community']:,}) | same | {t['community']:.2f} | {peer_total:.1f} "
        f"| ORM per community, {m['sample']} timed and extrapolated to {m['communities']:,} "
        f"| {peer_total / t['community']:.0f}× |",
        f"| grids ({m['areas']['grid']:,} rows) | same | {t['grid']:.2f} | | | |",
        f"| work units ({m['areas']['work_unit']:,}) | same | {t['work_unit']:.2f} | | | |",
        "",
        f"Generation {gen_s:.0f} s in SQL ("
        + ", ".join(f"{part} {seconds:.0f} s" for part, seconds in gen.items())
        + f"). The year {SINCE} to {UNTIL}, district: {d['received']:,} requests received, {d['completed']:,} "
        f"completed, satisfaction {d['satisfaction']}, median hours to claim {d['median_hours_to_claim']} and to "
        f"complete {d['median_hours_to_complete']}, {d['hours']:,.0f} hours, visits {d['visits_done']:,} of "
        f"{d['visits_due']:,} due, {d['analysis_meetings']:,} analysis meetings. The peer's {m['sample']} "
        "communities equal the statement's rows.",
    ]
    text = "\n".join(lines) + "\n"
    if args.no_record:
        print(text)
        return
    record(text)


if __name__ == "__main__":
    main()
