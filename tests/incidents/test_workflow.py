"""The case workflow by named people: who may do what, in which state, at which level."""

import threading
import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from govgrid.lib.worktime import deadline
from incidents.models import Incident, IncidentEvent
from tests.conftest import DEMO_PASSWORD, post_json, worker_grid


@pytest.fixture
def people(login):
    return {
        name: login(name)
        for name in ("grid_worker", "grid_worker_2", "community_dispatcher", "street_dispatcher", "leader")
    }


@pytest.fixture
def case(people):
    """A fresh case reported by grid_worker in its grid; returns its code."""
    point = worker_grid().geom.point_on_surface
    body = {
        "client_id": str(uuid.uuid4()),
        "category": "0301",
        "description": "楼道堆物",
        "lon": point.x,
        "lat": point.y,
    }
    response = people["grid_worker"].post("/api/v1/incidents/", body, content_type="application/json")
    assert response.status_code == 201
    return response.json()["code"]


def do(client, code, action, **fields):
    version = Incident.objects.get(code=code).version
    return client.post(
        f"/api/v1/incidents/{code}/{action}/", {"version": version} | fields, content_type="application/json"
    )


def events(code):
    return list(
        IncidentEvent.objects.filter(incident__code=code)
        .order_by("id")
        .values_list("action", "from_status", "to_status", "from_level", "to_level")
    )


def test_the_grid_worker_accepts_starts_and_resolves_a_case_in_its_grid(people, case):
    worker = people["grid_worker"]
    for action, status in (("accept", "accepted"), ("start", "in_progress"), ("resolve", "resolved")):
        response = do(worker, case, action)
        assert response.status_code == 200 and response.json()["status"] == status
    assert [e[0] for e in events(case)] == ["report", "accept", "start", "resolve"]
    assert Incident.objects.get(code=case).version == 4


def test_a_stale_version_is_409_with_the_current_state_and_writes_nothing(people, case):
    do(people["grid_worker"], case, "accept")
    response = people["community_dispatcher"].post(
        f"/api/v1/incidents/{case}/accept/", {"version": 1}, content_type="application/json"
    )
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["status"], body["version"]) == ("stale", "accepted", 2)
    assert [e[0] for e in events(case)] == ["report", "accept"]


def test_an_action_that_does_not_fit_the_status_is_409(people, case):
    response = do(people["community_dispatcher"], case, "close")
    assert response.status_code == 409 and response.json()["field"] == "action"


def test_only_a_dispatcher_verifies_and_closes(people, case):
    worker = people["grid_worker"]
    do(worker, case, "accept")
    do(worker, case, "resolve")
    assert do(worker, case, "close").status_code == 403
    response = do(people["community_dispatcher"], case, "close")
    assert response.status_code == 200 and response.json()["status"] == "closed"


def test_escalation_hands_the_case_to_the_community_and_restarts_its_deadline(people, case):
    before = Incident.objects.get(code=case)
    response = do(people["grid_worker"], case, "escalate", reason="需要社区协调物业")
    assert response.status_code == 200
    incident = Incident.objects.select_related("category").get(code=case)
    assert (incident.level, incident.status, incident.area_code) == (
        "community",
        "reported",
        case and before.grid.code[:12],
    )
    received = IncidentEvent.objects.filter(incident=incident, action="escalate").get().at
    hours = incident.category.deadline_community_hours
    assert incident.due_at == deadline(received, hours, incident.category.calendar_time)
    # The grid worker still follows its report, but the community now acts on it.
    assert people["grid_worker"].get(f"/api/v1/incidents/{case}/").status_code == 200
    assert do(people["grid_worker"], case, "accept").status_code == 403
    assert do(people["community_dispatcher"], case, "accept").status_code == 200


def test_escalating_without_a_reason_is_refused_naming_the_field(people, case):
    response = do(people["grid_worker"], case, "escalate")
    assert response.status_code == 400 and response.json()["field"] == "reason"


def test_the_street_is_the_top_level(people, case):
    do(people["grid_worker"], case, "escalate", reason="超出网格能力")
    do(people["community_dispatcher"], case, "escalate", reason="需要街道协调")
    response = do(people["street_dispatcher"], case, "escalate", reason="再上报")
    assert response.status_code == 409 and response.json()["code"] == "top_level"
    assert Incident.objects.get(code=case).level == "street"


def test_a_dispatcher_returns_a_case_down_one_level_with_a_reason(people, case):
    do(people["grid_worker"], case, "escalate", reason="超出网格能力")
    response = do(people["community_dispatcher"], case, "return", reason="属网格职责")
    assert response.status_code == 200
    assert (Incident.objects.get(code=case).level, events(case)[-1][3:]) == ("grid", ("community", "grid"))


def test_a_duplicate_is_rejected_and_linked_to_the_original(people, case):
    point = worker_grid().geom.point_on_surface
    other = (
        people["grid_worker"]
        .post(
            "/api/v1/incidents/",
            {
                "client_id": str(uuid.uuid4()),
                "category": "0301",
                "description": "同一处堆物",
                "lon": point.x,
                "lat": point.y,
            },
            content_type="application/json",
        )
        .json()["code"]
    )
    response = do(people["community_dispatcher"], other, "reject", reason="重复上报", duplicate_of=case)
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert Incident.objects.get(code=other).duplicate_of.code == case


def test_the_reporter_rates_and_a_poor_rating_reopens_the_case(people, case):
    worker = people["grid_worker"]
    do(worker, case, "accept")
    do(worker, case, "resolve")
    assert do(people["community_dispatcher"], case, "rate", rating=5).status_code == 403
    assert do(worker, case, "rate", rating=7).json()["field"] == "rating"
    response = do(worker, case, "rate", rating=1, comment="没有处理好")
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    assert [e[0] for e in events(case)][-2:] == ["rate", "reopen"]
    assert Incident.objects.get(code=case).rating == 1


def test_a_leader_sees_a_case_but_may_not_act_and_another_worker_does_not_see_it(people, case):
    assert people["leader"].get(f"/api/v1/incidents/{case}/").status_code == 200
    assert do(people["leader"], case, "accept").status_code == 403
    assert do(people["grid_worker_2"], case, "accept").status_code == 404


def test_the_timeline_lists_every_event_in_order(people, case):
    do(people["grid_worker"], case, "accept")
    timeline = people["community_dispatcher"].get(f"/api/v1/incidents/{case}/timeline/").json()
    assert [(e["action"], e["to_status"]) for e in timeline] == [("report", "reported"), ("accept", "accepted")]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE incidents_incidentevent SET note = 'changed' WHERE id = %s",
        "DELETE FROM incidents_incidentevent WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_event(case, statement):
    event = IncidentEvent.objects.filter(incident__code=case).first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [event.id])
    assert IncidentEvent.objects.get(pk=event.pk).note == ""


@pytest.mark.django_db
def test_two_dispatchers_acting_at_once_one_succeeds_the_other_gets_409(served_app, forget_reports):
    """Real concurrent connections to gunicorn: both saw version 1 and press accept together."""

    tokens = {
        name: post_json(served_app, "/api/v1/auth/token/", {"username": name, "password": DEMO_PASSWORD})[1]["token"]
        for name in ("grid_worker", "community_dispatcher", "street_dispatcher")
    }
    point = worker_grid().geom.point_on_surface
    report = {
        "client_id": str(uuid.uuid4()),
        "category": "0301",
        "description": "并发受理",
        "lon": point.x,
        "lat": point.y,
    }
    forget_reports.append(report["client_id"])
    code = post_json(served_app, "/api/v1/incidents/", report, tokens["grid_worker"])[1]["code"]

    answers, start = [], threading.Barrier(2)

    def accept(name):
        start.wait()
        answers.append(post_json(served_app, f"/api/v1/incidents/{code}/accept/", {"version": 1}, tokens[name]))

    threads = [threading.Thread(target=accept, args=(n,)) for n in ("community_dispatcher", "street_dispatcher")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(status for status, _ in answers) == [200, 409]
    assert IncidentEvent.objects.filter(incident__code=code, action="accept").count() == 1
