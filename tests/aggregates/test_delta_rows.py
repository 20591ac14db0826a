"""Writers of cases of one day in one district do not wait for each other on the kept sums: the
triggers only append delta rows, the worker folds them into the sums, and the figures read are the
counted ones before and after the fold."""

import uuid
from datetime import timedelta

import psycopg2
import pytest
from django.utils import timezone

from aggregates.models import AreaDay, AreaDayDelta
from aggregates.sql import fold
from incidents.figures import figures, set_based_figures
from incidents.intake import Report, report_incident
from incidents.models import Incident
from incidents.workflow import act
from tests.aggregates.conftest import local_midnight
from tests.conftest import committed_city
from tests.incidents.conftest import SMALL_CITY, other_connection

CODE = "990061"  # a committed city of this file's own
ORIGIN = (113.60, 32.50)


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """The small city with two cases received today in its two streets, accepted, committed: one
    for grid_worker, one for grid_worker_2."""
    with committed_city(django_db_blocker, lambda city: city.staff(), code=CODE, origin=ORIGIN, **SMALL_CITY) as city:
        with django_db_blocker.unblock():
            city.cases = {name: accepted_case(city, name) for name in ("grid_worker", "grid_worker_2")}
        yield city


def accepted_case(city, name):
    point = city.grid_of(name).geom.point_on_surface
    report = Report(client_id=uuid.uuid4(), category="0301", description="同日同区", lon=point.x, lat=point.y)
    code = report_incident(city.users[name], report)[0].code
    return act(city.users[name], code, "accept", Incident.objects.get(code=code).version)


def resolved_on_another_connection_within(seconds, case):
    """A second writer, committing at once: the case resolved and its event written in SQL (the
    triggers see them as they see the workflow's); False when it had to wait longer than `seconds`
    for a lock."""
    other = other_connection()
    try:
        with other.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = '{seconds}s'")
            cursor.execute("BEGIN")
            cursor.execute("UPDATE incidents_incident SET status = 'resolved' WHERE id = %s", [case.id])
            cursor.execute(
                "INSERT INTO incidents_incidentevent "
                "(incident_id, action, at, from_status, to_status, from_level, to_level, reason, note) "
                "VALUES (%s, 'resolve', now(), 'accepted', 'resolved', 'grid', 'grid', '', '')",
                [case.id],
            )
            cursor.execute("COMMIT")
        return True
    except psycopg2.errors.LockNotAvailable:
        return False
    finally:
        other.close()


def both_ways(city):
    """The figures of today, read from the kept sums and counted from the cases, at each level."""
    today = timezone.localdate()
    since, until = local_midnight(today), local_midnight(today + timedelta(days=1))
    now = timezone.now()
    for level in ("district", "street", "community"):
        counted = set_based_figures(city.code, level, since, until, now=now)
        yield figures(city.code, level, since, until, now=now), counted


def test_while_one_grid_worker_resolves_a_case_of_the_day_another_of_the_district_commits_without_waiting(city, db):
    alice_case, bob_case = city.cases["grid_worker"], city.cases["grid_worker_2"]
    act(city.users["grid_worker"], alice_case.code, "resolve", alice_case.version)  # the test's transaction stays open
    assert resolved_on_another_connection_within(2, bob_case), "the second writer waited for the first"

    assert AreaDayDelta.objects.filter(level="district", area_code=city.code).exists()
    for read, counted in both_ways(city):
        assert read == counted and read
    district = next(both_ways(city))[0]
    assert district[0]["resolved"] == 2

    assert fold() > 0
    assert not AreaDayDelta.objects.filter(area_code__startswith=city.code).exists()
    assert AreaDay.objects.get(level="district", area_code=city.code, day=timezone.localdate()).resolved == 2
    for read, counted in both_ways(city):
        assert read == counted
