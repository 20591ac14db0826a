"""The staff's pages without a browser: a new item from the list page's form, an action from the
item page's form, and refusals shown as messages that change nothing."""

import pytest

from consultations.models import Item

from .conftest import propose

pytestmark = pytest.mark.django_db


def messages_of(answer):
    return [str(m) for m in answer.context["messages"]]


def test_a_dispatcher_records_an_item_from_the_list_page(city):
    client = city.client("community_dispatcher")
    form = {"community": city.community.code, "title": "楼道照明", "participants": ["residents", "property_company"]}
    answer = client.post("/consultations/", form, follow=True)
    item = Item.objects.get()
    assert answer.redirect_chain[-1][0] == f"/consultations/{item.pk}/"
    assert (
        item.participants == ["residents", "property_company"]
        and item.proposed_by == city.users["community_dispatcher"]
    )
    refused = client.post("/consultations/", form | {"title": ""})
    assert refused.status_code == 200 and messages_of(refused) == ["请填写议题。"]
    assert Item.objects.count() == 1


def test_the_item_pages_forms_act_and_refusals_change_nothing(city):
    item = propose(city)
    path = f"/consultations/{item['id']}/"
    moved = city.client("community_dispatcher").post(path, {"action": "advance", "version": 1, "to": 1}, follow=True)
    assert messages_of(moved) == ["已进入下一环节。"]
    skipped = city.client("community_dispatcher").post(path, {"action": "advance", "version": 2, "to": 3}, follow=True)
    assert "逐一推进" in messages_of(skipped)[0]
    led = city.client("leader").post(path, {"action": "advance", "version": 2}, follow=True)
    assert messages_of(led) == ["您可以查看此议事事项，但不能修改。"] and 'id="read-only"' in led.content.decode()
    assert Item.objects.get(pk=item["id"]).stage == 1
    assert city.client("other_dispatcher").get(path).status_code == 404


def test_an_impossible_meeting_date_is_refused_by_name_never_an_error(city):
    item = propose(city)
    path = f"/consultations/{item['id']}/"
    form = {"action": "meeting", "version": 1, "held_at": "2026-02-30T10:00", "place": "议事亭", "minutes": "协商"}
    answer = city.client("community_dispatcher").post(path, form, follow=True)
    assert answer.status_code == 200 and messages_of(answer) == ["请填写会议时间。"]
    assert not Item.objects.get(pk=item["id"]).meetings.exists()
