"""Open311 over real HTTP on the served app: a phone-like client retrying a POST in parallel with one
idempotency key makes exactly one case, the XML answer is what the spec shows, and a stock GeoReport
v2 client (the `georeport` package from PyPI) reads services, definitions and requests with no key.
The grid worker is one of the cast of a staffed drawn city, committed for the served app."""

import json
import threading
import uuid
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen
from xml.etree import ElementTree

import pytest
import requests

from incidents.models import Incident
from tests.conftest import DEMO_PASSWORD, committed_city, post_json
from tests.maps.conftest import staffed_with_passwords
from tests.open311.conftest import inside


@pytest.fixture(scope="module")
def served_city(django_db_blocker):
    """The staffed drawn city (tests/open311/conftest.py finds its cast by DRAWN_DISTRICT), committed."""
    with committed_city(django_db_blocker, add_people=staffed_with_passwords("grid_worker")) as city:
        yield city


@pytest.fixture
def token(served_app, served_city):
    username = served_city.users["grid_worker"].username
    return post_json(served_app, "/api/v1/auth/token/", {"username": username, "password": DEMO_PASSWORD})[1]["token"]


def form_post(url, fields, headers):
    request = Request(url, data=urlencode(fields).encode(), method="POST", headers=headers)
    try:
        with urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


@pytest.mark.django_db
def test_parallel_retries_with_one_idempotency_key_make_one_case(served_app, token, forget_reports):
    lat, long = inside()
    fields = {"api_key": token, "service_code": "0301", "lat": lat, "long": long, "description": "并发重试"}
    headers = {"Idempotency-Key": "served-retry-1", "Content-Type": "application/x-www-form-urlencoded"}
    answers = []

    def send():
        answers.append(form_post(f"{served_app}/open311/v2/requests.xml", fields, headers))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    codes = set()
    for status, content_type, body in answers:
        assert content_type == "text/xml; charset=utf-8"
        root = ElementTree.fromstring(body)
        assert root.tag == "service_requests" and [child.tag for child in root] == ["request"]
        codes.add(root.findtext("request/service_request_id"))
        assert status in (200, 201)
    assert sorted(status for status, _type, _body in answers) == [200, 200, 200, 201]
    [code] = codes
    incident = Incident.objects.get(code=code)
    forget_reports.append(str(incident.client_id))
    assert Incident.objects.filter(client_id=incident.client_id).count() == 1
    assert incident.channel == "open311"


def report_over_http(base, token, service_code, forget_reports):
    """A case filed through the served app with a resident's contact; its code."""
    lat, long = inside()
    fields = {
        "api_key": token,
        "service_code": service_code,
        "lat": lat,
        "long": long,
        "description": "王五反映：门口垃圾，电话13900005678",
        "first_name": "五",
        "last_name": "王",
        "phone": "13900005678",
        "client_id": str(uuid.uuid4()),
    }
    status, _type, body = form_post(
        f"{base}/open311/v2/requests.json", fields, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 201, body
    forget_reports.append(fields["client_id"])
    return json.loads(body)[0]["service_request_id"]


def as_list(requests):
    """xmltodict gives one request as a dict and several as a list."""
    return requests if isinstance(requests, list) else [requests]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_stock_georeport_client_reads_without_a_key_and_gets_no_personal_data(
    served_app, served_city, token, forget_reports, fmt
):
    from georeport import GeoReport

    case = report_over_http(served_app, token, "0301", forget_reports)
    dispute = report_over_http(served_app, token, "0601", forget_reports)
    client = GeoReport(f"{served_app}/open311/v2", jurisdiction=served_city.code, output_format=fmt)
    assert client.api_key is None

    services = client.get_service_list()
    assert {"0301", "0601"} <= {service["service_code"] for service in services}
    definition = client.get_service_definition("0301")
    assert definition["service_code"] == "0301"
    listed = as_list(client.get_service_requests(service_code="0301,0601", status="open"))
    assert case in [r["service_request_id"] for r in listed]
    assert dispute not in [r["service_request_id"] for r in listed]
    one = client.get_service_request(case)
    assert (one["service_request_id"], one["service_code"], one["status"]) == (case, "0301", "open")
    assert one["description"] is None and one["media_url"] is None
    for request in [*listed, one]:
        assert "contact_name" not in request and "contact_phone" not in request
        assert not {"王五", "13900005678"} & {str(value) for value in request.values()}
    with pytest.raises(requests.HTTPError) as refused:
        client.get_service_request(dispute)
    assert refused.value.response.status_code == 404


@pytest.mark.django_db
def test_a_post_without_an_api_key_is_refused_over_http(served_app, served_city):
    lat, long = inside()
    fields = {"service_code": "0301", "lat": lat, "long": long, "description": "没有密钥"}
    status, content_type, body = form_post(
        f"{served_app}/open311/v2/requests.xml", fields, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 401 and content_type == "text/xml; charset=utf-8"
    assert ElementTree.fromstring(body).findtext("error/code") == "401"
