"""The density map's counts kept per grid and day (maps.case_days) equal the cases counted: after
every kind of change to cases (one report, a statement of many, a grid or a time received changed,
one case and many deleted, a truncate), on a seeded random history over the turn of a year and a
29 February, for every view, period and rate; and the kept rows equal those a rebuild makes. In a
drawn city of square grids (tests/conftest.py)."""

import random
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from grids.models import Area
from incidents import partitions
from incidents.models import Category, Incident
from maps import case_days
from maps.queries import density
from tests.conftest import draw_city

ZONE = ZoneInfo(settings.TIME_ZONE)
FIRST, LAST = date(2023, 12, 20), date(2024, 3, 5)  # the history's days


@pytest.fixture
def city(db):
    """Two streets of two communities of 3 × 3 square grids, and the months of the history."""
    partitions.make_months(FIRST, LAST)
    return draw_city(streets=2, towns=0, communities=2, grids=(3, 3))


def received(rng):
    """A moment of the history, local time: any day from FIRST to LAST, any second of it."""
    day = FIRST + timedelta(days=rng.randrange((LAST - FIRST).days + 1))
    return datetime.combine(day, time.min, ZONE) + timedelta(seconds=rng.randrange(86_400))


def unsaved_case(grid, when, category):
    """A case received at `when` in `grid`, with the id and code of its day as intake gives them."""
    day = when.astimezone(ZONE).date()
    with connection.cursor() as cursor:
        cursor.execute("SELECT incidents_case_id(%s)", [day])
        number = cursor.fetchone()[0]
    point = grid.geom.point_on_surface
    return Incident(
        id=number,
        code=f"{grid.code[:6]}-{day:%Y%m%d}-T{uuid.uuid4().hex[:7]}",
        client_id=uuid.uuid4(),
        fingerprint="-",
        category=category,
        description="测试",
        location=point,
        input_lon=point.x,
        input_lat=point.y,
        input_crs="wgs84",
        grid=grid,
        area_code=grid.code,
        level="grid",
        status="reported",
        reported_at=when,
        received_at=when,
        due_at=when + timedelta(days=1),
    )


def kept_rows():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT grid_id, year, through FROM {case_days.TABLE} ORDER BY 1, 2")
        return cursor.fetchall()


def kept_counts(first, after):
    """{grid_id: cases} of the days [first, after) from the kept totals, every grid's."""
    with connection.cursor() as cursor:
        cursor.execute(case_days.counts_sql("grids_area", "true"), case_days.counts_params(first, after))
        counts = {}
        for grid_id, cases in cursor.fetchall():
            counts[grid_id] = counts.get(grid_id, 0) + cases
        return {grid_id: n for grid_id, n in counts.items() if n}


def counted(first, after):
    """{grid_id: cases} of the days [first, after) counted from the cases."""
    since, until = (datetime.combine(day, time.min, ZONE) for day in (first, after))
    rows = Incident.objects.filter(received_at__gte=since, received_at__lt=until).values("grid_id")
    return {row["grid_id"]: row["n"] for row in rows.annotate(n=Count("id"))}


def test_the_spans_of_a_period_are_its_days_of_each_year_it_covers():
    assert case_days.spans(date(2023, 12, 30), date(2024, 1, 3)) == [(2023, 363, 365), (2024, 0, 2)]
    assert case_days.spans(date(2024, 2, 28), date(2024, 3, 2)) == [(2024, 58, 61)]  # 29 February is day 60
    assert case_days.spans(date(2024, 12, 31), date(2025, 1, 1)) == [(2024, 365, 366)]
    assert case_days.spans(date(2024, 1, 1), date(2024, 1, 1)) == []


def test_the_kept_counts_follow_every_kind_of_change_to_cases(city):
    rng = random.Random(31)
    items = list(Category.objects.filter(parent__isnull=False, active=True).order_by("code")[:4])
    made = [unsaved_case(rng.choice(city.grids), received(rng), rng.choice(items)) for _ in range(40)]
    for case in made:  # one report a statement
        case.save(force_insert=True)
    Incident.objects.bulk_create(  # many in one statement
        [unsaved_case(rng.choice(city.grids), received(rng), rng.choice(items)) for _ in range(60)]
    )
    windows = [
        (date(2023, 12, 1), date(2024, 4, 1)),  # the months of the history, where moved cases still are
        (FIRST, LAST + timedelta(days=1)),
        (date(2023, 12, 31), date(2024, 1, 2)),
        (date(2024, 2, 29), date(2024, 3, 1)),
    ]

    def check():
        assert kept_rows() == rebuilt()
        for first, after in windows:
            assert kept_counts(first, after) == counted(first, after), (first, after)

    def rebuilt():
        before = kept_rows()
        case_days.rebuild()
        again = kept_rows()
        with connection.cursor() as cursor:  # put back what the triggers kept, for the next check
            cursor.execute(f"TRUNCATE {case_days.TABLE}")
            if before:
                cursor.executemany(f"INSERT INTO {case_days.TABLE} VALUES (%s, %s, %s)", before)
        return again

    check()
    ids = list(Incident.objects.values_list("id", flat=True).order_by("id"))
    for case_id in rng.sample(ids, 8):  # a case moved to another grid
        Incident.objects.filter(pk=case_id).update(grid=rng.choice(city.grids))
    check()
    for case_id in rng.sample(ids, 8):  # received at another moment of its month
        case = Incident.objects.get(pk=case_id)
        local = case.received_at.astimezone(ZONE)
        moved = local.replace(day=rng.randrange(1, 29), hour=rng.randrange(24))
        Incident.objects.filter(pk=case_id).update(received_at=moved)
    check()
    Incident.objects.filter(pk__in=ids[:30]).update(status="accepted", version=2)  # neither changes
    Incident.objects.filter(grid=city.grids[0]).update(grid=city.grids[1])  # many at once
    check()
    Incident.objects.filter(pk=ids[40]).delete()
    Incident.objects.filter(pk__in=ids[50:70]).delete()
    check()
    assert Incident.objects.count() == 79 and sum(counted(date(2023, 12, 1), date(2024, 4, 1)).values()) == 79
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no check of the test's writes left pending
        cursor.execute("TRUNCATE incidents_incident CASCADE")
    assert kept_rows() == []


def test_the_density_map_reads_the_kept_counts_as_it_counts_the_cases(city):
    """On a random history with a grid retired for a successor drawn over it (its cases counted
    there, from the cases), for every view, rate and period of whole days."""
    rng = random.Random(5)
    items = list(Category.objects.filter(parent__isnull=False, active=True).order_by("code")[:4])
    Incident.objects.bulk_create(
        [unsaved_case(rng.choice(city.grids), received(rng), rng.choice(items)) for _ in range(150)]
    )
    old = city.grids[4]
    Area.objects.filter(pk=old.pk).update(valid_to=date.today())
    Area.objects.create(
        code=old.code[:12] + "901", name="新网格", level="grid", kind=old.kind, parent_id=old.parent_id, geom=old.geom
    )
    street, community = city.grids[-1].code[:9], city.grids[0].code[:12]
    views = [[city.code], [street], [community], [city.grids[2].code], [street, community]]
    days = [
        (FIRST, LAST + timedelta(days=1)),
        (date(2023, 12, 25), date(2024, 1, 8)),
        (date(2024, 2, 29), date(2024, 3, 1)),
    ]
    for _ in range(5):
        first = FIRST + timedelta(days=rng.randrange(70))
        days.append((first, first + timedelta(days=rng.randrange(1, 30))))
    seen = 0
    for view in views:
        for first, after in days:
            since, until = (datetime.combine(day, time.min, ZONE) for day in (first, after))
            for per in ("households", "km2"):
                from_cases = density(view, since, until, per=per, kept=False)
                with CaptureQueriesContext(connection) as statements:
                    from_kept = density(view, since, until, per=per)
                assert case_days.TABLE in statements[-1]["sql"]  # read from the kept totals
                assert from_kept == from_cases, (view, first, after, per)
                seen += from_cases["total"]
    assert seen > 150
    whole = density([city.code], *(datetime.combine(day, time.min, ZONE) for day in days[0]))["grids"]
    assert sum(row["cases"] for row in whole) == 150 and any(row["gi_z"] for row in whole)
    with CaptureQueriesContext(connection) as statements:  # a category, or a time of day: from the cases
        density([city.code], *(datetime.combine(day, time.min, ZONE) for day in days[0]), items[0].code)
        density([city.code], datetime.combine(FIRST, time(8), ZONE), datetime.combine(LAST, time.min, ZONE))
    assert not any(case_days.TABLE in statement["sql"] for statement in statements)


def test_the_rebuild_command_counts_the_days_again_from_the_cases(city):
    """After a load that went around the triggers (here: the rows emptied by hand)."""
    from django.core.management import call_command

    rng = random.Random(3)
    items = list(Category.objects.filter(parent__isnull=False, active=True).order_by("code")[:2])
    Incident.objects.bulk_create(
        [unsaved_case(rng.choice(city.grids), received(rng), rng.choice(items)) for _ in range(30)]
    )
    kept = kept_rows()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {case_days.TABLE}")
    whole = (FIRST, LAST + timedelta(days=1))
    assert kept_counts(*whole) == {}
    call_command("rebuild_case_days")
    assert kept_rows() == kept and kept_counts(*whole) == counted(*whole) and sum(counted(*whole).values()) == 30
