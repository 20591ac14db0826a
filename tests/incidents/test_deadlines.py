"""Deadlines end to end with the clock controlled: a report, a reopen and the sweep across the 2026
National Day week (1–7 October off, Saturday 10 October a make-up working day), 09:00–17:00 working
days (the defaults). Category 0201 (road damage) has 24 working hours at the grid, 72 at the
community."""

import uuid

import pytest

from incidents.models import Incident, IncidentEvent
from incidents.sweep import escalate_overdue
from incidents.workflow import act
from tests.incidents.conftest import shanghai


@pytest.fixture
def road_case(city, clock):
    """A case of category 0201 reported on the phone at 16:00 on Wednesday 30 September 2026."""
    return report_road_damage(city, clock, shanghai(2026, 9, 30, 16))


def test_a_report_before_the_national_day_week_is_due_on_the_make_up_saturday(city, road_case):
    # 1 hour on 30 September, the week off, 8 + 8 on 8 and 9 October, 7 on Saturday 10 October.
    assert road_case.due_at == shanghai(2026, 10, 10, 16)
    assert road_case.received_at == shanghai(2026, 9, 30, 16)
    assert road_case.code.startswith(f"{city.code}-20260930-")
    assert IncidentEvent.objects.get(incident=road_case).at == shanghai(2026, 9, 30, 16)


def test_the_sweep_escalates_the_case_only_once_its_deadline_has_passed(road_case):
    assert escalate_overdue(now=shanghai(2026, 10, 10, 15, 59)) == 0
    assert escalate_overdue(now=shanghai(2026, 10, 10, 16, 1)) == 1
    road_case.refresh_from_db()
    # 72 working hours from Saturday 16:01: 59 minutes, Sunday off, eight days of 8 hours (12–16 and
    # 19–21 October), then 7 hours 1 minute on Thursday 22 October.
    assert (road_case.level, road_case.due_at) == ("community", shanghai(2026, 10, 22, 16, 1))


def test_a_reopened_case_gets_a_full_deadline_from_the_moment_it_is_reopened(city, road_case, clock):
    worker, dispatcher = city.users["grid_worker"], city.users["community_dispatcher"]
    clock.at = shanghai(2026, 10, 9, 9, 30)
    act(worker, road_case.code, "accept", 1)
    act(worker, road_case.code, "resolve", 2)
    clock.at = shanghai(2026, 10, 9, 10)
    act(dispatcher, road_case.code, "reopen", 3, reason="路面仍有坑洼")
    road_case.refresh_from_db()
    # 7 hours on Friday, 8 on the make-up Saturday, Sunday off, 8 on Monday, 1 on Tuesday.
    assert road_case.due_at == shanghai(2026, 10, 13, 10)


def report_road_damage(city, clock, moment):
    """A case of category 0201 (24 working hours at the grid) reported on the phone at `moment`, by
    grid_worker in its grid of the drawn city."""
    clock.at = moment
    point = city.grid_of("grid_worker").geom.point_on_surface
    body = {"client_id": str(uuid.uuid4()), "category": "0201", "description": "路面坑洼"}
    body |= {"lon": point.x, "lat": point.y}
    response = city.client("grid_worker").post("/api/v1/incidents/", body, content_type="application/json")
    assert response.status_code == 201
    return Incident.objects.get(code=response.json()["code"])


# 2027's arrangement is not entered: its statutory holidays are computed (workcalendar.rules).
def test_a_report_on_the_last_afternoon_of_2026_is_due_after_new_years_day_2027_and_the_weekend(city, clock):
    case = report_road_damage(city, clock, shanghai(2026, 12, 31, 16))
    # 1 hour on 31 December, 1–3 January off, 8 + 8 on 4 and 5 January, 7 on Wednesday 6 January.
    assert case.due_at == shanghai(2027, 1, 6, 16)


def test_the_sweep_gives_the_community_a_deadline_that_skips_the_2027_spring_festival(city, clock):
    case = report_road_damage(city, clock, shanghai(2027, 2, 1, 16))
    assert case.due_at == shanghai(2027, 2, 4, 16)
    assert escalate_overdue(now=shanghai(2027, 2, 4, 16, 1)) == 1
    case.refresh_from_db()
    # 72 working hours: 59 minutes on Thursday 4 February, 除夕 (5th) to 初三 (8th) off, eight days of
    # 8 hours (9–12 and 15–18 February), then 7 hours 1 minute on Friday 19 February.
    assert (case.level, case.due_at) == ("community", shanghai(2027, 2, 19, 16, 1))
