"""A resident proposes an issue for consultation from a QR code with no account, follows it by the
private link and evaluates the result there."""

import re
import uuid

import pytest

from consultations.models import Item

from .conftest import Resident, act, post
from .test_consultation_items import walk_to

pytestmark = pytest.mark.django_db


def test_a_resident_proposes_from_a_grids_code_to_its_community(city, resident):
    sent = resident.propose(city.code_of_grid, name="王先生", phone="13700001111")
    item = Item.objects.get(pk=sent["id"])
    assert (item.community, item.proposed_by_resident, item.participants) == (city.community, True, ["residents"])
    assert sent["link"].startswith("/r/c/") and item.proposed_by is None
    seen = city.client("community_dispatcher").get(f"/api/v1/consultations/{item.pk}/").json()
    assert seen["proposer"] == {"name": "王先生", "phone": "13700001111", "shown": True}


def test_a_retry_gets_the_same_item_and_other_content_under_its_id_is_refused(city, resident):
    client_id, secret = str(uuid.uuid4()), "k" * 22  # the link's secret, made with the client_id
    first = resident.propose(city.code_of_grid, client_id=client_id, secret=secret)
    again = resident.propose(city.code_of_grid, client_id=client_id, secret=secret, expect=200)
    assert again == first and first["link"] == f"/r/c/{secret}/" and Item.objects.count() == 1
    refused = resident.propose(city.code_of_grid, client_id=client_id, title="别的议题", expect=409)
    assert refused["field"] == "client_id"


def test_proposals_are_throttled_per_device(city, resident, settings):
    settings.CONSULTATION_PROPOSALS_PER_DEVICE = 2
    resident.propose(city.code_of_grid)
    resident.propose(city.code_of_grid)
    refused = resident.propose(city.code_of_grid, expect=429)
    assert refused["code"] == "throttled" and refused["retry_after"] > 0
    assert Item.objects.count() == 2
    Resident(address="203.0.113.10").propose(city.code_of_grid)  # another phone is not held back


def test_bad_proposals_name_the_field_and_leave_nothing(city, resident):
    assert resident.propose(city.code_of_grid, title="", expect=400)["field"] == "title"
    assert resident.propose(city.code_of_grid, phone="call me", expect=400)["field"] == "phone"
    assert resident.propose(city.code_of_grid, client_id="x", expect=400)["field"] == "client_id"
    unknown = resident.propose(type("Code", (), {"token": "nosuchcode"}), expect=404)
    assert unknown["field"] == "place"
    assert Item.objects.count() == 0


def test_the_proposer_follows_the_item_and_evaluates_it_once(city, resident):
    sent = resident.propose(city.code_of_grid)
    secret = sent["link"].rstrip("/").rsplit("/", 1)[1]
    path = f"/api/v1/resident/consultations/{secret}/"
    assert resident.client.get(path).json()["may_evaluate"] is False
    assert post(resident.client, path + "evaluate/", {"rating": 5}, 409)["code"] == "not_evaluation_stage"
    item = walk_to(city, {"id": sent["id"], "stage_kind": "proposal"}, "decision")
    item = act(city, item, "decide", decision="加装电梯，业主分摊")
    item = act(city, item, "advance")
    item = act(city, item, "advance", note="电梯已安装")
    seen = resident.client.get(path).json()
    assert seen["may_evaluate"] is True and seen["decision"] == "加装电梯，业主分摊"
    evaluated = post(resident.client, path + "evaluate/", {"rating": 4, "comment": "很好"})
    assert (evaluated["status"], evaluated["rating"], evaluated["may_evaluate"]) == ("solved", 4, False)
    assert post(resident.client, path + "evaluate/", {"rating": 5}, 409)["code"] in ("evaluated", "closed")
    assert resident.client.get("/api/v1/resident/consultations/wrong/").status_code == 404


def test_the_resident_pages_propose_and_follow_with_no_account(city, resident):
    page = resident.client.get(f"/r/{city.code_of_grid.token}/consult/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    client_id = str(uuid.uuid4())
    secret = re.search(r'name="secret" value="([^"]+)"', page.content.decode())[1]  # made with the form
    body = {"client_id": client_id, "secret": secret, "title": "小区绿化", "description": "草坪被踩坏"}
    sent = resident.client.post(f"/r/{city.code_of_grid.token}/consult/", body)
    assert sent.status_code == 302 and sent["Location"].startswith("/r/c/")
    again = resident.client.post(f"/r/{city.code_of_grid.token}/consult/", body)  # the form sent twice
    assert again["Location"] == sent["Location"] and Item.objects.count() == 1
    follow = resident.client.get(sent["Location"])
    assert follow.status_code == 200 and "小区绿化" in follow.content.decode()
    refused = resident.client.post(f"/r/{city.code_of_grid.token}/consult/", {"client_id": str(uuid.uuid4())})
    assert refused.status_code == 200 and Item.objects.count() == 1
