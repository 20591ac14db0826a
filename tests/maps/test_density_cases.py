"""The density map reads its cases from one named query (maps.queries.density_incidents): the cases
received in the period, of the category, in the grid where they were reported (grid_id), not where
they are handled now (area_code). Its colours, tooltips, heat map and popups all read it, so a case
escalated to the community is counted in its grid, listed in that grid's popup, and nowhere else.
In a staffed drawn city (tests/conftest.py)."""

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from incidents.intake import Report, report_incident
from incidents.models import Incident
from incidents.workflow import act
from maps.density_page import DensityForm
from maps.queries import density, density_incident_ids, heat_points

SHANGHAI = ZoneInfo("Asia/Shanghai")
PERIOD = {"since": "2026-06-01", "until": "2026-08-31", "category": ""}


@pytest.fixture
def escalated(staffed_city, clock):
    """Zhao Lei, the grid worker, reports a blocked drain in his grid on 2 July 2026 and escalates
    it: the community handles it now."""
    zhao = staffed_city.users["grid_worker"]
    grid = staffed_city.grid_of("grid_worker")
    point = grid.geom.point_on_surface
    report = Report(client_id=uuid.uuid4(), category="0301", description="下水道堵塞", lon=point.x, lat=point.y)
    clock.at = datetime(2026, 7, 2, 10, 0, tzinfo=SHANGHAI)
    code = report_incident(zhao, report)[0].code
    act(zhao, code, "escalate", Incident.objects.get(code=code).version, reason="需社区协调")
    case = Incident.objects.get(code=code)
    assert case.area_code == grid.code[:12] and case.grid_id == grid.pk
    return grid, case


def test_a_case_escalated_to_the_community_is_counted_in_its_grid_and_listed_in_its_popup(escalated, staffed_city):
    grid, case = escalated
    community = grid.code[:12]
    form = DensityForm(PERIOD)
    assert form.is_valid()
    since, until = form.period()

    counts = {row["code"]: row["cases"] for row in density([community], since, until)["grids"]}
    assert counts[grid.code] == 1 and sum(counts.values()) == 1
    assert density_incident_ids(grid.code, since, until) == [case.pk]
    assert sum(n for _lat, _lon, n in heat_points([community], since, until)) == 1

    for username in ("leader", "community_dispatcher"):
        popup = staffed_city.client(username).get(f"/maps/density/grid/{grid.code}/", PERIOD).content.decode()
        assert set(re.findall(r"\d{6}-\d{8}-\d+", popup)) == {case.code}


def test_another_grid_neither_counts_nor_lists_the_escalated_case(escalated, staffed_city):
    grid, _case = escalated
    other = staffed_city.grid_of("grid_worker_2")
    form = DensityForm(PERIOD)
    assert form.is_valid()
    since, until = form.period()
    assert density_incident_ids(other.code, since, until) == []
    assert {row["code"]: row["cases"] for row in density([other.code], since, until)["grids"]} == {other.code: 0}
