"""Open311: a client_id already used by someone else is refused without naming the case behind it."""

import json
import uuid

import pytest

from tests.open311.conftest import a_request, inside, post


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_open311_post_under_alices_client_id_does_not_name_her_case(client, api_key, fmt):
    client_id = str(uuid.uuid4())
    first = post(client, "json", a_request(api_key("grid_worker"), client_id=client_id))
    assert first.status_code == 201
    code = json.loads(first.content)[0]["service_request_id"]
    lat, long = inside("grid_worker_2")
    fields = a_request(api_key("grid_worker_2"), client_id=client_id, lat=lat, long=long)
    response = post(client, fmt, fields)
    assert response.status_code == 409
    text = response.content.decode()
    assert "client_id" in text and code not in text and code.split("-")[-1] not in text
