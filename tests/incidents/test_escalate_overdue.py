"""escalate_overdue: every overdue case up one level, once, even with two sweeps running at once."""

import os
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from govgrid.lib.worktime import deadline
from grids.models import Area
from incidents.models import Category, Incident, IncidentEvent
from incidents.workflow import escalate_overdue
from tests.conftest import ROOT


def make_case(grid, due_in_hours, level="grid", status="reported"):
    """A case straight in the database (the intake path is tested elsewhere), due in N hours."""
    now = timezone.now()
    point = grid.geom.point_on_surface
    return Incident.objects.create(
        code=f"TEST-{uuid.uuid4().hex[:12]}",
        client_id=uuid.uuid4(),
        fingerprint="-",
        category=Category.objects.get(code="0301"),
        description="测试",
        location=point,
        input_lon=point.x,
        input_lat=point.y,
        input_crs="wgs84",
        grid=grid,
        area_code=grid.code[: {"grid": 15, "community": 12, "street": 9}[level]],
        level=level,
        status=status,
        reported_at=now,
        received_at=now,
        due_at=now + timedelta(hours=due_in_hours),
    )


@pytest.fixture
def grid(db):
    return Area.objects.within("411381").grids().order_by("code")[7]


def test_an_overdue_grid_case_goes_to_its_community_with_a_new_deadline(grid):
    case = make_case(grid, -1)
    now = timezone.now()
    assert escalate_overdue(now) == 1
    case.refresh_from_db()
    assert (case.level, case.area_code, case.status, case.version) == ("community", grid.code[:12], "reported", 2)
    assert case.due_at == deadline(now, case.category.deadline_community_hours, case.category.calendar_time)
    event = IncidentEvent.objects.get(incident=case)
    assert (event.action, event.actor, event.from_level, event.to_level) == ("escalate", None, "grid", "community")


def test_cases_not_yet_due_closed_or_at_the_street_stay_where_they_are(grid):
    cases = [make_case(grid, +1), make_case(grid, -1, status="resolved"), make_case(grid, -1, level="street")]
    escalate_overdue()
    assert [Incident.objects.get(pk=c.pk).level for c in cases] == ["grid", "grid", "street"]


def test_a_second_run_escalates_nothing_more(grid):
    case = make_case(grid, -1)
    escalate_overdue()
    assert escalate_overdue() == 0
    assert IncidentEvent.objects.filter(incident=case).count() == 1


def test_an_overdue_community_case_goes_to_the_street(grid):
    case = make_case(grid, -1, level="community")
    escalate_overdue()
    case.refresh_from_db()
    assert (case.level, case.area_code) == ("street", grid.code[:9])


def django_subprocess(code, *args):
    """Run Python with Django set up on the test database in a separate process (so what it writes
    is committed and what the test's transaction wrote is not seen)."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="govgrid.settings", PYTHONPATH=str(ROOT))
    prelude = "import django; django.setup()\n"
    return subprocess.Popen(
        [sys.executable, "-c", prelude + code, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )


MAKE_CASES = """
import sys
from grids.models import Area
from tests.incidents.test_escalate_overdue import make_case
grids = Area.objects.within("411381").grids().order_by("code")[:40]
print(",".join(str(make_case(g, -2).pk) for g in grids))
"""
SWEEP = "from incidents.workflow import escalate_overdue; print(escalate_overdue())"
PURGE = """
import sys
from incidents.models import Incident
from incidents.services import purge_cases
purge_cases(Incident.objects.filter(pk__in=sys.argv[1].split(",")))
"""


@pytest.mark.django_db
def test_two_sweeps_at_once_escalate_each_case_exactly_once():
    ids = django_subprocess(MAKE_CASES).communicate(timeout=120)[0].strip()
    try:
        sweeps = [django_subprocess(SWEEP) for _ in range(2)]
        moved = [int(sweep.communicate(timeout=120)[0]) for sweep in sweeps]
        case_ids = [int(i) for i in ids.split(",")]
        escalated = IncidentEvent.objects.filter(incident_id__in=case_ids, action="escalate")
        assert sorted(escalated.values_list("incident_id", flat=True)) == sorted(case_ids)  # once each
        assert sum(moved) == len(case_ids)  # shared between the two sweeps, none counted twice
        assert set(Incident.objects.filter(pk__in=case_ids).values_list("level", flat=True)) == {"community"}
    finally:
        django_subprocess(PURGE, ids).communicate(timeout=120)
