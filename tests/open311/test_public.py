"""Reading Open311 as the spec has it: services, a service's definition, requests and one request
answer a caller without a key; such public answers hold no personal data and no case of a sensitive
category, may be cached only briefly, and never as a key holder's answer. GOVGRID_OPEN311_PUBLIC_READ
off puts requests behind a key again; POST always needs one. The key holders are the cast of a staffed
drawn city (tests/open311/conftest.py)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import Category, Incident
from tests.open311.conftest import V2, a_request, element_dict, parsed, post
from tests.open311.test_create import PNG
from tests.open311.test_requests import REQUEST_FIELDS, codes, step

# What the resident and the reporter's client wrote that is personal (see the `case` fixture).
PERSONAL = ["张三", "13800001234", "zhang.san@example.com", "device-7f3a", "李四"]


@pytest.fixture
def worker_key(api_key):
    return api_key("grid_worker")


def file_case(client, key, **fields):
    """A case grid_worker files through Open311 for 张三, about 李四, with a photo; its code."""
    personal = {
        "first_name": "三",
        "last_name": "张",
        "phone": "13800001234",
        "email": "zhang.san@example.com",
        "device_id": "device-7f3a",
        "description": "李四家门口垃圾堆放，联系电话13800001234",
        "media": SimpleUploadedFile("p.png", PNG, content_type="image/png"),
    }
    answer = client.post(f"{V2}/requests.json", a_request(key) | personal | fields)
    assert answer.status_code == 201, answer.content
    return parsed(answer)[0]["service_request_id"]


@pytest.fixture
def case(client, worker_key):
    return file_case(client, worker_key)


@pytest.fixture
def dispute(client, worker_key):
    """A neighbours' dispute (0601, sensitive by default)."""
    return file_case(client, worker_key, service_code="0601", description="邻里噪音纠纷")


def public_requests(response):
    """The service requests of a public answer, as dicts, from JSON or XML."""
    assert response.status_code == 200, response.content
    body = parsed(response)
    if isinstance(body, tuple):
        root, requests = body
        assert root == "service_requests"
        return requests
    return body


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_get_of_the_spec_answers_200_with_no_key(client, case, fmt):
    for path in ("services", "services/0301", "requests", f"requests/{case}"):
        response = client.get(f"{V2}/{path}.{fmt}")
        assert response.status_code == 200, (path, response.content)
    services = parsed(client.get(f"{V2}/services.{fmt}"))
    assert "0301" in [s["service_code"] for s in (services[1] if fmt == "xml" else services)]
    assert case in codes(public_requests(client.get(f"{V2}/requests.{fmt}")))
    assert codes(public_requests(client.get(f"{V2}/requests/{case}.{fmt}"))) == [case]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_public_request_holds_no_personal_data(client, staffed_city, case, fmt):
    listed = client.get(f"{V2}/requests.{fmt}")
    single = client.get(f"{V2}/requests/{case}.{fmt}")
    for response in (listed, single):
        [request] = [r for r in public_requests(response) if r["service_request_id"] == case]
        assert list(request) == REQUEST_FIELDS  # no contact_name, contact_phone or anything else
        assert request["description"] in (None, "") and request["media_url"] in (None, "")
        assert request["address"].split()[0] == staffed_city.district.name  # the areas' names, nobody's address
        text = response.content.decode()
        for personal in PERSONAL:
            assert personal not in text, (personal, fmt)
        assert "/photos/" not in text


def test_a_key_holder_in_scope_still_gets_the_description_photo_and_contact(client, worker_key, case):
    [request] = parsed(client.get(f"{V2}/requests/{case}.json", {"api_key": worker_key}))
    assert request["description"].startswith("李四家门口")
    assert request["media_url"] and (request["contact_name"], request["contact_phone"]) == ("张三", "13800001234")


def test_the_default_dispute_and_livelihood_categories_are_sensitive(db):
    marked = set(Category.objects.filter(sensitive=True).values_list("code", flat=True))
    assert marked == {"06", "0601", "0602", "0603", "08", "0801", "0802", "0803"}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_sensitive_categorys_requests_are_absent_for_the_public_and_present_for_a_key_holder(
    client, worker_key, case, dispute, fmt
):
    public = codes(public_requests(client.get(f"{V2}/requests.{fmt}")))
    assert case in public and dispute not in public
    assert client.get(f"{V2}/requests/{dispute}.{fmt}").status_code == 404
    by_id = client.get(f"{V2}/requests.{fmt}", {"service_request_id": f"{case},{dispute}"})
    assert codes(public_requests(by_id)) == [case]
    assert public_requests(client.get(f"{V2}/requests.{fmt}", {"service_code": "0601"})) == []

    with_key = client.get(f"{V2}/requests.{fmt}", {"api_key": worker_key})
    assert {case, dispute} <= set(codes(public_requests(with_key)))
    assert client.get(f"{V2}/requests/{dispute}.{fmt}", {"api_key": worker_key}).status_code == 200


def test_marking_a_class_sensitive_withholds_every_item_of_it(client, case):
    Category.objects.filter(code="03").update(sensitive=True)
    assert case not in codes(public_requests(client.get(f"{V2}/requests.json")))
    assert client.get(f"{V2}/requests/{case}.json").status_code == 404


def test_a_duplicate_of_a_withheld_case_does_not_name_it_in_public(client, worker_key, dispute):
    second = file_case(client, worker_key)
    step(second, "grid_worker", "reject", reason="重复", duplicate_of=dispute)
    [request] = public_requests(client.get(f"{V2}/requests/{second}.json"))
    assert request["status"] == "closed" and dispute not in json.dumps(request, ensure_ascii=False)
    [own] = parsed(client.get(f"{V2}/requests/{second}.json", {"api_key": worker_key}))
    assert dispute in own["status_notes"]


def test_with_public_read_off_requests_need_a_key_again(client, settings, worker_key, case):
    settings.OPEN311_PUBLIC_READ = False
    for path in ("requests.json", f"requests/{case}.json", "requests.xml"):
        response = client.get(f"{V2}/{path}")
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == "Token"
    assert parsed(client.get(f"{V2}/requests.json")) == [{"code": 401, "description": "身份认证信息未提供。"}]
    assert client.get(f"{V2}/services.json").status_code == 200  # services stay public
    assert client.get(f"{V2}/services/0301.xml").status_code == 200
    assert case in codes(parsed(client.get(f"{V2}/requests.json", {"api_key": worker_key})))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_post_still_needs_a_key(client, staffed_city, fmt):
    before = Incident.objects.count()
    fields = a_request("")
    del fields["api_key"]
    response = post(client, fmt, fields)
    assert response.status_code == 401
    assert Incident.objects.count() == before


def test_a_public_answer_may_be_cached_briefly_and_a_key_holders_never(client, worker_key, case):
    for path in ("services.json", "services/0301.xml", "requests.json", f"requests/{case}.xml"):
        public = client.get(f"{V2}/{path}")
        assert public["Cache-Control"] == "public, max-age=60", path
        assert {"Authorization", "Cookie", "Accept-Language"} <= {v.strip() for v in public["Vary"].split(",")}
        private = client.get(f"{V2}/{path}", {"api_key": worker_key})
        assert private["Cache-Control"] == "private, no-store", path
        by_header = client.get(f"{V2}/{path}", headers={"Authorization": f"Token {worker_key}"})
        assert by_header["Cache-Control"] == "private, no-store", path
    assert client.get(f"{V2}/requests/nothing.json")["Cache-Control"] == "private, no-store"
    assert client.get(f"{V2}/requests.json", {"start_date": "x"})["Cache-Control"] == "private, no-store"
    assert post(client, "json", a_request(worker_key))["Cache-Control"] == "private, no-store"


def test_a_public_answer_is_not_cached_at_all_when_the_setting_says_0(client, settings, case):
    settings.OPEN311_PUBLIC_MAX_AGE = 0
    assert client.get(f"{V2}/requests.json")["Cache-Control"] == "private, no-store"


def test_a_logged_in_browser_gets_its_scope_uncached(client, staffed_city, case):
    client.force_login(staffed_city.users["grid_worker"])
    response = client.get(f"{V2}/requests/{case}.json")
    assert parsed(response)[0]["contact_phone"] == "13800001234"
    assert response["Cache-Control"] == "private, no-store"


def test_the_schema_says_which_calls_need_no_key(client, staffed_city, settings):
    client.force_login(staffed_city.users["analyst"])  # the schema needs a login

    def security(path, method="get"):
        schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)
        return schema["paths"][f"/open311/v2/{path}"][method]["security"]

    for path in ("services.json", "services/{service_code}.xml", "requests.json", "requests/{service_request_id}.xml"):
        assert {} in security(path), path
    assert {} not in security("requests.json", "post")
    settings.OPEN311_PUBLIC_READ = False
    assert {} in security("services.json")
    assert {} not in security("requests.json") and {} not in security("requests/{service_request_id}.json")


def test_xml_public_requests_have_no_contact_elements(client, case):
    from xml.etree import ElementTree

    root = ElementTree.fromstring(client.get(f"{V2}/requests.xml").content)
    for request in root:
        assert set(element_dict(request)) == set(REQUEST_FIELDS)
        assert request.find("contact_name") is None and request.find("contact_phone") is None


def test_an_administrator_marks_an_item_sensitive_in_the_admin(client, staffed_city, case):
    client.force_login(staffed_city.users["admin"])
    item = Category.objects.get(code="0301")
    page = client.get(f"/admin/incidents/category/{item.pk}/change/")
    assert b'name="sensitive"' in page.content
    assert b"sensitive" in client.get("/admin/incidents/category/?sensitive__exact=1").content
    form = {
        "code": item.code,
        "name": item.name,
        "parent": item.parent_id,
        "deadline_grid_hours": item.deadline_grid_hours,
        "deadline_community_hours": item.deadline_community_hours,
        "deadline_street_hours": item.deadline_street_hours,
        "deadline_department_hours": item.deadline_department_hours,
        "active": "on",
        "sensitive": "on",
        "items-TOTAL_FORMS": 0,
        "items-INITIAL_FORMS": 0,
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 1000,
        "routes-TOTAL_FORMS": 0,
        "routes-INITIAL_FORMS": 0,
        "routes-MIN_NUM_FORMS": 0,
        "routes-MAX_NUM_FORMS": 1000,
    }
    answer = client.post(f"/admin/incidents/category/{item.pk}/change/", form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert Category.objects.get(code="0301").sensitive
    client.logout()
    assert case not in codes(public_requests(client.get(f"{V2}/requests.json")))
