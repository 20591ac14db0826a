"""A consultation item walked through its community's stages through the API, with a meeting, the
decision, a follow-up case and a resident's evaluation, and what is refused on the way."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations.models import Evaluation, Item, Meeting, StageStep
from consultations.stages import METHOD_168
from incidents.models import Incident

from .conftest import act, post, propose

pytestmark = pytest.mark.django_db


def walk_to(city, item, kind):
    """Advance the item until its current stage is of `kind`; the item as it is then."""
    while item["stage_kind"] != kind:
        item = act(city, item, "advance", note="按程序推进")
    return item


def test_an_item_walks_through_every_stage_to_solved(city):
    item = propose(city)
    assert (item["status"], item["stage"], item["stage_name"]) == ("open", 0, "提议")
    assert [stage["name"] for stage in item["stages"]] == ["提议", "议题审核", "协商", "公示", "决议", "实施", "评议"]
    item = walk_to(city, item, "deliberation")
    held = (timezone.now() - timedelta(hours=2)).isoformat()
    item = act(
        city, item, "meeting", held_at=held, place="社区议事厅", minutes="物业同意划线增加车位",
        attendance={"residents": 12, "property_company": 2, "owners_committee": 3}, attendees=["李阿姨", "王经理"],
    )  # fmt: skip
    assert item["meetings"][0]["attended"] == 17 and item["meetings"][0]["attendees"] == ["李阿姨", "王经理"]
    item = walk_to(city, item, "decision")
    item = act(city, item, "decide", decision="物业在东侧空地划线 20 个车位，消防通道设禁停")
    assert item["status"] == "decided" and item["decided_at"]
    item = act(city, item, "advance")  # to the implementation
    item = act(city, item, "follow_up", category="0301", description="东侧空地划线")
    case = Incident.objects.get(code=item["follow_ups"][0]["incident"])
    assert case.area_code.startswith(city.community.code) and case.status == "reported"
    item = act(city, item, "advance", note="已划线完毕")  # the implementation is done: on to the evaluation
    assert (item["stage_kind"], item["status"]) == ("evaluation", "decided")
    item = act(city, item, "evaluate", rating=5, comment="停车方便多了", resident_name="李阿姨")
    assert (item["status"], item["solved_at"] is not None) == ("solved", True)
    assert [stage["state"] for stage in item["stages"]] == ["done"] * 7
    actions = list(StageStep.objects.filter(item_id=item["id"]).values_list("action", flat=True))
    assert actions[0] == "propose" and actions[-2:] == ["evaluate", "solve"]
    assert actions.count("advance") == 6


def test_a_stage_is_never_skipped(city):
    item = propose(city)
    refused = act(city, item, "advance", to=2, expect=409)
    assert (refused["code"], refused["field"]) == ("skip", "to") and "议题审核" in refused["detail"]
    assert act(city, item, "advance", to=1)["stage"] == 1


def test_the_decision_stage_is_left_only_once_decided_and_a_decision_only_there(city):
    item = propose(city)
    assert act(city, item, "decide", decision="过早的决议", expect=409)["code"] == "not_decision_stage"
    item = walk_to(city, item, "decision")
    assert act(city, item, "advance", expect=409)["field"] == "decision"
    assert act(city, item, "evaluate", rating=4, expect=409)["code"] == "not_evaluation_stage"


def test_two_dispatchers_acting_on_one_version_one_succeeds_the_other_gets_409(city):
    item = propose(city)
    act(city, item, "advance", version=item["version"])
    refused = act(city, item, "advance", name="street_dispatcher", version=item["version"], expect=409)
    assert refused["code"] == "stale"
    assert Item.objects.get(pk=item["id"]).stage == 1


def test_leaders_and_analysts_read_but_may_not_act(city):
    item = propose(city)
    for name in ("leader", "analyst"):
        assert city.client(name).get(f"/api/v1/consultations/{item['id']}/").status_code == 200
        assert act(city, item, "advance", name=name, expect=403)["code"] == "forbidden"
    assert propose(city, name="leader", expect=403)["code"] == "forbidden"
    assert Item.objects.count() == 1 and Item.objects.get().stage == 0


def test_another_communitys_dispatcher_finds_no_such_item(city):
    item = propose(city)
    assert city.client("other_dispatcher").get(f"/api/v1/consultations/{item['id']}/").status_code == 404
    assert act(city, item, "advance", name="other_dispatcher", version=1, expect=404)["field"] == "item"
    assert city.client("other_dispatcher").get("/api/v1/consultations/").json() == []
    assert propose(city, name="other_dispatcher", expect=404)["field"] == "community"


def test_bad_input_is_refused_naming_the_field_in_chinese_and_leaves_nothing(city):
    refused = propose(city, title="", expect=400)
    assert refused["field"] == "title" and "不能为空" in refused["detail"]
    body = {"community": city.community.code}
    refused = post(city.client("community_dispatcher"), "/api/v1/consultations/", body, 400)
    assert refused["field"] == "title" and "必填" in refused["detail"]
    assert propose(city, participants=["aliens"], expect=400)["field"] == "participants"
    assert Item.objects.count() == 0
    item = walk_to(city, propose(city), "decision")
    item = act(city, item, "decide", decision="同意")
    item = walk_to(city, item, "implementation")
    item = act(city, item, "advance", note="已完成")
    refused = act(city, item, "evaluate", rating=7, expect=400)
    assert refused["field"] == "rating" and "5" in refused["detail"]
    meeting = {"held_at": timezone.now().isoformat(), "place": "", "minutes": "纪要"}
    assert act(city, item, "meeting", expect=400, **meeting)["field"] == "place"
    later = meeting | {"place": "议事厅", "held_at": (timezone.now() + timedelta(days=1)).isoformat()}
    assert act(city, item, "meeting", expect=400, **later)["field"] == "held_at"
    assert act(city, item, "drop", reason=" ", expect=400)["field"] == "reason"
    assert Evaluation.objects.count() == 0 and Meeting.objects.count() == 0
    assert Item.objects.get(pk=item["id"]).status == "decided"


def test_a_dropped_item_takes_no_further_action(city):
    item = act(city, propose(city), "drop", reason="业主自行协商解决")
    assert (item["status"], item["dropped_reason"]) == ("dropped", "业主自行协商解决")
    assert act(city, item, "advance", expect=409)["code"] == "closed"


def test_a_follow_up_links_an_open_case_once(city):
    from tests.incidents.conftest import new_incident

    code = new_incident("楼道堆物", city=city)
    item = walk_to(city, propose(city), "decision")
    item = act(city, item, "decide", decision="清理楼道")
    item = act(city, item, "follow_up", incident=code)
    assert item["follow_ups"][0] | {"at": None} == {
        "incident": code, "status": "reported", "status_label": "已上报", "created": False, "at": None,
    }  # fmt: skip
    assert act(city, item, "follow_up", incident=code, expect=409)["code"] == "linked"
    assert act(city, item, "follow_up", incident="411381-20000101-9999", expect=404)["field"] == "incident"


def test_the_proposers_phone_is_masked_for_the_analyst(city):
    item = propose(city)
    seen = city.client("analyst").get(f"/api/v1/consultations/{item['id']}/").json()
    assert seen["proposer"] == {"name": None, "phone": "139****5678", "shown": False}
    listed = city.client("analyst").get("/api/v1/consultations/").json()
    assert listed[0]["proposer"]["phone"] == "139****5678"
    page = city.client("analyst").get(f"/consultations/{item['id']}/").content.decode()
    assert "13912345678" not in page and "李阿姨" not in page and "139****5678" in page
    shown = city.client("leader").get(f"/api/v1/consultations/{item['id']}/").json()["proposer"]
    assert shown == {"name": "李阿姨", "phone": "13912345678", "shown": True}


def test_a_community_sets_its_own_method_for_items_raised_after(city):
    before = propose(city)
    path = f"/api/v1/consultations/methods/{city.community.code}/"
    method = city.client("community_dispatcher").put(
        path, {"name": "168工作法", "stages": METHOD_168}, content_type="application/json"
    )
    assert method.status_code == 200 and method.json()["own"] is True
    after = propose(city)
    assert len(after["stages"]) == 8 and after["stages"][4]["name"] == "形成决议"
    assert len(city.client("analyst").get(f"/api/v1/consultations/{before['id']}/").json()["stages"]) == 7
    wrong = METHOD_168[1:]  # no proposal stage
    refused = city.client("community_dispatcher").put(path, {"stages": wrong}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["field"] == "stages"
    assert city.client("leader").put(path, {"stages": METHOD_168}, content_type="application/json").status_code == 403
