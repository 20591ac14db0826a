"""GET requests and one request: cases as GeoReport service requests with the spec's field names and
formats in JSON and XML, the standard filters, open/closed with status notes, and scope: a case
outside the caller's areas does not exist, and the resident's contact goes only to its handlers.
The callers are the cast of a staffed drawn city (tests/open311/conftest.py)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident
from incidents.workflow import act
from tests.conftest import DRAWN_DISTRICT
from tests.open311.conftest import V2, a_request, cast_user, parsed, post

REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
W3C = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)")


@pytest.fixture
def worker_key(api_key):
    return api_key("grid_worker")


@pytest.fixture
def case(client, worker_key):
    """A case grid_worker filed through Open311 with a resident's contact; returns its code."""
    fields = a_request(worker_key, first_name="三", last_name="张", phone="13800001234")
    return parsed(post(client, "json", fields))[0]["service_request_id"]


def get(client, key, path, **params):
    return client.get(f"{V2}/{path}", {"api_key": key} | params)


def codes(answer):
    return [r["service_request_id"] for r in answer]


def step(code, name, action, **fields):
    """One of the drawn city's cast acts on a case."""
    act(cast_user(name), code, action, Incident.objects.get(code=code).version, **fields)


def test_a_request_carries_the_spec_fields_in_the_spec_formats(client, worker_key, case):
    [request] = parsed(get(client, worker_key, f"requests/{case}.json"))
    incident = Incident.objects.select_related("grid").get(code=case)
    assert list(request)[: len(REQUEST_FIELDS)] == REQUEST_FIELDS
    assert request["service_request_id"] == case
    assert (request["status"], request["service_code"]) == ("open", "0301")
    assert request["service_name"] == "暴露垃圾、积存垃圾"
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C.fullmatch(request[field]), field
    assert request["requested_datetime"].endswith("+08:00")
    assert request["expected_datetime"] == timezone.localtime(incident.due_at).isoformat(timespec="seconds")
    assert request["address_id"] == incident.grid.code
    assert request["address"].split() == [a.name for a in reversed(incident.grid.chain())]
    assert request["agency_responsible"] == incident.grid.name
    assert (request["lat"], request["long"]) == (round(incident.location.y, 7), round(incident.location.x, 7))
    assert request["zipcode"] is None and request["media_url"] is None and request["service_notice"] is None
    assert request["status_notes"] == "已上报，等待网格受理。"


def test_the_xml_form_carries_the_same_values_under_service_requests(client, worker_key, case):
    [json_request] = parsed(get(client, worker_key, f"requests/{case}.json"))
    response = get(client, worker_key, f"requests/{case}.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root, [xml_request] = parsed(response)
    assert root == "service_requests"
    assert list(xml_request) == list(json_request)
    as_text = {k: ("" if v is None else str(v)) for k, v in json_request.items()}
    assert {k: v or "" for k, v in xml_request.items()} == as_text


def test_states_map_to_open_and_closed_with_notes(client, worker_key, case):
    key = worker_key

    def state():
        [request] = parsed(get(client, key, f"requests/{case}.json"))
        return request["status"], request["status_notes"], request["expected_datetime"] is None

    assert state() == ("open", "已上报，等待网格受理。", False)
    step(case, "grid_worker", "accept")
    assert state() == ("open", "已在网格受理。", False)
    step(case, "grid_worker", "escalate", reason="需要社区协调")
    assert state()[:2] == ("open", "已提级，等待社区（村）受理。")
    step(case, "community_dispatcher", "accept")
    step(case, "community_dispatcher", "resolve")
    assert state() == ("closed", "已在社区（村）办结，等待核查。", True)
    step(case, "street_dispatcher", "close")  # not the dispatcher who resolved it
    assert state() == ("closed", "已在社区（村）核查结案。", True)


def test_a_duplicate_is_closed_naming_the_original(client, worker_key, case):
    second = parsed(post(client, "json", a_request(worker_key)))[0]["service_request_id"]
    step(second, "grid_worker", "reject", reason="重复", duplicate_of=case)
    [request] = parsed(get(client, worker_key, f"requests/{second}.json"))
    assert (request["status"], request["status_notes"]) == ("closed", f"作为 {case} 的重复案件不予受理。")


def test_the_updated_time_is_the_latest_event(client, worker_key, case):
    step(case, "grid_worker", "accept")
    incident = Incident.objects.get(code=case)
    latest = incident.events.order_by("-at").first().at
    [request] = parsed(get(client, worker_key, f"requests/{case}.json"))
    assert request["updated_datetime"] == timezone.localtime(latest).isoformat(timespec="seconds")


def test_the_list_filters_by_status_service_and_ids(client, worker_key, case):
    other = parsed(post(client, "json", a_request(worker_key, service_code="0102")))[0]["service_request_id"]
    step(other, "grid_worker", "reject", reason="无效")
    key = worker_key
    assert set(codes(parsed(get(client, key, "requests.json")))) >= {case, other}
    assert case in codes(parsed(get(client, key, "requests.json", status="open")))
    assert other not in codes(parsed(get(client, key, "requests.json", status="open")))
    assert other in codes(parsed(get(client, key, "requests.json", status="closed")))
    assert case not in codes(parsed(get(client, key, "requests.json", status="closed")))
    assert {case, other} <= set(codes(parsed(get(client, key, "requests.json", status="open,closed"))))
    only_0102 = parsed(get(client, key, "requests.json", service_code="0102"))
    assert other in codes(only_0102) and {r["service_code"] for r in only_0102} == {"0102"}
    both = codes(parsed(get(client, key, "requests.json", service_request_id=f"{case},{other}")))
    assert sorted(both) == sorted([case, other])


def test_the_list_is_the_last_90_days_newest_first_unless_dates_are_given(client, worker_key, case):
    old = parsed(post(client, "json", a_request(worker_key)))[0]["service_request_id"]
    long_ago = timezone.now() - timedelta(days=100)
    Incident.objects.filter(code=old).update(reported_at=long_ago, received_at=long_ago)
    recent = codes(parsed(get(client, worker_key, "requests.json")))
    assert case in recent and old not in recent
    start = (long_ago - timedelta(days=1)).isoformat()
    end = (long_ago + timedelta(days=1)).isoformat()
    assert codes(parsed(get(client, worker_key, "requests.json", start_date=start, end_date=end))) == [old]
    assert old in codes(parsed(get(client, worker_key, "requests.json", start_date=start)))
    # A list of ids overrides the dates.
    assert codes(parsed(get(client, worker_key, "requests.json", service_request_id=old))) == [old]
    listed = parsed(get(client, worker_key, "requests.json"))
    times = [r["requested_datetime"] for r in listed]
    assert times == sorted(times, reverse=True)


def test_the_dates_select_on_the_received_time_which_is_the_requested_datetime(client, worker_key, case):
    """A phone that kept a report for long (or whose clock is wrong) says reported_at long before
    govgrid received it: the spec's requested_datetime and its date filters both use the reception."""
    received = timezone.now() - timedelta(days=1)
    reported = received - timedelta(days=200)
    Incident.objects.filter(code=case).update(reported_at=reported, received_at=received)
    [request] = parsed(get(client, worker_key, f"requests/{case}.json"))
    assert request["requested_datetime"] == timezone.localtime(received).isoformat(timespec="seconds")
    assert case in codes(parsed(get(client, worker_key, "requests.json")))
    around_received = {
        "start_date": (received - timedelta(hours=1)).isoformat(),
        "end_date": timezone.now().isoformat(),
    }
    assert codes(parsed(get(client, worker_key, "requests.json", **around_received))) == [case]
    around_reported = {
        "start_date": (reported - timedelta(days=1)).isoformat(),
        "end_date": (reported + timedelta(days=1)).isoformat(),
    }
    assert case not in codes(parsed(get(client, worker_key, "requests.json", **around_reported)))


def test_the_list_is_ordered_by_received_time(client, worker_key, case):
    later = parsed(post(client, "json", a_request(worker_key)))[0]["service_request_id"]
    now = timezone.now()
    # The later one was received last but says it was reported first.
    Incident.objects.filter(code=case).update(
        reported_at=now - timedelta(hours=1), received_at=now - timedelta(hours=2)
    )
    Incident.objects.filter(code=later).update(
        reported_at=now - timedelta(hours=3), received_at=now - timedelta(hours=1)
    )
    listed = codes(parsed(get(client, worker_key, "requests.json")))
    assert listed.index(later) < listed.index(case)


def test_the_list_holds_at_most_the_limit(client, worker_key, case, monkeypatch):
    from open311 import views

    for _ in range(3):
        post(client, "json", a_request(worker_key))
    monkeypatch.setattr(views, "MAX_REQUESTS", 2)
    assert len(parsed(get(client, worker_key, "requests.json"))) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-13-01T00:00:00Z"}, "end_date"),
        ({"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "end_date"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "end_date"),
        ({"end_date": "0001-01-02T00:00:00Z"}, "end_date"),
        ({"status": "pending"}, "status"),
        ({"service_code": "0301,9999"}, "service_code"),
        ({"jurisdiction_id": "999999"}, "jurisdiction_id"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_bad_filter_is_400_naming_it(client, worker_key, params, field, fmt):
    response = get(client, worker_key, f"requests.{fmt}", **params)
    assert response.status_code == 400
    body = parsed(response)
    errors = body[1] if fmt == "xml" else body
    assert errors[0]["field"] == field and errors[0]["description"].startswith(f"{field}: ")
    assert str(errors[0]["code"]) == "400"


EXTREME_DATES = [
    "9999-12-31T23:59:59+14:00",
    "9999-12-31T23:59:59-12:00",
    "9999-12-31T23:59:59.999999Z",
    "9999-12-31",
    "0001-01-01T00:00:00-12:00",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00",
    "0001-01-01",
    "10000-01-01T00:00:00Z",
    "0000-12-31T00:00:00Z",
    "2026-01-01T00:00:00+99:00",
    "garbage",
]


@pytest.mark.parametrize("value", EXTREME_DATES)
@pytest.mark.parametrize("field", ["start_date", "end_date"])
@pytest.mark.parametrize("key_holder", [True, False])
def test_a_date_at_year_0001_or_9999_or_garbage_answers_400_naming_it_or_200_never_500(
    client, worker_key, value, field, key_holder
):
    params = {field: value} | ({"api_key": worker_key} if key_holder else {})
    response = client.get(f"{V2}/requests.json", params)
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        [error] = parsed(response)
        assert error["field"] in ("start_date", "end_date") and error["description"].startswith(error["field"] + ": ")
        assert error["field"] == field or "start_date" in params and "end_date" not in params
    else:
        assert isinstance(parsed(response), list)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("0001-01-01T00:00:00Z", "0001-02-01T00:00:00Z"),
        ("0001-01-01T00:00:00-12:00", "0001-03-01T00:00:00+14:00"),
        ("9999-12-01T00:00:00Z", "9999-12-31T23:59:59+14:00"),
        ("9999-12-01T00:00:00Z", "9999-12-31T23:59:59-12:00"),
        ("0001-01-01T00:00:00", "0001-01-02T00:00:00"),
    ],
)
def test_a_span_at_the_ends_of_the_calendar_answers_400_naming_a_date_or_an_empty_list(client, worker_key, start, end):
    response = get(client, worker_key, "requests.xml", start_date=start, end_date=end)
    assert response.status_code in (200, 400), response.content
    root, items = parsed(response)
    if response.status_code == 200:
        assert (root, items) == ("service_requests", [])
    else:
        assert root == "errors" and items[0]["field"] in ("start_date", "end_date")


def test_a_jurisdiction_narrows_the_list_to_its_district(client, worker_key, case):
    assert case in codes(parsed(get(client, worker_key, "requests.json", jurisdiction_id=DRAWN_DISTRICT)))


def test_a_case_outside_the_callers_areas_does_not_exist(client, api_key, case):
    key = api_key("grid_worker_2")
    response = get(client, key, f"requests/{case}.xml")
    assert response.status_code == 404
    root, [error] = parsed(response)
    assert root == "errors" and error["field"] == "service_request_id" and case in error["description"]
    assert case not in codes(parsed(get(client, key, "requests.json")))
    assert parsed(get(client, key, "requests.json", service_request_id=case)) == []


def test_the_residents_contact_goes_only_to_roles_that_may_see_personal_data(client, api_key, case):
    for username in ("grid_worker", "community_dispatcher", "street_dispatcher", "leader", "admin"):
        [request] = parsed(get(client, api_key(username), f"requests/{case}.json"))
        assert (request["contact_name"], request["contact_phone"]) == ("张三", "13800001234"), username
    for username in ("analyst",):
        [request] = parsed(get(client, api_key(username), f"requests/{case}.json"))
        assert "contact_name" not in request and "contact_phone" not in request, username
        assert "13800001234" not in str(request)
        _root, [xml_request] = parsed(get(client, api_key(username), f"requests/{case}.xml"))
        assert "contact_phone" not in xml_request
    for request in parsed(get(client, api_key("analyst"), "requests.json")):
        assert "contact_phone" not in request


def test_a_photo_is_the_requests_media_url(client, worker_key):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.open311.test_create import PNG

    fields = a_request(worker_key) | {"media": SimpleUploadedFile("p.png", PNG, content_type="image/png")}
    code = parsed(client.post(f"{V2}/requests.json", fields))[0]["service_request_id"]
    [request] = parsed(get(client, worker_key, f"requests/{code}.json"))
    photo = Incident.objects.get(code=code).photos.get()
    assert request["media_url"] == f"http://testserver/api/v1/incidents/{code}/photos/{photo.id}/"
    assert client.get(request["media_url"], headers={"Authorization": f"Token {worker_key}"}).status_code == 200
