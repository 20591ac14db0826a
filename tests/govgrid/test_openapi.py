"""The OpenAPI 3 schema describes every API endpoint with its parameters, bodies, answers, the one
error shape and the token schemes, is valid OpenAPI, and its docs page works in a browser with no
network at all. The reader is the analyst of a drawn city committed for the served app."""

import json
import re
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import validate
from playwright.sync_api import expect

from tests.conftest import DEMO_PASSWORD
from tests.grids.cast import committed_cast

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def analyst(django_db_setup, django_db_blocker):
    """The analyst of a drawn city committed for the served app (tests/grids/cast.py)."""
    with committed_cast(django_db_blocker, code="990012") as city:
        yield city.users["analyst"]


@pytest.fixture(scope="module")
def schema(django_db_blocker, analyst):
    with django_db_blocker.unblock():
        response = logged_in_client(analyst).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def logged_in_client(user):
    """The schema and its docs need a login (GOVGRID_API_DOCS_PUBLIC is off by default)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def log_in_to_the_docs(page, served_app, username, fragment=""):
    """Open the docs page, log in on the login page it leads to, and come back to the docs."""
    page.goto(served_app + "/api/docs/" + fragment, wait_until="load")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation(url=lambda url: urlsplit(url).path == "/api/docs/"):
        page.click("main.login button[type=submit]")
    if fragment:
        page.goto(served_app + "/api/docs/" + fragment, wait_until="load")


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def api_routes(patterns=None, prefix=""):
    """Every URL route of the API (api/v1/ and open311/v2/) as an OpenAPI path."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from api_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if route.startswith(("api/v1/", "open311/v2/")):
                route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).replace("{pk}", "{id}")
                yield "/" + route


def ref_name(schema_object):
    ref = schema_object.get("$ref") or schema_object.get("items", {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1]


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_the_schema_is_generated_without_a_warning(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))


def test_every_api_route_is_in_the_schema(schema):
    assert set(api_routes()) - set(schema["paths"]) == set()


def test_every_operation_has_a_summary_a_unique_id_and_a_tag(schema):
    ids = [operation["operationId"] for _path, _method, operation in operations(schema)]
    assert len(ids) == len(set(ids))
    for path, method, operation in operations(schema):
        assert operation.get("summary") and operation.get("tags"), (method, path)


def test_every_refusal_has_the_one_error_shape(schema):
    for path, method, operation in operations(schema):
        refusals = {code: answer for code, answer in operation["responses"].items() if code.startswith("4")}
        assert refusals, (method, path)
        expected = "Open311Error" if path.startswith("/open311/") else "ApiError"
        for code, answer in refusals.items():
            for content in answer["content"].values():
                assert ref_name(content["schema"]) == expected, (method, path, code)
    error = schema["components"]["schemas"]["ApiError"]
    assert set(error["required"]) == {"detail", "code"}
    assert set(error["properties"]) == {"detail", "code", "field", "errors"}


PUBLIC_OPERATIONS = {
    "resident_report_create",
    "resident_report_follow",
    "resident_report_rate",
    "resident_report_add",
    "resident_consultation_create",
    "resident_consultation_follow",
    "resident_consultation_evaluate",
    "resident_service_ask",
    "resident_service_follow",
    "resident_service_confirm",
    "resident_service_cancel",
    "service_kinds",
}


def test_every_operation_that_needs_a_login_names_the_token_scheme(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    }
    assert (schemes["open311ApiKey"]["in"], schemes["open311ApiKey"]["name"]) == ("query", "api_key")
    for path, method, operation in operations(schema):
        if path == "/api/v1/auth/token/":
            continue
        if operation["operationId"] in PUBLIC_OPERATIONS:  # residents, with no account
            assert operation.get("security", []) in ([], [{}]), (method, path)
            continue
        names = {name for requirement in operation["security"] for name in requirement}
        assert "tokenAuth" in names, (method, path)
        assert "401" in operation["responses"], (method, path)
        if path.startswith("/open311/"):
            assert "open311ApiKey" in names


def parameters(schema, path, method="get"):
    return {p["name"]: p for p in schema["paths"][path][method].get("parameters", [])}


def test_filters_are_described_with_their_allowed_values(schema):
    areas = parameters(schema, "/api/v1/areas/")
    assert {"level", "within", "page", "page_size"} <= set(areas)
    levels = schema["components"]["schemas"]["AreaLevelEnum"]["enum"]
    assert levels == ["district", "street", "community", "grid"]
    # An empty within= is no filter, as the view takes it.
    assert areas["within"]["schema"]["pattern"] == r"^$|^([0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15})$"
    lookup = parameters(schema, "/api/v1/areas/lookup/")
    assert lookup["crs"]["schema"]["enum"] == ["wgs84", "cgcs2000", "gcj02", "bd09"]
    assert lookup["lon"]["required"] and lookup["lon"]["schema"]["maximum"] == 180
    figures = parameters(schema, "/api/v1/figures/")
    assert all(figures[name]["required"] for name in ("within", "level", "since", "until"))
    actions = parameters(schema, "/api/v1/incidents/{code}/{action}/", "post")
    assert set(actions["action"]["schema"]["enum"]) >= {"accept", "escalate", "resolve", "close", "rate"}
    open311 = parameters(schema, "/open311/v2/requests.json")
    assert {"service_request_id", "service_code", "start_date", "end_date", "status"} <= set(open311)


def test_the_report_body_is_described_for_json_and_multipart(schema):
    body = schema["paths"]["/api/v1/incidents/"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(body)
    report = schema["components"]["schemas"][ref_name(body["application/json"]["schema"])]
    assert {"client_id", "category", "description", "lon", "lat"} <= set(report["required"])
    assert report["properties"]["client_id"]["format"] == "uuid"
    multipart = schema["components"]["schemas"][ref_name(body["multipart/form-data"]["schema"])]
    assert multipart["properties"]["photos"]["items"]["format"] == "binary"
    open311 = schema["paths"]["/open311/v2/requests.xml"]["post"]
    assert "application/x-www-form-urlencoded" in open311["requestBody"]["content"]
    assert "Idempotency-Key" in {p["name"] for p in open311["parameters"]}


def test_open311_answers_are_described_in_json_and_in_xml(schema):
    as_json = schema["paths"]["/open311/v2/requests.json"]["get"]["responses"]["200"]["content"]
    as_xml = schema["paths"]["/open311/v2/requests.xml"]["get"]["responses"]["200"]["content"]
    assert list(as_json) == ["application/json"] and list(as_xml) == ["text/xml"]
    assert as_xml["text/xml"]["schema"]["xml"] == {"name": "service_requests", "wrapped": True}
    request = schema["components"]["schemas"]["Open311Request"]
    assert request["xml"] == {"name": "request"}
    assert {"service_request_id", "status", "requested_datetime", "lat", "long", "media_url"} <= set(
        request["properties"]
    )


def test_the_schema_speaks_chinese_by_default_and_english_on_request(db, analyst):
    def summary(**headers):
        body = json.loads(logged_in_client(analyst).get("/api/schema/", {"format": "json"}, headers=headers).content)
        return body["paths"]["/api/v1/incidents/"]["post"]["summary"]

    assert summary() == "上报案件"
    assert summary(**{"Accept-Language": "en"}) == "Report a case"


# --- the docs page, in Chromium with no network ------------------------------------------------
def test_the_docs_page_draws_every_operation_offline(served_app, offline_page, schema, analyst):
    """Each group of operations opens (one at a time: the groups start closed) and shows every
    operation of its tag, with nothing fetched from outside."""
    offline = offline_page()
    page = offline.page
    log_in_to_the_docs(page, served_app, analyst.username)
    by_tag = {}
    for _path, _method, operation in operations(schema):
        by_tag[operation["tags"][0]] = by_tag.get(operation["tags"][0], 0) + 1
    sections = page.locator(".opblock-tag-section")
    expect(sections).to_have_count(len(by_tag))
    drawn = 0
    for n in range(len(by_tag)):
        section = sections.nth(n)
        tag = section.locator(".opblock-tag").get_attribute("data-tag")
        section.locator(".opblock-tag").click()
        expect(section.locator(".opblock")).to_have_count(by_tag[tag])
        if tag == "incidents":
            assert "上报案件" in section.inner_text()  # in the page's language
            offline.screenshot("api-docs.png")
        drawn += by_tag[tag]
        section.locator(".opblock-tag").click()  # closed again: the next group is drawn alone
        expect(section.locator(".opblock")).to_have_count(0)
    assert drawn == sum(1 for _ in operations(schema))
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert offline.blocked == []
    assert offline.console_errors == []


def test_trying_an_operation_in_the_docs_page_calls_the_live_api(served_app, offline_page, analyst):
    offline = offline_page()
    page = offline.page
    log_in_to_the_docs(page, served_app, analyst.username, "#/Open311%20GeoReport%20v2/open311_services_json_get")
    operation = page.locator("#operations-Open311_GeoReport_v2-open311_services_json_get")
    page.locator(".opblock-tag").first.wait_for()
    if not operation.is_visible():  # its group starts closed
        page.locator('.opblock-tag[data-tag="Open311 GeoReport v2"]').click()
    operation.wait_for()
    if not operation.locator(".try-out").is_visible():
        operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    with page.expect_response(lambda r: "/open311/v2/services.json" in r.url) as answer:
        operation.get_by_role("button", name="Execute").click()
    assert answer.value.status == 200  # the docs' own login (its session) calls the API
    assert {"service_code", "service_name"} <= set(answer.value.json()[0])
    assert offline.blocked == []


def test_each_export_url_is_one_operation_with_its_formats_media_type_and_its_kinds_filters(schema):
    from exports.filters import QUERIES
    from exports.plan import CONTENT_TYPES, FORMATS

    for kind, query in QUERIES.items():
        for fmt in FORMATS:
            operation = schema["paths"][f"/api/v1/export/{kind}.{fmt}"]["get"]
            assert operation["operationId"] == f"export_{kind}_{fmt}"
            [(media_type, body)] = operation["responses"]["200"]["content"].items()
            assert media_type == CONTENT_TYPES[fmt].split(";")[0]
            assert body["schema"]["type"] == ("object" if fmt == "geojson" else "string")
            parameters = {p["name"]: p for p in operation["parameters"]}
            expected = set(query().fields) - ({"geometry"} if fmt != "csv" else set())
            assert set(parameters) == expected, (kind, fmt)
            if fmt == "csv":
                choices = ["lonlat", "wkt"] if kind == "incidents" else ["wkt"]
                assert parameters["geometry"]["schema"]["enum"] == choices


def test_the_vector_tiles_are_in_the_schema_for_gis_tools(schema):
    from maps.tile_urls import urlpatterns

    assert str(urlpatterns[0].pattern) == "maps/tiles/<str:layer>/<int:z>/<int:x>/<int:y>.pbf"
    operation = schema["paths"]["/maps/tiles/{layer}/{z}/{x}/{y}.pbf"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["layer"]["schema"]["enum"] == ["grids", "communities", "streets"]
    assert parameters["z"]["schema"] == {"type": "integer", "minimum": 0, "maximum": 22}
    assert {"tokenAuth": []} in operation["security"]
    assert list(operation["responses"]["200"]["content"]) == ["application/vnd.mapbox-vector-tile"]
