"""The case workflow by named people: who may do what, in which state, at which level."""

import threading
import uuid
from datetime import timedelta

import psycopg2
import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from govgrid.lib.errors import GovgridError
from govgrid.lib.worktime import deadline
from incidents.models import Incident, IncidentEvent
from incidents.sweep import escalate_overdue
from incidents.workflow import act
from tests.conftest import post_json
from tests.incidents.browsing import token_of
from tests.incidents.conftest import other_connection


@pytest.fixture
def people(city):
    """Logged-in clients of the drawn city's cast, by name."""
    return {
        name: city.client(name)
        for name in ("grid_worker", "grid_worker_2", "community_dispatcher", "street_dispatcher", "leader")
    }


@pytest.fixture
def case(city, people):
    """A fresh case reported by grid_worker in its grid; returns its code."""
    point = city.grid_of("grid_worker").geom.point_on_surface
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


def test_a_duplicate_is_rejected_and_linked_to_the_original(city, people, case):
    point = city.grid_of("grid_worker").geom.point_on_surface
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
def test_two_dispatchers_acting_at_once_one_succeeds_the_other_gets_409(served_app, served_city, forget_reports):
    """Real concurrent connections to gunicorn: both saw version 1 and press accept together."""

    names = ("grid_worker", "community_dispatcher", "street_dispatcher")
    tokens = {name: token_of(served_app, served_city.users[name].username) for name in names}
    point = served_city.grid_of("grid_worker").geom.point_on_surface
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


# --- reopening restarts the deadline ---------------------------------------------------------------


def resolved(people, case):
    for action in ("accept", "resolve"):
        assert do(people["grid_worker"], case, action).status_code == 200


def assert_deadline_restarted_at(case, action):
    incident = Incident.objects.select_related("category").get(code=case)
    reopened = IncidentEvent.objects.filter(incident=incident, action=action).latest("id").at
    category = incident.category
    assert incident.due_at == deadline(reopened, category.deadline_hours(incident.level), category.calendar_time)
    assert not incident.is_overdue
    assert escalate_overdue() == 0  # the sweep leaves a case reopened a moment ago where it is


def test_a_dispatcher_reopens_a_resolved_case_with_a_fresh_deadline(people, case):
    resolved(people, case)
    Incident.objects.filter(code=case).update(due_at=timezone.now() - timedelta(days=2))  # resolved long ago
    response = do(people["community_dispatcher"], case, "reopen", reason="现场核查未整改到位")
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    assert events(case)[-1] == ("reopen", "resolved", "in_progress", "grid", "grid")
    assert_deadline_restarted_at(case, "reopen")


def test_a_grid_worker_may_not_reopen_a_case(people, case):
    resolved(people, case)
    response = do(people["grid_worker"], case, "reopen", reason="还没处理好")
    assert response.status_code == 403 and response.json()["field"] == "action"
    assert Incident.objects.get(code=case).status == "resolved"


# --- refusals -----------------------------------------------------------------------------------------


def test_a_case_is_rejected_as_invalid_with_a_reason_and_no_link(people, case):
    response = do(people["community_dispatcher"], case, "reject", reason="上报内容无效")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    incident = Incident.objects.get(code=case)
    assert incident.duplicate_of is None
    assert IncidentEvent.objects.get(incident=incident, action="reject").reason == "上报内容无效"


@pytest.mark.parametrize("action", ["reject", "return"])
def test_rejecting_or_returning_without_a_reason_is_refused_naming_the_field(people, case, action):
    if action == "return":
        do(people["grid_worker"], case, "escalate", reason="超出网格能力")
    before = events(case)
    response = do(people["community_dispatcher"], case, action, reason="  ")
    assert response.status_code == 400 and response.json()["field"] == "reason"
    assert events(case) == before


def test_a_case_at_the_grid_cannot_be_returned_further(people, case):
    response = do(people["community_dispatcher"], case, "return", reason="属网格职责")
    assert response.status_code == 409 and response.json()["code"] == "bottom_level"
    assert (Incident.objects.get(code=case).level, len(events(case))) == ("grid", 1)


def test_a_grid_worker_may_not_return_a_case(people, case):
    do(people["grid_worker"], case, "escalate", reason="超出网格能力")
    response = do(people["grid_worker"], case, "return", reason="请网格处理")
    assert response.status_code == 403 and response.json()["field"] == "action"
    assert Incident.objects.get(code=case).level == "community"


def other_community_case(city, people):
    """A case grid_worker_2 reported in its grid, in a community community_dispatcher does not see."""
    point = city.grid_of("grid_worker_2").geom.point_on_surface
    body = {"client_id": str(uuid.uuid4()), "category": "0301", "description": "别处", "lon": point.x, "lat": point.y}
    return people["grid_worker_2"].post("/api/v1/incidents/", body, content_type="application/json").json()["code"]


@pytest.mark.parametrize("original", ["unknown", "other community"])
def test_a_duplicate_of_an_unknown_or_unseen_case_is_refused(city, people, case, original):
    if original == "unknown":
        original = f"{city.code}-20000101-9999"
    else:
        original = other_community_case(city, people)
    response = do(people["community_dispatcher"], case, "reject", reason="重复上报", duplicate_of=original)
    assert response.status_code == 400 and response.json()["field"] == "duplicate_of"
    assert Incident.objects.get(code=case).status == "reported"


def test_an_unknown_action_is_404(people, case):
    response = do(people["community_dispatcher"], case, "archive")
    assert response.status_code == 404 and response.json()["field"] == "action"


def test_rating_a_case_that_is_not_resolved_is_409(people, case):
    do(people["grid_worker"], case, "accept")
    response = do(people["grid_worker"], case, "rate", rating=5)
    assert response.status_code == 409 and response.json()["field"] == "action"
    assert Incident.objects.get(code=case).rating is None


def test_a_reason_longer_than_the_event_log_holds_is_400_naming_reason(city, people, case):
    response = do(people["grid_worker"], case, "escalate", reason="长" * 501)
    assert response.status_code == 400 and response.json()["field"] == "reason"
    with pytest.raises(GovgridError) as refused:  # act checks it too: the page and commands call it directly
        act(city.users["grid_worker"], case, "escalate", 1, reason="长" * 501)
    assert refused.value.field == "reason"
    assert Incident.objects.get(code=case).level == "grid"


# --- locks -------------------------------------------------------------------------------------------


def nowait(sql, params):
    """Run `sql` with NOWAIT on a second connection: False if a row it needs is locked."""
    other = other_connection()
    try:
        other.cursor().execute(sql, params)
        return True
    except psycopg2.errors.LockNotAvailable:
        return False
    finally:
        other.close()


def test_an_action_locks_the_case_row_but_not_its_category_or_grid(city, people, case):
    """The test's transaction is still open after the action, so the action's locks are still held."""
    incident = act(city.users["grid_worker"], case, "accept", 1)
    # Filing a new case checks its category and grid (FOR KEY SHARE): that must not wait for an action.
    assert nowait("SELECT 1 FROM incidents_category WHERE id = %s FOR KEY SHARE NOWAIT", [incident.category_id])
    assert nowait("SELECT 1 FROM grids_area WHERE id = %s FOR KEY SHARE NOWAIT", [incident.grid_id])
