"""The API's docs (/api/docs/) as a user meets them: parameter descriptions in the page's language,
the schema asked for in that language, and "Try it out" pressed with nothing typed never ends in a
refusal: every GET operation's request, as Swagger UI fills it from the schema's examples and
defaults, answers without a 4xx for the administrator on the demo city, or cannot be sent at all
because a required value is left for the user to give. (The schema's examples are the demo city's
places and codes, so "Try it out" runs on the demo; the rest takes the cast of a drawn city.)"""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

CJK = re.compile(r"[\u4e00-\u9fff]")


def schema(reader, language):
    """The schema as a logged-in reader gets it (it needs a login unless GOVGRID_API_DOCS_PUBLIC)."""
    body = reader.get("/api/schema/", {"format": "json"}, headers={"Accept-Language": language}).content
    return json.loads(body)


def get_operations(doc):
    for path, item in doc["paths"].items():
        if "get" in item:
            yield path, item["get"]


def swagger_value(parameter):
    """What Swagger UI puts in a parameter's field on "Try it out": the parameter's example, else
    its first named example, else the schema's example, else its default; else nothing."""
    if "example" in parameter:
        return parameter["example"]
    if parameter.get("examples"):
        return next(iter(parameter["examples"].values()))["value"]
    schema_ = parameter.get("schema", {})
    for key in ("example", "default"):
        if key in schema_:
            return schema_[key]
    return None


def test_every_parameter_is_described_in_chinese_in_chinese_mode(cast):
    untranslated = {}
    for path, item in schema(cast.client("analyst"), "zh-hans")["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                description = parameter.get("description", "")
                if description and not CJK.search(description):
                    untranslated.setdefault(description, f"{method} {path} {parameter['name']}")
    assert untranslated == {}


def test_parameters_are_described_in_english_on_request(cast):
    lookup = schema(cast.client("analyst"), "en")["paths"]["/api/v1/areas/lookup/"]["get"]
    crs = next(p for p in lookup["parameters"] if p["name"] == "crs")
    assert not CJK.search(crs["description"])


@pytest.mark.django_db
def test_try_it_out_with_nothing_typed_is_never_refused():
    admin = Client()
    admin.force_login(get_user_model().objects.get(username="admin"))
    refused = []
    for path, operation in get_operations(schema(admin, "zh-hans")):
        values, missing = {}, []
        for parameter in operation.get("parameters", []):
            value = swagger_value(parameter)
            if value is None:
                if parameter.get("required"):
                    missing.append(parameter["name"])
                continue
            values[parameter["in"], parameter["name"]] = value
        if missing:
            continue  # Swagger UI asks for the value before it sends anything
        url = path
        for (where, name), value in list(values.items()):
            if where == "path":
                url = url.replace("{" + name + "}", str(value))
        query = {name: value for (where, name), value in values.items() if where == "query"}
        response = admin.get(url, query)
        if 400 <= response.status_code < 500:
            refused.append((path, query, response.status_code, response.content[:200]))
    assert refused == []


def schema_url_of_docs_page(client, **headers):
    page = client.get("/api/docs/", headers=headers).content.decode()
    return json.loads('"' + re.search(r'url: "([^"]+)"', page).group(1) + '"')  # a JavaScript string


def test_the_docs_page_asks_for_the_schema_in_its_own_language(cast):
    leader = cast.client("leader")
    assert schema_url_of_docs_page(leader) == "/api/schema/?lang=zh-hans"
    assert schema_url_of_docs_page(leader, **{"Accept-Language": "en"}) == "/api/schema/?lang=en"
    english = json.loads(leader.get("/api/schema/", {"lang": "en", "format": "json"}).content)
    assert english["paths"]["/api/v1/incidents/"]["post"]["summary"] == "Report a case"


# --- in Chromium, logged in as a user would be -------------------------------------------------
@pytest.fixture
def device(browser):
    from tests.govgrid.devices import Device

    made = []

    def make(profile):
        made.append(Device(browser, profile))
        return made[-1]

    yield make
    for d in made:
        d.close()


@pytest.mark.django_db
@pytest.mark.parametrize("profile", ["phone", "desktop"])
def test_in_the_docs_page_a_bare_try_it_out_answers_and_the_fields_speak_chinese(served_app, device, profile):
    user = device(profile)
    page = user.log_in(served_app, "analyst", then="/api/docs/")
    operation = page.locator("#operations-areas-areas_lookup_retrieve")
    page.locator('.opblock-tag[data-tag="areas"]').click()  # the groups of operations start closed
    operation.wait_for()
    operation.locator(".opblock-summary").click()
    assert "坐标系" in operation.locator(".parameters").inner_text()
    operation.get_by_role("button", name="Try it out").click()
    with page.expect_response(lambda r: "/api/v1/areas/lookup/" in r.url) as answer:
        operation.get_by_role("button", name="Execute").click()
    assert answer.value.status == 200
    operation.locator(".live-responses-table").wait_for()
    operation.scroll_into_view_if_needed()
    user.screenshot("test_in_the_docs_page_a_bare_try_it_out_answers")
    assert user.blocked == []
