"""A client_id already used by someone else is refused without a word about the case behind it."""

import uuid

import pytest

from incidents.models import Incident


def report(city, name, client_id, description="路边暴露垃圾"):
    """A report made in the grid of `name`, one of the drawn city's grid workers."""
    point = city.grid_of(name).geom.point_on_surface
    return {"client_id": client_id, "category": "0301", "description": description, "lon": point.x, "lat": point.y}


def post_report(client, body):
    return client.post("/api/v1/incidents/", body, content_type="application/json")


@pytest.fixture
def alices_case(city):
    """grid_worker (alice) reports a case; returns (client_id, code)."""
    client_id = str(uuid.uuid4())
    response = post_report(city.client("grid_worker"), report(city, "grid_worker", client_id))
    assert response.status_code == 201
    return client_id, response.json()["code"]


def test_bob_reusing_alices_client_id_gets_409_that_does_not_name_her_case(city, alices_case):
    client_id, code = alices_case
    response = post_report(city.client("grid_worker_2"), report(city, "grid_worker_2", client_id, "另一件事"))
    assert response.status_code == 409
    body = response.json()
    assert (body["field"], body["code"]) == ("client_id", "client_id_reused")
    text = response.content.decode()
    assert code not in text and code.split("-")[-1] not in text
    assert set(body) <= {"detail", "code", "field", "errors"}
    assert Incident.objects.filter(client_id=client_id).count() == 1


def test_bob_sending_alices_very_report_again_learns_nothing_either(city, alices_case):
    client_id, code = alices_case
    response = post_report(city.client("grid_worker_2"), report(city, "grid_worker", client_id))
    assert response.status_code == 409 and code not in response.content.decode()


def test_alice_reusing_her_own_client_id_is_told_which_case_holds_it(city, alices_case):
    client_id, code = alices_case
    response = post_report(city.client("grid_worker"), report(city, "grid_worker", client_id, "另一件事"))
    assert response.status_code == 409 and code in response.json()["detail"]
