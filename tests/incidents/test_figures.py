"""The figures per area and period: closed at each level, on time, closure, time to close, satisfaction."""

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from incidents.figures import figures
from incidents.models import Category, Incident
from incidents.services import Report, report_incident
from incidents.workflow import act
from tests.conftest import worker_grid


def user(name):
    return get_user_model().objects.get(username=name)


def step(code, username, action, **fields):
    incident = Incident.objects.get(code=code)
    return act(user(username), code, action, incident.version, **fields)


@pytest.fixture
def community_cases(db):
    """Five cases in grid_worker's grid: closed in the grid (rated 5), closed in the community (rated
    4), closed at the street after its deadline, still open, and rejected."""
    grid = worker_grid()
    point = grid.geom.point_on_surface
    codes = []
    for _ in range(5):
        report = Report(
            client_id=uuid.uuid4(),
            category=Category.objects.get(code="0301"),
            description="测试",
            lon=point.x,
            lat=point.y,
        )
        codes.append(report_incident(user("grid_worker"), report)[0].code)
    in_grid, in_community, at_street, still_open, rejected = codes
    for action in ("accept", "resolve"):
        step(in_grid, "grid_worker", action)
    step(in_grid, "community_dispatcher", "close")
    step(in_grid, "grid_worker", "rate", rating=5)

    step(in_community, "grid_worker", "escalate", reason="需社区协调")
    for action in ("accept", "resolve", "close"):
        step(in_community, "community_dispatcher", action)
    step(in_community, "grid_worker", "rate", rating=4)

    step(at_street, "grid_worker", "escalate", reason="需社区协调")
    step(at_street, "community_dispatcher", "escalate", reason="需街道协调")
    step(at_street, "street_dispatcher", "accept")
    Incident.objects.filter(code=at_street).update(due_at=timezone.now() - timedelta(hours=1))  # now late
    for action in ("resolve", "close"):
        step(at_street, "street_dispatcher", action)

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
    assert (row["rated"], row["mean_rating"], row["shares"]["satisfied"]) == (2, 4.5, 1.0)
    assert 0 <= row["median_hours_to_close"] < 1


def test_cases_outside_the_period_are_not_counted(community_cases):
    now = timezone.now()
    assert figures(community_cases.code[:12], "community", now + timedelta(hours=1), now + timedelta(hours=2)) == []


def test_the_figures_api_is_scoped_and_checks_its_period(login, community_cases):
    now = timezone.now()
    params = {
        "within": "411381",
        "level": "street",
        "since": (now - timedelta(hours=1)).isoformat(),
        "until": (now + timedelta(hours=1)).isoformat(),
    }
    rows = login("leader").get("/api/v1/figures/", params).json()
    assert community_cases.code[:9] in {r["code"] for r in rows}
    assert login("grid_worker_2").get("/api/v1/figures/", params).status_code == 404
    backwards = params | {"since": params["until"], "until": params["since"]}
    assert login("leader").get("/api/v1/figures/", backwards).json()["field"] == "until"
