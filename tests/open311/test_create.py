"""POST requests: a GeoReport request becomes a case under the intake's own rules, a retry with an
idempotency key never makes a second one, and a refusal names the Open311 field in the caller's
language and leaves nothing behind."""

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from govgrid.lib import coords
from incidents.models import Incident, IncidentEvent
from tests.conftest import DRAWN_DISTRICT
from tests.open311.conftest import V2, a_request, cast_grid, inside, parsed, post

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


@pytest.fixture
def key(api_key):
    return api_key("grid_worker")


@pytest.fixture
def cases(db):
    """How many cases there are before the test."""
    return Incident.objects.count()


def errors_of(response):
    body = parsed(response)
    if isinstance(body, tuple):  # XML
        root, errors = body
        assert root == "errors"
        return [{"code": int(e["code"]), "description": e["description"], "field": e["field"]} for e in errors]
    return body


def test_a_form_post_creates_a_case_as_the_intake_does(client, key):
    fields = a_request(key, first_name="三", last_name="张", phone="13800001234")
    response = post(client, "json", fields)
    assert response.status_code == 201
    [answer] = parsed(response)
    assert list(answer) == ["service_request_id", "service_notice", "account_id"]
    assert re.fullmatch(rf"{DRAWN_DISTRICT}-\d{{8}}-\d{{4}}", answer["service_request_id"])
    incident = Incident.objects.get(code=answer["service_request_id"])
    assert str(incident.client_id) == fields["client_id"]
    assert (incident.channel, incident.category.code, incident.description) == ("open311", "0301", "小区门口垃圾堆放")
    assert (incident.contact_name, incident.contact_phone) == ("张三", "13800001234")
    assert (round(incident.location.y, 7), round(incident.location.x, 7)) == (
        round(fields["lat"], 7),
        round(fields["long"], 7),
    )
    assert incident.grid == cast_grid()
    assert list(IncidentEvent.objects.filter(incident=incident).values_list("action", flat=True)) == ["report"]


def test_the_xml_answer_to_a_post_is_a_request_under_service_requests(client, key):
    response = post(client, "xml", a_request(key))
    assert response.status_code == 201
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root, [answer] = parsed(response)
    assert root == "service_requests"
    assert list(answer) == ["service_request_id", "service_notice", "account_id"]
    assert Incident.objects.filter(code=answer["service_request_id"], channel="open311").exists()


def test_a_json_body_is_accepted_too(client, key):
    body = a_request(key) | {"attribute": {"accuracy_m": 12}}
    response = client.post(f"{V2}/requests.json", body, content_type="application/json")
    assert response.status_code == 201
    assert Incident.objects.get(code=parsed(response)[0]["service_request_id"]).accuracy_m == 12


def test_a_retry_with_the_same_client_id_answers_200_with_the_first_request(client, key, cases):
    fields = a_request(key)
    first = post(client, "json", fields)
    again = post(client, "xml", fields)
    assert (first.status_code, again.status_code) == (201, 200)
    assert parsed(again)[1][0]["service_request_id"] == parsed(first)[0]["service_request_id"]
    assert Incident.objects.count() == cases + 1


def test_a_retry_with_the_same_idempotency_key_header_answers_with_the_first_request(client, key, cases):
    fields = a_request(key)
    del fields["client_id"]
    first = post(client, "json", fields, **{"Idempotency-Key": "hotline-2026-000123"})
    again = post(client, "json", fields, **{"Idempotency-Key": "hotline-2026-000123"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert parsed(again) == parsed(first)
    assert Incident.objects.count() == cases + 1


def test_a_uuid_idempotency_key_is_the_intakes_client_id(client, key):
    fields = a_request(key)
    del fields["client_id"]
    header = str(uuid.uuid4())
    response = post(client, "json", fields, **{"Idempotency-Key": header})
    assert str(Incident.objects.get(code=parsed(response)[0]["service_request_id"]).client_id) == header


def test_the_same_header_key_from_two_accounts_makes_two_cases(client, api_key, cases):
    fields = a_request(api_key("grid_worker"))
    del fields["client_id"]
    admin_fields = fields | {"api_key": api_key("admin")}
    assert post(client, "json", fields, **{"Idempotency-Key": "k-1"}).status_code == 201
    assert post(client, "json", admin_fields, **{"Idempotency-Key": "k-1"}).status_code == 201
    assert Incident.objects.count() == cases + 2


def test_without_a_key_every_post_is_a_new_case(client, key, cases):
    fields = a_request(key)
    del fields["client_id"]
    assert [post(client, "json", fields).status_code for _ in range(2)] == [201, 201]
    assert Incident.objects.count() == cases + 2


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_another_report_under_a_used_key_is_409_and_writes_nothing(client, key, cases, fmt):
    fields = a_request(key)
    post(client, "json", fields)
    response = post(client, fmt, fields | {"description": "另一件事"})
    assert response.status_code == 409
    [error] = errors_of(response)
    assert (error["code"], error["field"]) == (409, "client_id")
    assert Incident.objects.count() == cases + 1


def test_a_client_id_and_a_different_idempotency_key_are_refused(client, key, cases):
    response = post(client, "json", a_request(key), **{"Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 400
    assert errors_of(response)[0]["field"] == "client_id"
    assert Incident.objects.count() == cases


@pytest.mark.parametrize(
    ("change", "field", "chinese"),
    [
        ({"service_code": "9999"}, "service_code", "9999"),
        ({"long": "东经112度"}, "long", "数字"),
        ({"lat": 95}, "lat", "90"),
        ({"description": ""}, "description", "必填"),
        ({"phone": "call me"}, "phone", "模式"),
        ({"client_id": "not-a-uuid"}, "client_id", "UUID"),
        ({"attribute[crs]": "mars"}, "attribute[crs]", "mars"),
        ({"attribute[accuracy_m]": -1}, "attribute[accuracy_m]", "0"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_input_is_400_naming_the_open311_field_in_chinese(client, key, cases, change, field, chinese, fmt):
    response = post(client, fmt, a_request(key) | change)
    assert response.status_code == 400
    [error] = errors_of(response)
    assert error["code"] == 400 and error["field"] == field
    assert error["description"].startswith(f"{field}: ") and chinese in error["description"]
    assert re.search(r"[\u4e00-\u9fff]", error["description"])
    assert Incident.objects.count() == cases


def test_bad_input_is_named_in_english_on_request(client, key):
    response = post(client, "json", a_request(key, service_code="9999"), **{"Accept-Language": "en"})
    assert errors_of(response)[0]["description"] == "service_code: No category has the code 9999."


def test_every_refused_field_is_listed(client, key):
    fields = a_request(key, service_code="9999", lat=95)
    del fields["description"]
    assert [e["field"] for e in errors_of(post(client, "xml", fields))] == ["service_code", "description", "lat"]


def test_an_address_alone_is_refused_asking_for_lat_and_long(client, key, cases):
    fields = a_request(key, address_string="邓州市新华路 1 号")
    del fields["lat"], fields["long"]
    response = post(client, "json", fields)
    assert response.status_code == 400
    assert errors_of(response)[0]["field"] == "lat"
    assert Incident.objects.count() == cases


def test_a_location_outside_every_grid_is_422_naming_lat_and_long(client, key, cases):
    response = post(client, "xml", a_request(key, lat=39.9, long=116.4))
    assert response.status_code == 422
    [error] = errors_of(response)
    assert error["field"] == "lat/long" and "网格" in error["description"]
    assert Incident.objects.count() == cases


def test_a_location_in_another_workers_grid_is_403(client, key, cases):
    lat, long = inside("grid_worker_2")
    response = post(client, "json", a_request(key, lat=lat, long=long))
    assert response.status_code == 403
    assert errors_of(response)[0]["field"] == "lat/long"
    assert Incident.objects.count() == cases


def test_a_leader_may_not_file_requests(client, api_key, cases):
    response = post(client, "json", a_request(api_key("leader")))
    assert response.status_code == 403
    assert Incident.objects.count() == cases


def test_a_gcj02_position_is_converted_and_kept_as_sent(client, key):
    lat, long = inside()
    sent_long, sent_lat = coords.from_wgs84(long, lat, "gcj02")
    fields = a_request(key, lat=sent_lat, long=sent_long, **{"attribute[crs]": "gcj02"})
    incident = Incident.objects.get(code=parsed(post(client, "json", fields))[0]["service_request_id"])
    assert (incident.input_crs, incident.input_lon, incident.input_lat) == ("gcj02", sent_long, sent_lat)
    assert abs(incident.location.x - long) < 1e-5 and abs(incident.location.y - lat) < 1e-5


def test_a_photo_sent_as_media_is_kept_with_the_case(client, key):
    fields = a_request(key) | {"media": SimpleUploadedFile("p.png", PNG, content_type="image/png")}
    response = client.post(f"{V2}/requests.json", fields)  # multipart
    assert response.status_code == 201
    incident = Incident.objects.get(code=parsed(response)[0]["service_request_id"])
    assert [p.content_type for p in incident.photos.all()] == ["image/png"]


def test_a_file_that_is_not_a_picture_is_refused_naming_media(client, key, cases):
    fields = a_request(key) | {"media": SimpleUploadedFile("p.png", b"not a picture", content_type="image/png")}
    response = client.post(f"{V2}/requests.json", fields)
    assert response.status_code == 400
    assert errors_of(response)[0]["field"] == "media"
    assert Incident.objects.count() == cases


def test_a_media_url_is_not_fetched_and_the_notice_says_so(client, key):
    [answer] = parsed(post(client, "json", a_request(key, media_url="http://example.org/p.jpg")))
    assert "media" in answer["service_notice"]


def test_an_unknown_jurisdiction_is_refused(client, key, cases):
    response = post(client, "json", a_request(key, jurisdiction_id="999999"))
    assert response.status_code == 400
    assert errors_of(response)[0]["field"] == "jurisdiction_id"
    assert post(client, "json", a_request(key, jurisdiction_id=DRAWN_DISTRICT)).status_code == 201
