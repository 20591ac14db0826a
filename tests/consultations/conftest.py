"""A staffed drawn city for consultations: the community dispatcher's community, a dispatcher of
another community (outside the first one's scope), a QR code of the grid worker's grid, and the
people's API calls as small helpers."""

import uuid

import pytest
from django.test import Client

from grids.models import Role
from residents.models import PlaceCode


@pytest.fixture
def city(staffed_city):
    city = staffed_city
    city.community = city.grid_of("grid_worker").parent
    other = next(c for c in city.communities if c != city.community and c.parent_id != city.community.parent_id)
    city.users["other_dispatcher"] = city.account(
        f"{city.code}_other_dispatcher", "别的社区指挥", Role.DISPATCHER, other
    )
    city.code_of_grid = PlaceCode.objects.create(token="cg" + city.code, area=city.grid_of("grid_worker"))
    return city


def post(client, path, body, expect=200):
    answer = client.post(path, body, content_type="application/json")
    assert answer.status_code == expect, answer.content.decode()
    return answer.json()


def propose(city, name="community_dispatcher", expect=201, **fields):
    body = {
        "community": city.community.code,
        "title": "小区停车难",
        "description": "晚上车位不够，消防通道被占",
        "proposer_name": "李阿姨",
        "proposer_phone": "13912345678",
        "participants": ["residents", "party_members", "property_company", "owners_committee"],
    } | fields
    return post(city.client(name), "/api/v1/consultations/", body, expect)


def act(city, item, action, name="community_dispatcher", expect=200, version=None, **fields):
    """An action on the item with the version just read (or the one given)."""
    client = city.client(name)
    if version is None:
        version = client.get(f"/api/v1/consultations/{item['id']}/").json()["version"]
    path = f"/api/v1/consultations/{item['id']}/{action.replace('_', '-')}/"
    return post(client, path, {"version": version} | fields, expect)


class Resident:
    """A resident's phone: its own device cookie and address."""

    def __init__(self, address="203.0.113.9"):
        self.client = Client(HTTP_X_REAL_IP=address, REMOTE_ADDR=address)
        self.client.cookies["gg_device"] = uuid.uuid4().hex

    def propose(self, place, expect=201, **fields):
        body = {
            "place": place.token,
            "client_id": str(uuid.uuid4()),
            "title": "加装电梯",
            "description": "老楼没有电梯",
        }
        return post(self.client, "/api/v1/resident/consultations/", body | fields, expect)


@pytest.fixture
def resident(settings):
    settings.TRUSTED_PROXY_HEADER = "X-Real-IP"
    return Resident()


@pytest.fixture(scope="module")
def served_consultation_city(django_db_setup, django_db_blocker):
    """A committed city for the served app, whose community dispatcher and analyst log in with the
    demo's password, and an item of the dispatcher's community at the deliberation stage with a
    meeting; its items go with it."""
    from consultations.models import Item
    from tests.conftest import committed_city
    from tests.incidents.conftest import served_cast

    with committed_city(
        django_db_blocker,
        served_cast("community_dispatcher", "street_dispatcher", "analyst"),
        code="990041",
        origin=(113.5, 32.7),
    ) as city:
        try:
            with django_db_blocker.unblock():
                city.item = deliberated_item(city)
            yield city
        finally:
            with django_db_blocker.unblock():
                Item.objects.filter(community__code__startswith=city.code).delete()


def deliberated_item(city):
    from django.utils import timezone

    from consultations import services

    dispatcher = city.users["community_dispatcher"]
    community = city.grid_of("grid_worker").parent
    item = services.propose(
        dispatcher,
        community.code,
        "小区停车难，消防通道长期被占用，需要协商划线增加车位并设置禁停标识",
        "晚上车位不够",
        "李阿姨",
        "13912345678",
        ["residents", "party_members", "property_company", "owners_committee", "area_units"],
    )
    item = services.advance(dispatcher, item.pk, item.version, "议题符合条件")
    item = services.advance(dispatcher, item.pk, item.version)
    item, _meeting = services.record_meeting(
        dispatcher,
        item.pk,
        item.version,
        timezone.now(),
        "社区党群服务中心二楼议事厅",
        "物业同意在东侧空地划线；业委会负责征求业主意见。",
        {"residents": 15, "property_company": 2, "owners_committee": 3, "party_members": 4},
        ["李阿姨", "王经理", "张主任", "赵书记"],
    )
    return item
