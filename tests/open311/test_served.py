"""Open311 over real HTTP on the served app: a phone-like client retrying a POST in parallel with one
idempotency key makes exactly one case, and the XML answer is what the spec shows."""

import threading
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen
from xml.etree import ElementTree

import pytest

from incidents.models import Incident
from tests.conftest import DEMO_PASSWORD, post_json
from tests.open311.conftest import inside


def form_post(url, fields, headers):
    request = Request(url, data=urlencode(fields).encode(), method="POST", headers=headers)
    try:
        with urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


@pytest.mark.django_db
def test_parallel_retries_with_one_idempotency_key_make_one_case(served_app, forget_reports):
    token = post_json(served_app, "/api/v1/auth/token/", {"username": "grid_worker", "password": DEMO_PASSWORD})[1][
        "token"
    ]
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
