"""Satisfaction ratings: the reporter rates once per resolution, never the one who resolved the
case; a poor rating does not reopen the case by itself, it waits for a dispatcher who reopens it or
keeps it closed, each with its event. alice (grid_worker) reports, carol (community_dispatcher)
resolves, dave (street_dispatcher) verifies and closes."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.figures import figures
from incidents.models import Incident, IncidentEvent
from tests.incidents.test_workflow import assert_deadline_restarted_at, do, events


@pytest.fixture
def alice(city):
    return city.client("grid_worker")


@pytest.fixture
def carol(city):
    return city.client("community_dispatcher")


@pytest.fixture
def dave(city):
    return city.client("street_dispatcher")


@pytest.fixture
def reported_case(city, alice):
    """A fresh case alice reported in her grid; returns its code."""
    point = city.grid_of("grid_worker").geom.point_on_surface
    body = {"client_id": str(uuid.uuid4()), "category": "0301", "description": "楼道堆物", "lon": point.x}
    response = alice.post("/api/v1/incidents/", body | {"lat": point.y}, content_type="application/json")
    assert response.status_code == 201
    return response.json()["code"]


@pytest.fixture
def case(reported_case, alice, carol):
    """alice's case, accepted by her and resolved by carol."""
    assert do(alice, reported_case, "accept").status_code == 200
    assert do(carol, reported_case, "resolve").status_code == 200
    return reported_case


@pytest.fixture
def closed(case, dave):
    assert do(dave, case, "close").status_code == 200
    return case


def actions(code):
    return [e[0] for e in events(code)]


def test_the_reporter_rates_a_case_someone_else_resolved(alice, case):
    response = do(alice, case, "rate", rating=4, comment="处理及时")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["rating"], body["awaits_rating_decision"]) == ("resolved", 4, False)
    rate = IncidentEvent.objects.get(incident__code=case, action="rate")
    assert "4" in rate.reason and rate.note == "处理及时" and rate.from_status == rate.to_status == "resolved"


def test_the_handler_who_resolved_the_case_may_not_rate_it(alice, reported_case):
    for action in ("accept", "resolve"):
        do(alice, reported_case, action)
    response = do(alice, reported_case, "rate", rating=5)
    assert response.status_code == 403
    body = response.json()
    assert body["field"] == "action" and reported_case in body["detail"]
    assert Incident.objects.get(code=reported_case).rating is None and "rate" not in actions(reported_case)


def test_only_the_reporter_rates(dave, case):
    assert do(dave, case, "rate", rating=5).status_code == 403


def test_a_second_rating_of_the_same_resolution_is_409_with_a_reason(alice, dave, case):
    assert do(alice, case, "rate", rating=5).status_code == 200
    again = do(alice, case, "rate", rating=1)
    assert again.status_code == 409
    assert (again.json()["code"], again.json()["field"]) == ("already_rated", "action") and case in again.json()[
        "detail"
    ]
    do(dave, case, "close")
    assert do(alice, case, "rate", rating=1).status_code == 409  # closing is not a new resolution
    incident = Incident.objects.get(code=case)
    assert incident.rating == 5 and actions(case).count("rate") == 1


def test_after_a_reopen_and_a_new_resolution_a_new_rating_is_allowed(alice, carol, closed):
    assert do(alice, closed, "rate", rating=2).status_code == 200
    assert do(carol, closed, "reopen", reason="回访核实问题仍在").status_code == 200
    assert do(alice, closed, "rate", rating=4).status_code == 409  # not resolved again yet
    assert do(carol, closed, "resolve").status_code == 200
    assert do(alice, closed, "rate", rating=4).status_code == 200
    assert Incident.objects.get(code=closed).rating == 4 and actions(closed).count("rate") == 2


def test_a_poor_rating_of_a_closed_case_leaves_it_closed_awaiting_a_dispatchers_decision(alice, carol, closed):
    response = do(alice, closed, "rate", rating=1, comment="垃圾还在")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["awaits_rating_decision"]) == ("closed", True)
    assert actions(closed)[-2:] == ["close", "rate"]
    assert carol.get(f"/api/v1/incidents/{closed}/").json()["awaits_rating_decision"] is True


def test_the_dispatcher_reopens_a_poorly_rated_case_with_a_fresh_deadline(city, alice, carol, closed):
    do(alice, closed, "rate", rating=2)
    Incident.objects.filter(code=closed).update(due_at=timezone.now() - timedelta(days=2))  # decided days later
    response = do(carol, closed, "reopen", reason="回访核实问题仍在")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["awaits_rating_decision"]) == ("in_progress", False)
    rate, reopen = IncidentEvent.objects.filter(incident__code=closed).order_by("-id")[:2][::-1]
    assert (rate.action, reopen.action, reopen.reason) == ("rate", "reopen", "回访核实问题仍在")
    assert reopen.actor == city.users["community_dispatcher"]
    assert_deadline_restarted_at(closed, "reopen")


def test_the_dispatcher_keeps_a_poorly_rated_case_closed_with_a_reason(alice, carol, closed):
    do(alice, closed, "rate", rating=2)
    without_reason = do(carol, closed, "keep_closed")
    assert without_reason.status_code == 400 and without_reason.json()["field"] == "reason"
    response = do(carol, closed, "keep_closed", reason="现场核查已整改到位")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["awaits_rating_decision"]) == ("closed", False)
    assert events(closed)[-1] == ("keep_closed", "closed", "closed", "grid", "grid")
    assert IncidentEvent.objects.filter(incident__code=closed).latest("id").reason == "现场核查已整改到位"
    assert do(carol, closed, "keep_closed", reason="再次维持").status_code == 409  # decided: nothing waits


def test_keep_closed_answers_only_a_poor_rating(alice, carol, closed):
    refused = do(carol, closed, "keep_closed", reason="维持结案")
    assert refused.status_code == 409 and refused.json()["code"] == "no_rating_to_decide"
    do(alice, closed, "rate", rating=5)
    assert do(carol, closed, "keep_closed", reason="维持结案").status_code == 409


def test_the_reporter_cannot_decide_about_their_own_poor_rating(alice, closed):
    do(alice, closed, "rate", rating=1)
    assert do(alice, closed, "keep_closed", reason="算了").status_code == 403
    assert do(alice, closed, "reopen", reason="还没好").status_code == 403
    assert Incident.objects.get(code=closed).awaits_rating_decision is True


def test_a_poor_rating_of_a_resolved_case_waits_for_the_dispatchers_close_or_reopen(alice, dave, case):
    response = do(alice, case, "rate", rating=1)
    assert (response.json()["status"], response.json()["awaits_rating_decision"]) == ("resolved", True)
    closed = do(dave, case, "close")
    assert (closed.json()["status"], closed.json()["awaits_rating_decision"]) == ("closed", False)


def test_the_case_page_shows_the_waiting_rating_and_the_dispatchers_two_answers(alice, carol, closed):
    do(alice, closed, "rate", rating=1)
    html = carol.get(f"/dispatch/{closed}/").content.decode()
    assert 'id="case-rating-decision"' in html
    assert 'value="reopen"' in html and 'value="keep_closed"' in html
    assert 'value="rate"' not in alice.get(f"/dispatch/{closed}/").content.decode()  # rated already


def test_the_handler_who_resolved_gets_no_rate_button(alice, reported_case):
    for action in ("accept", "resolve"):
        do(alice, reported_case, action)
    assert 'value="rate"' not in alice.get(f"/dispatch/{reported_case}/").content.decode()


def test_a_poorly_rated_case_kept_closed_counts_as_closed_and_rated_in_the_figures(city, carol, closed):
    from tests.incidents.test_figures import resident_rates

    resident_rates(closed, 1)
    do(carol, closed, "keep_closed", reason="现场核查已整改到位")
    now = timezone.now()
    [row] = figures(city.grid_of("grid_worker").code, "grid", now - timedelta(hours=1), now + timedelta(hours=1))
    assert (row["closed"], row["rated"], row["mean_rating"], row["satisfied"]) == (1, 1, 1.0, 0)
