"""Open311 test helpers: api keys for the people of a staffed drawn city (tests/conftest.py:
DrawnCity.staff, drawn under DRAWN_DISTRICT), a point in a worker's grid, and answers parsed from
either format."""

import json
import uuid
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from grids.models import Assignment, Role
from tests.conftest import DRAWN_DISTRICT

V2 = "/open311/v2"


@pytest.fixture(autouse=True)
def _own_media(media):
    """Every Open311 test writes its photos to its own directory (tests/conftest.py's media)."""


@pytest.fixture
def api_key(staffed_city):
    """api_key("leader") → the API token of that account of the staffed drawn city."""

    def make(name):
        token, _created = Token.objects.get_or_create(user=staffed_city.users[name])
        return token.key

    return make


def cast_user(name):
    """One of the cast of the drawn city under DRAWN_DISTRICT (staffed_city, or one committed)."""
    return get_user_model().objects.get(username=f"{DRAWN_DISTRICT}_{name}")


def cast_grid(name="grid_worker"):
    """The grid a grid worker of that cast serves."""
    return Assignment.objects.active().get(person__user=cast_user(name), role=Role.GRID_WORKER).area


def inside(name="grid_worker"):
    point = cast_grid(name).geom.point_on_surface
    return point.y, point.x


def a_request(key, **fields):
    """Form fields of a valid GeoReport POST by grid_worker in its own grid."""
    lat, long = inside()
    return {
        "api_key": key,
        "service_code": "0301",
        "lat": lat,
        "long": long,
        "description": "小区门口垃圾堆放",
        "client_id": str(uuid.uuid4()),
    } | fields


def post(client, fmt, fields, **headers):
    """POST as GeoReport clients do: form-urlencoded."""
    return client.post(
        f"{V2}/requests.{fmt}", urlencode(fields), content_type="application/x-www-form-urlencoded", headers=headers
    )


def parsed(response):
    """The answer as Python data: JSON as it is; XML as (root tag, [child dicts]) via the stdlib."""
    if response["Content-Type"].startswith("text/xml"):
        assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
        return xml_items(response.content)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def xml_items(content):
    root = ElementTree.fromstring(content)
    return root.tag, [element_dict(child) for child in root]


def element_dict(element):
    """<a><b>1</b><c/></a> → {"b": "1", "c": None}; nested lists stay elements."""
    return {child.tag: (child.text if len(child) == 0 else child) for child in element}
