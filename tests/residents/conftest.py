"""A staffed drawn city with QR codes for its first grid and its first community, and a resident's
phone: a test client with the resident page's device cookie and an address of its own."""

import io
import uuid

import pytest
from django.test import Client
from PIL import Image

from residents.links import new_secret
from residents.models import PlaceCode


@pytest.fixture
def city(staffed_city):
    grid = staffed_city.grid_of("grid_worker")
    staffed_city.codes = {
        "grid": PlaceCode.objects.create(token="tg" + staffed_city.code, area=grid),
        "community": PlaceCode.objects.create(token="tc" + staffed_city.code, area=grid.parent),
    }
    return staffed_city


class Resident:
    """A resident's phone: its own device cookie and address, posting as the resident page does."""

    def __init__(self, address="203.0.113.7", device=None):
        self.client = Client(HTTP_X_REAL_IP=address, REMOTE_ADDR=address)
        self.client.cookies["gg_device"] = device or uuid.uuid4().hex

    def report(self, place, expect=201, photos=(), **fields):
        headers = {key: fields.pop(key) for key in list(fields) if key.startswith("HTTP_")}
        body = {"place": place.token, "client_id": str(uuid.uuid4()), "topic": "rubbish", "description": "楼下垃圾堆积"}
        body["secret"] = new_secret()  # made on the phone with the client_id
        body |= fields
        files = {"photos": list(photos)} if photos else {}
        answer = self.client.post("/api/v1/resident/reports/", body | files, **headers)
        assert answer.status_code == expect, answer.content.decode()
        return answer.json()

    def follow(self, link, expect=200):
        secret = link.rstrip("/").rsplit("/", 1)[1]
        answer = self.client.get(f"/api/v1/resident/reports/{secret}/")
        assert answer.status_code == expect, answer.content.decode()
        return answer.json()


@pytest.fixture
def resident(settings):
    settings.TRUSTED_PROXY_HEADER = "X-Real-IP"
    return Resident()


def photo(name="p.jpg", rgb=(120, 40, 40)):
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), rgb).save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = name
    return buffer


@pytest.fixture(scope="module")
def served_residents_city(django_db_setup, django_db_blocker):
    """A committed city for the served app, with the cast logging in with the demo's password and a
    QR code for the grid worker's grid; its residents' reports and cases go with it."""
    from tests.conftest import committed_city
    from tests.incidents.conftest import served_cast

    def people(city):
        served_cast("grid_worker", "community_dispatcher", "leader")(city)
        city.codes = {"grid": PlaceCode.objects.create(token="srv" + city.code, area=city.grid_of("grid_worker"))}

    with committed_city(django_db_blocker, people, code="990031", origin=(113.3, 32.6)) as city:
        yield city
