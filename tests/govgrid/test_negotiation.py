"""The JSON API's content negotiation: the fast path for clients taking anything or JSON answers as
DRF's negotiation does, and every other request still goes through DRF's."""

import pytest

CATEGORIES = "/api/v1/categories/"


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json; indent=2", "text/*, */*"])
def test_clients_taking_json_get_json(cast, accept):
    extra = {} if accept is None else {"HTTP_ACCEPT": accept}
    response = cast.client("grid_worker").get(CATEGORIES, **extra)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert isinstance(response.json(), list)


@pytest.mark.parametrize("accept", ["", "text/html", "application/xml"])
def test_clients_taking_no_json_get_406(cast, accept):
    response = cast.client("grid_worker").get(CATEGORIES, HTTP_ACCEPT=accept)
    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"


def test_a_format_in_the_query_string_is_negotiated_by_drf(cast):
    client = cast.client("grid_worker")
    assert client.get(CATEGORIES, {"format": "json"}).status_code == 200
    assert client.get(CATEGORIES, {"format": "xml"}).status_code == 404
