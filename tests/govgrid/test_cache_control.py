"""Answers that may carry personal data (residents' contacts, people's phones, case photos) are
never kept by a shared cache or on a browser's disk: `Cache-Control: private, no-store`. The people
are the cast of a drawn city (tests/grids/cast.py)."""

import io
import uuid

import pytest
from django.urls import get_resolver
from PIL import Image
from rest_framework.authtoken.models import Token

from govgrid.lib.privacy import holds_personal_data
from grids.models import Person

pytestmark = pytest.mark.usefixtures("media")


def assert_not_stored(response):
    assert response.status_code < 500, response.content[:300]
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives and "public" not in directives


def picture():
    output = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 128, 0)).save(output, "JPEG")
    output.name = "p.jpg"
    output.seek(0)
    return output


@pytest.fixture
def case(cast):
    """A case grid_worker reported with a resident's contact and a photo; returns its answer."""
    point = cast.grid_of("grid_worker").geom.point_on_surface
    body = {
        "client_id": str(uuid.uuid4()),
        "category": "0301",
        "description": "楼道堆物",
        "lon": point.x,
        "lat": point.y,
        "contact_name": "张三",
        "contact_phone": "13812345678",
        "photos": [picture()],
    }
    response = cast.client("grid_worker").post("/api/v1/incidents/", body)
    assert response.status_code == 201
    assert_not_stored(response)
    return response.json()


def test_every_answer_about_a_case_is_private_and_not_stored(cast, case):
    alice = cast.client("grid_worker")
    code = case["code"]
    for url in (
        "/api/v1/incidents/",
        "/api/v1/incidents/?mine=1",
        f"/api/v1/incidents/{code}/",
        f"/api/v1/incidents/{code}/timeline/",
        case["photos"][0]["url"],
        "/api/v1/export/incidents.csv",
        "/api/v1/export/incidents.geojson",
        f"/dispatch/{code}/",
        "/dispatch/",
    ):
        assert_not_stored(alice.get(url))
    action = alice.post(f"/api/v1/incidents/{code}/accept/", {"version": 1}, content_type="application/json")
    assert action.status_code == 200 and action.json()["contact"]["phone"] == "13812345678"
    assert_not_stored(action)
    photo = alice.post(f"/api/v1/incidents/{code}/photos/", {"photo": picture()})
    assert_not_stored(photo)


def test_refusals_of_those_views_are_not_stored_either(cast, case):
    alice = cast.client("grid_worker")
    assert_not_stored(alice.get(f"/api/v1/incidents/{cast.code}-20000101-9999/"))
    stale = alice.post(f"/api/v1/incidents/{case['code']}/accept/", {"version": 99}, content_type="application/json")
    assert stale.status_code == 409
    assert_not_stored(stale)


def test_people_with_their_phones_are_private_and_not_stored(cast):
    client = cast.client("community_dispatcher")
    assert_not_stored(client.get("/api/v1/people/"))
    someone = Person.objects.filter(user=cast.users["grid_worker"]).get()
    assert_not_stored(client.get(f"/api/v1/people/{someone.pk}/"))


def test_open311_requests_are_private_and_not_stored(client, cast, case):
    key = Token.objects.get_or_create(user=cast.users["grid_worker"])[0].key
    assert_not_stored(client.get("/open311/v2/requests.json", {"api_key": key}))
    assert_not_stored(client.get(f"/open311/v2/requests/{case['code']}.xml", {"api_key": key}))


def test_every_view_that_answers_with_cases_people_or_exports_is_marked(db):
    """A new view under these paths must carry the mark (govgrid.middleware.personal_data)."""
    personal_paths = (
        "api/v1/incidents/", "api/v1/people/", "api/v1/export/", "open311/v2/requests", "dispatch/",
        "api/v1/resident", "r/t/", "r/<str:token>/", "r/c/", "consultations/", "api/v1/consultations",
    )  # fmt: skip
    unmarked = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            path = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, path)
            elif path.startswith(personal_paths) and not holds_personal_data(pattern.callback):
                unmarked.append(path)

    walk(get_resolver().url_patterns)
    assert unmarked == []
