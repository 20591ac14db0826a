"""GET services and a service's definition: our category items in GeoReport's words, in JSON and
XML, to anyone (test_public.py); a key that is sent must be a known one."""

import pytest

from incidents.models import Category
from tests.open311.conftest import V2, parsed

SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]


def active_items():
    return list(
        Category.objects.filter(active=True, parent__isnull=False, parent__active=True)
        .order_by("code")
        .values_list("code", "name", "parent__name")
    )


def test_services_json_lists_every_active_category_item_with_the_spec_fields(client, api_key):
    response = client.get(f"{V2}/services.json", {"api_key": api_key("leader")})
    assert response.status_code == 200
    services = parsed(response)
    assert [list(s) for s in services] == [SERVICE_FIELDS] * len(services)
    assert [(s["service_code"], s["service_name"], s["group"]) for s in services] == active_items()
    assert {(s["metadata"], s["type"]) for s in services} == {(True, "realtime")}


def test_services_xml_has_a_service_element_per_item_under_services(client, api_key):
    response = client.get(f"{V2}/services.xml", {"api_key": api_key("leader")})
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root, services = parsed(response)
    assert root == "services"
    assert [list(s) for s in services] == [SERVICE_FIELDS] * len(services)
    assert [(s["service_code"], s["service_name"], s["group"]) for s in services] == active_items()
    assert {(s["metadata"], s["type"]) for s in services} == {("true", "realtime")}


def test_the_services_speak_chinese_by_default_and_english_on_request(client, api_key):
    key = api_key("leader")
    chinese = parsed(client.get(f"{V2}/services.json", {"api_key": key}))[0]["description"]
    english = parsed(client.get(f"{V2}/services.json", {"api_key": key}, headers={"Accept-Language": "en"}))[0]
    assert "网格" in chinese and "小时" in chinese
    assert "Handled in the grid within" in english["description"]


def test_an_inactive_item_is_not_a_service(client, api_key):
    Category.objects.filter(code="0302").update(active=False)
    codes = [s["service_code"] for s in parsed(client.get(f"{V2}/services.json", {"api_key": api_key("leader")}))]
    assert "0301" in codes and "0302" not in codes
    assert client.get(f"{V2}/services/0302.json", {"api_key": api_key("leader")}).status_code == 404


def test_a_service_definition_lists_the_attributes_a_request_may_carry(client, api_key):
    definition = parsed(client.get(f"{V2}/services/0301.json", {"api_key": api_key("leader")}))
    assert definition["service_code"] == "0301"
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert list(attributes) == ["client_id", "crs", "accuracy_m"]
    assert [a["order"] for a in definition["attributes"]] == [1, 2, 3]
    assert {a["variable"] for a in attributes.values()} == {True}
    assert {a["required"] for a in attributes.values()} == {False}
    assert attributes["crs"]["datatype"] == "singlevaluelist"
    assert [v["key"] for v in attributes["crs"]["values"]] == ["wgs84", "cgcs2000", "gcj02", "bd09"]
    assert attributes["accuracy_m"]["datatype"] == "number"


def test_a_service_definition_in_xml_nests_attributes_and_values(client, api_key):
    from xml.etree import ElementTree

    response = client.get(f"{V2}/services/0301.xml", {"api_key": api_key("leader")})
    root = ElementTree.fromstring(response.content)
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "0301"
    assert [a.findtext("code") for a in root.findall("attributes/attribute")] == ["client_id", "crs", "accuracy_m"]
    crs = root.findall("attributes/attribute")[1]
    assert crs.findtext("datatype") == "singlevaluelist" and crs.findtext("variable") == "true"
    assert [v.findtext("key") for v in crs.findall("values/value")] == ["wgs84", "cgcs2000", "gcj02", "bd09"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_is_404_in_the_spec_error_format(client, api_key, fmt):
    response = client.get(f"{V2}/services/9999.{fmt}", {"api_key": api_key("leader")})
    assert response.status_code == 404
    errors = parsed(response)
    if fmt == "xml":
        assert errors[0] == "errors"
        errors = errors[1]
    assert errors[0]["code"] in (404, "404")
    assert errors[0]["description"].startswith("service_code: ") and "9999" in errors[0]["description"]


def test_an_unknown_api_key_is_401_in_xml_too(client, db):
    response = client.get(f"{V2}/services.xml", {"api_key": "not-a-token"})
    assert response.status_code == 401
    root, errors = parsed(response)
    assert root == "errors" and errors[0]["code"] == "401" and errors[0]["description"]


def test_the_api_key_may_also_come_as_an_authorization_header(client, api_key):
    response = client.get(f"{V2}/services.json", headers={"Authorization": f"Token {api_key('leader')}"})
    assert response.status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_open311_path_is_404_in_the_spec_error_format(client, db, fmt):
    response = client.get(f"{V2}/nothing.{fmt}")
    assert response.status_code == 404
    body = parsed(response)
    errors = body[1] if fmt == "xml" else body
    if fmt == "xml":
        assert body[0] == "errors"
    assert str(errors[0]["code"]) == "404" and errors[0]["description"]


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("requests/%00.json", 404, None),
        ("services/%00.xml", 404, None),
        ("requests.json?service_request_id=%00", 400, "service_request_id"),
        ("requests.xml?service_code=03%0001", 400, "service_code"),
    ],
)
def test_a_nul_character_is_refused_in_the_spec_format(client, api_key, path, status, field):
    response = client.get(f"{V2}/{path}", headers={"Authorization": f"Token {api_key('leader')}"})
    assert response.status_code == status
    body = parsed(response)
    errors = body[1] if path.split("?")[0].endswith(".xml") else body
    assert str(errors[0]["code"]) == str(status)
    assert errors[0].get("field") == field
