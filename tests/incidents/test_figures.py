"""The figures per area and period: closed at each level, on time, closure, time to close, satisfaction."""

from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone

from incidents.figures import figures
from incidents.models import Incident
from incidents.sweep import escalate_overdue
from tests.incidents.conftest import new_incident, shanghai
from tests.incidents.conftest import step as step_in


@pytest.fixture
def step(city):
    """step(code, name, action, **fields): one of the drawn city's cast acts on the case."""
    return partial(step_in, city=city)


def resident_rates(code, rating):
    """The resident rates the case by their report's private link (residents/)."""
    from incidents.workflow import Resident, act

    case = Incident.objects.get(code=code)
    act(Resident(case.pk), code, "rate", case.version, rating=rating)


@pytest.fixture
def report(city):
    """report() → the code of a new case grid_worker reports in its grid of the drawn city."""
    return partial(new_incident, "测试", city)


@pytest.fixture
def community_cases(city, report, step):
    """Five cases in grid_worker's grid: closed in the grid (resolved by the community's dispatcher,
    rated 5 by the resident), closed in the community (rated 4 by grid_worker, its reporter, which
    is no resident's word, then called back: the resident is not satisfied), closed at the street
    after its deadline, still open, and rejected."""
    grid = city.grid_of("grid_worker")
    in_grid, in_community, at_street, still_open, rejected = (report() for _ in range(5))
    step(in_grid, "grid_worker", "accept")
    step(in_grid, "community_dispatcher", "resolve")
    step(in_grid, "street_dispatcher", "close")
    resident_rates(in_grid, 5)

    step(in_community, "grid_worker", "escalate", reason="需社区协调")
    for action in ("accept", "resolve"):
        step(in_community, "community_dispatcher", action)
    step(in_community, "street_dispatcher", "close")  # not by the dispatcher who resolved it
    step(in_community, "grid_worker", "rate", rating=4)
    step(in_community, "leader", "callback", reached=True, satisfied=False, reason="仍有异味")

    step(at_street, "grid_worker", "escalate", reason="需社区协调")
    step(at_street, "community_dispatcher", "escalate", reason="需街道协调")
    step(at_street, "street_dispatcher", "accept")
    Incident.objects.filter(code=at_street).update(due_at=timezone.now() - timedelta(hours=1))  # now late
    step(at_street, "street_dispatcher", "resolve")
    step(at_street, "admin", "close")  # not by the dispatcher who resolved it

    step(rejected, "community_dispatcher", "reject", reason="无效上报")
    return grid


def test_the_figures_count_each_level_on_time_closure_and_satisfaction(community_cases):
    now = timezone.now()
    [row] = figures(community_cases.code[:12], "community", now - timedelta(hours=1), now + timedelta(hours=1))
    assert row["code"] == community_cases.code[:12]
    assert (row["received"], row["closed"]) == (4, 3)  # the rejected case does not count
    assert (row["closed_in_grid"], row["closed_in_community"], row["closed_at_street"]) == (1, 1, 1)
    assert row["shares"]["closure_rate"] == 0.75
    assert row["shares"]["on_time_rate"] == round(2 / 3, 4)
    # the resident's 5 and the call-back's "not satisfied"; the reporter's own 4 is no resident's word
    assert (row["rated"], row["mean_rating"], row["shares"]["satisfied"]) == (2, 5.0, 0.5)
    assert 0 <= row["median_hours_to_close"] < 1


def test_cases_outside_the_period_are_not_counted(community_cases):
    now = timezone.now()
    assert figures(community_cases.code[:12], "community", now + timedelta(hours=1), now + timedelta(hours=2)) == []


def test_the_figures_api_is_scoped_and_checks_its_period(city, community_cases):
    now = timezone.now()
    params = {
        "within": city.code,
        "level": "street",
        "since": (now - timedelta(hours=1)).isoformat(),
        "until": (now + timedelta(hours=1)).isoformat(),
    }
    rows = city.client("leader").get("/api/v1/figures/", params).json()
    assert community_cases.code[:9] in {r["code"] for r in rows}
    assert city.client("grid_worker_2").get("/api/v1/figures/", params).status_code == 404
    backwards = params | {"since": params["until"], "until": params["since"]}
    assert city.client("leader").get("/api/v1/figures/", backwards).json()["field"] == "until"


# --- time to close and the on-time rate, with the clock controlled ----------------------------------


@pytest.fixture
def report_at(clock, report):
    """report_at(moment) → the code of a case grid_worker reports at that moment."""

    def make(at):
        clock.at = at
        return report()

    return make


@pytest.fixture
def grid_rows(city):
    """grid_rows(since, until, **options) → the figures' rows of grid_worker's grid."""
    return partial(figures, city.grid_of("grid_worker").code, "grid")


@pytest.fixture
def grid_row(grid_rows):
    """grid_row(since, until, **options) → the one row of grid_worker's grid."""

    def only(since, until, **kwargs):
        [row] = grid_rows(since, until, **kwargs)
        return row

    return only


@pytest.fixture
def t0():
    """10:00 on Tuesday 2 June 2026, a working day: a 0301 case is due at the grid by 14:00."""
    return shanghai(2026, 6, 2, 10)


def test_time_to_close_counts_only_cases_closed_now(report, step, grid_row):
    code = report()
    steps = (("grid_worker", "accept"), ("community_dispatcher", "resolve"), ("street_dispatcher", "close"))
    for name, action in steps:
        step(code, name, action)
    step(code, "grid_worker", "rate", rating=1)
    step(code, "community_dispatcher", "reopen", reason="回访核实问题仍在")  # no longer closed
    now = timezone.now()
    row = grid_row(now - timedelta(hours=1), now + timedelta(hours=1))
    assert (row["received"], row["closed"]) == (1, 0)
    assert (row["mean_hours_to_close"], row["median_hours_to_close"]) == (None, None)


def test_time_to_close_runs_to_the_last_close(clock, t0, report_at, step, grid_row):
    code = report_at(t0)
    for hours, name, action, fields in (
        (1, "grid_worker", "accept", {}),
        (1, "grid_worker", "resolve", {}),
        (2, "community_dispatcher", "close", {}),
        (3, "community_dispatcher", "reopen", {"reason": "核查未整改"}),
        (5, "grid_worker", "resolve", {}),
        (6, "community_dispatcher", "close", {}),
    ):
        clock.at = t0 + timedelta(hours=hours)
        step(code, name, action, **fields)
    row = grid_row(t0 - timedelta(hours=1), t0 + timedelta(hours=1))
    assert (row["closed"], row["mean_hours_to_close"], row["median_hours_to_close"]) == (1, 6.0, 6.0)


def test_an_open_case_past_its_deadline_counts_as_late(clock, t0, report_at, step, grid_row):
    on_time, late, running = report_at(t0), report_at(t0), report_at(t0)
    clock.at = t0 + timedelta(minutes=30)
    for code in (on_time, late):
        step(code, "grid_worker", "accept")
    step(on_time, "grid_worker", "resolve")
    Incident.objects.filter(code=running).update(due_at=timezone.now() + timedelta(days=1))  # still within it
    row = grid_row(t0 - timedelta(hours=1), t0 + timedelta(hours=1))
    assert (row["resolved"], row["resolved_on_time"], row["late"]) == (1, 1, 1)
    assert row["shares"]["on_time_rate"] == 0.5
    # Seen from before the late case's deadline, it was not late yet.
    before = grid_row(t0 - timedelta(hours=1), t0 + timedelta(hours=1), now=t0 + timedelta(minutes=40))
    assert (before["late"], before["shares"]["on_time_rate"]) == (0, 1.0)


def test_a_case_the_sweep_escalated_counts_as_late_even_if_resolved_in_time_afterwards(
    clock, t0, report_at, step, grid_row
):
    code = report_at(t0)
    swept_at = Incident.objects.get(code=code).due_at + timedelta(minutes=1)
    assert escalate_overdue(now=swept_at) >= 1
    clock.at = swept_at + timedelta(minutes=10)
    for action in ("accept", "resolve"):
        step(code, "community_dispatcher", action)
    incident = Incident.objects.get(code=code)
    assert (incident.level, incident.status) == ("community", "resolved") and incident.due_at > clock.at
    row = grid_row(t0 - timedelta(hours=1), t0 + timedelta(hours=1))
    assert (row["resolved"], row["resolved_on_time"], row["late"]) == (1, 0, 1)
    assert row["shares"]["on_time_rate"] == 0.0


def test_the_figures_by_month_give_one_row_per_area_and_local_month(clock, report_at, grid_rows):
    # 00:30 on 1 November in Shanghai is 16:30 on 31 October in UTC: the month is the local one.
    october, november = shanghai(2026, 10, 31, 23, 30), shanghai(2026, 11, 1, 0, 30)
    for at in (october, november, november):
        report_at(at)
    rows = grid_rows(october - timedelta(hours=1), november + timedelta(hours=1), by_month=True)
    assert [(r["month"], r["received"]) for r in rows] == [("2026-10", 1), ("2026-11", 2)]
    [whole] = grid_rows(october - timedelta(hours=1), november + timedelta(hours=1))
    assert "month" not in whole and whole["received"] == 3
