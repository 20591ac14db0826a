"""The density map's two figures for a grid, the count in its tooltip and the list in its popup,
come from one rule: the cases received in the period, of the category, in the grid where they were
reported, whatever their status and wherever they are handled now. In a staffed drawn city
(tests/conftest.py)."""

import re
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from incidents.intake import Report, report_incident
from incidents.models import Incident
from incidents.workflow import act
from maps.density_page import DensityForm
from maps.queries import density

SHANGHAI = ZoneInfo("Asia/Shanghai")
PERIOD = {"since": "2026-06-01", "until": "2026-08-31", "category": "03"}


def step(city, code, name, action, **fields):
    incident = Incident.objects.get(code=code)
    return act(city.users[name], code, action, incident.version, **fields)


@pytest.fixture
def summer_cases(staffed_city, clock):
    """grid_worker's grid, June–August 2026, class 03: on the first minute and the last minute of
    the period, one escalated to the community, one rejected (all four counted); the minute before
    and the minute after the period, and one of class 04 (none counted)."""
    city = staffed_city
    grid = city.grid_of("grid_worker")
    point = grid.geom.point_on_surface

    def case(*at, category="0301"):
        clock.at = datetime(*at, tzinfo=SHANGHAI)
        report = Report(client_id=uuid.uuid4(), category=category, description="测试", lon=point.x, lat=point.y)
        return report_incident(city.users["grid_worker"], report)[0].code

    first = case(2026, 6, 1, 0, 0)
    last = case(2026, 8, 31, 23, 59)
    escalated = case(2026, 7, 2, 10, 0)
    rejected = case(2026, 7, 3, 10, 0)
    case(2026, 5, 31, 23, 59)  # the minute before
    case(2026, 9, 1, 0, 0)  # the minute after
    case(2026, 7, 4, 10, 0, category="0401")  # another class
    step(city, escalated, "grid_worker", "escalate", reason="需社区协调")
    step(city, rejected, "community_dispatcher", "reject", reason="无效上报")
    return grid, {first, last, escalated, rejected}


def test_the_popup_lists_exactly_the_cases_the_tooltip_counts(summer_cases, staffed_city):
    grid, counted = summer_cases
    form = DensityForm(PERIOD)
    assert form.is_valid()
    [row] = [r for r in density([grid.code], *form.period(), "03")["grids"] if r["code"] == grid.code]
    assert row["cases"] == 4

    popup = staffed_city.client("leader").get(f"/maps/density/grid/{grid.code}/", PERIOD).content.decode()
    assert set(re.findall(r"\d{6}-\d{8}-\w+", popup)) == counted
    assert "4 件" in popup or "4 cases" in popup


def test_the_period_runs_from_local_midnight_to_the_local_midnight_after_its_last_day(db):
    form = DensityForm(PERIOD)
    assert form.is_valid()
    since, until = form.period()
    assert since == datetime(2026, 6, 1, tzinfo=SHANGHAI) and until == datetime(2026, 9, 1, tzinfo=SHANGHAI)
    assert form.cleaned_data["until"] == date(2026, 8, 31)


def test_the_rate_of_cases_is_not_called_a_rating_in_chinese(staffed_city):
    page = staffed_city.client("leader").get("/maps/density/", PERIOD).content.decode()
    label = re.search(r'<label>([^<]*)<select name="per"', page).group(1).strip()
    assert label == "密度"
    assert "评价" not in page
