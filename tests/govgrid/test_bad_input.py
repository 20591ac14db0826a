"""Bad input never makes a server error: JSON nested far too deep is refused by every JSON endpoint
with a 400 naming the reason, and a date at the ends of the calendar (years 1 and 9999, with the
furthest offsets) is refused as a filter of the figures, the density map and the exports. The
people are the cast of a drawn city (tests/grids/cast.py)."""

import json
import uuid

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from govgrid.lib.parsers import MAX_DEPTH, nested_too_deep

DEEP = "[" * 2000 + "]" * 2000
DEEP_OBJECT = '{"a":' * 2000 + "1" + "}" * 2000
TOO_DEEP_CHINESE = f"JSON 请求体嵌套超过 {MAX_DEPTH} 层。"


def client_with_token(user):
    token, _created = Token.objects.get_or_create(user=user)
    return Client(headers={"Authorization": f"Token {token.key}"}), token.key


def post_raw(client, url, body, **headers):
    return client.post(url, body, content_type="application/json", headers=headers)


# --- nesting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["arrays", "objects"])
def test_token_login_refuses_json_nested_2000_deep_in_chinese(db, body):
    response = post_raw(Client(), "/api/v1/auth/token/", body)
    assert response.status_code == 400
    assert response.json()["detail"] == TOO_DEEP_CHINESE


def test_the_refusal_is_in_english_on_request(db):
    response = post_raw(Client(), "/api/v1/auth/token/", DEEP, **{"Accept-Language": "en"})
    assert response.status_code == 400
    assert response.json()["detail"] == f"The JSON body is nested more than {MAX_DEPTH} levels deep."


def test_a_report_nested_2000_deep_is_refused(cast):
    alice, _key = client_with_token(cast.users["grid_worker"])
    response = post_raw(alice, "/api/v1/incidents/", '{"description": ' + DEEP + "}")
    assert response.status_code == 400
    assert response.json()["detail"] == TOO_DEEP_CHINESE


def test_an_open311_post_nested_2000_deep_is_refused_in_open311s_error_shape(cast):
    alice, key = client_with_token(cast.users["grid_worker"])
    response = post_raw(alice, f"/open311/v2/requests.json?api_key={key}", '{"service_code": ' + DEEP + "}")
    assert response.status_code == 400
    assert TOO_DEEP_CHINESE in json.dumps(response.json(), ensure_ascii=False)


def json_routes(client, code):
    """Every API operation that takes a JSON body, from the schema, with its path's parameters filled
    (an area's code with `code`)."""
    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                yield method, path.replace("{code}", code).replace("{id}", "1").replace("{action}", "accept")


def test_no_json_endpoint_answers_a_deep_body_with_a_server_error(cast):
    admin = cast.client("admin")
    routes = list(json_routes(admin, cast.code))
    assert len(routes) >= 4
    for method, path in routes:
        response = getattr(admin, method)(path, DEEP, content_type="application/json")
        assert response.status_code < 500, (method, path, response.status_code)


def test_ordinary_bodies_are_not_refused():
    geometry = {"type": "MultiPolygon", "coordinates": [[[[112.0, 32.7], [112.1, 32.7], [112.0, 32.8]]]]}
    assert not nested_too_deep(json.dumps({"geometry": geometry, "text": "[[[[" * 100}).encode())
    assert nested_too_deep(("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)).encode())
    assert not nested_too_deep(("[" * MAX_DEPTH + "]" * MAX_DEPTH).encode())


# --- dates at the ends of the calendar ----------------------------------------------------------

ENDS = [
    ("0001-01-01", "9999-12-31"),
    ("0001-01-01T00:00:00-12:00", "9999-12-31T23:59:59+14:00"),
    ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"),
    ("0001-01-01T00:00:00", "9999-12-31T23:59:59"),
]


@pytest.fixture
def leader(cast):
    return cast.client("leader")


@pytest.mark.parametrize(("since", "until"), ENDS)
def test_figures_refuse_dates_at_the_ends_of_the_calendar_naming_the_field(cast, leader, since, until):
    for field, query in (
        ("since", {"since": since, "until": "2026-01-01"}),
        ("until", {"since": "2026-01-01", "until": until}),
    ):
        response = leader.get("/api/v1/figures/", {"within": cast.code, "level": "street", **query})
        assert response.status_code == 400
        assert response.json()["field"] == field
        assert response.json()["detail"] == f"{field}: 请填写 1900-01-01 至 2999-12-31 之间的日期。"


@pytest.mark.parametrize(("since", "until"), ENDS)
@pytest.mark.parametrize("kind", ["incidents.geojson", "incidents.csv"])
def test_exports_refuse_dates_at_the_ends_of_the_calendar(leader, since, until, kind):
    for name, value in (("since", since), ("until", until)):
        response = leader.get(f"/api/v1/export/{kind}", {name: value})
        assert response.status_code == 400
        assert response.json()["field"] == name


@pytest.mark.parametrize("query", [{"since": "0001-01-01"}, {"until": "0001-01-01"}, {"until": "9999-12-31"}])
@pytest.mark.parametrize("page", ["/maps/density/", "/maps/density/grid/{grid}/"])
def test_the_density_map_refuses_dates_at_the_ends_of_the_calendar(cast, leader, query, page):
    response = leader.get(page.format(grid=cast.grids[0].code), query)
    assert response.status_code == 400
    assert "请填写 1900-01-01 至 2999-12-31 之间的日期" in response.content.decode()


def test_the_edges_of_govgrids_years_are_accepted(cast, leader):
    response = leader.get(
        "/api/v1/figures/",
        {"within": cast.code, "level": "street", "since": "1900-01-01", "until": "2999-12-31T23:59:59+14:00"},
    )
    assert response.status_code == 200
    assert leader.get("/maps/density/", {"since": "1900-01-01", "until": "2999-12-31"}).status_code == 200


def test_the_dashboards_month_outside_its_twelve_is_the_default(leader):
    assert leader.get("/", {"month": "9999-12"}).status_code == 200
    assert leader.get("/", {"month": "0001-01"}).status_code == 200


@pytest.mark.parametrize("reported_at", ["0001-01-01T00:00:00", "9999-12-31T23:59:59", *ENDS[1]])
def test_a_report_made_at_the_ends_of_the_calendar_is_refused_naming_reported_at(cast, reported_at):
    from incidents.models import Incident

    alice, _key = client_with_token(cast.users["grid_worker"])
    where = cast.grid_of("grid_worker").geom.point_on_surface
    before = Incident.objects.count()
    body = {
        "client_id": str(uuid.uuid4()),
        "category": "0301",
        "description": "路灯不亮",
        "lon": where.x,
        "lat": where.y,
        "reported_at": reported_at,
    }
    response = alice.post("/api/v1/incidents/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "reported_at"
    assert Incident.objects.count() == before
