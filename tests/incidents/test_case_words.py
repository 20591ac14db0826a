"""One word for each act and state of a case (design.md): report 上报 (已上报), escalate 提级 (已提级),
return 退回 (已退回), reject 不予受理. The same in the API's labels, the pages, the phone page and the
Open311 notes; the machine values stay as they were."""

import json
import re

import pytest
from django.utils import translation

from incidents.actions import ACTIONS
from incidents.models import Incident
from open311.representation import status_notes
from tests.incidents.conftest import new_incident, step


@pytest.fixture
def escalated(city):
    code = new_incident("垃圾堆放", city)
    step(code, "grid_worker", "escalate", city=city, reason="需社区协调")
    return code


@pytest.fixture
def returned(city, escalated):
    step(escalated, "community_dispatcher", "return", city=city, reason="网格可处置")
    return escalated


def test_the_actions_have_distinct_chinese_words():
    with translation.override("zh-hans"):
        words = {name: str(spec.label) for name, spec in ACTIONS.items()}
    assert (words["escalate"], words["return"], words["reject"]) == ("提级", "退回", "不予受理")
    assert len(set(words.values())) == len(words)


def test_an_escalated_case_reads_escalated_in_the_api_and_keeps_its_machine_status(city, escalated):
    body = city.client("community_dispatcher").get(f"/api/v1/incidents/{escalated}/").json()
    assert (body["status"], body["status_label"]) == ("reported", "已提级")
    english = (
        city.client("community_dispatcher").get(f"/api/v1/incidents/{escalated}/", HTTP_ACCEPT_LANGUAGE="en").json()
    )
    assert english["status_label"] == "escalated"


def test_a_new_report_reads_reported(city):
    code = new_incident("垃圾堆放", city)
    body = city.client("grid_worker").get(f"/api/v1/incidents/{code}/").json()
    assert (body["status"], body["status_label"]) == ("reported", "已上报")


def test_a_returned_case_reads_returned_and_a_rejected_one_not_accepted(city, returned):
    assert city.client("grid_worker").get(f"/api/v1/incidents/{returned}/").json()["status_label"] == "已退回"
    rejected = new_incident("垃圾堆放", city)
    step(rejected, "community_dispatcher", "reject", city=city, reason="无效")
    body = city.client("grid_worker").get(f"/api/v1/incidents/{rejected}/").json()
    assert (body["status"], body["status_label"]) == ("rejected", "不予受理")


def test_the_timeline_gives_each_event_its_words(city, returned):
    events = city.client("grid_worker").get(f"/api/v1/incidents/{returned}/timeline/").json()
    assert [e["action"] for e in events] == ["report", "escalate", "return"]
    assert [(e["labels"]["action"], e["labels"]["to_status"]) for e in events] == [
        ("上报", "已上报"),
        ("提级", "已提级"),
        ("退回", "已退回"),
    ]
    assert events[2]["labels"]["from_status"] == "已提级"


def test_the_case_page_and_the_queue_use_the_words(city, returned):
    html = city.client("grid_worker").get(f"/dispatch/{returned}/").content.decode()
    assert '<dd id="case-status">已退回</dd>' in html
    timeline = re.findall(r'<li data-action="(\w+)"><time [^>]*>[^<]*</time> ([^·]*) · ([^·]*) · ', html)
    assert timeline == [
        ("report", "上报", "— → 已上报"),
        ("escalate", "提级", "已上报 → 已提级"),
        ("return", "退回", "已提级 → 已退回"),
    ]
    queue = city.client("grid_worker").get("/dispatch/").content.decode()
    row = re.search(rf'<tr class="[^"]*" data-code="{returned}">.*?</tr>', queue, re.S).group(0)
    assert '<td data-label="状态" class="status">已退回</td>' in row


def test_the_reason_field_names_escalation_by_its_word(city):
    code = new_incident("垃圾堆放", city)
    html = city.client("community_dispatcher").get(f"/dispatch/{code}/").content.decode()
    assert "理由（提级、退回、不予受理、重新办理、退单、挂账、督办、返工时必填）" in html
    assert 'value="escalate">提级</button>' in html


def test_the_phone_page_is_given_the_words(city):
    html = city.client("grid_worker").get("/m/").content.decode()
    config = json.loads(re.search(r'<script id="phone-config" type="application/json">(.*?)</script>', html).group(1))
    assert config["statuses"]["reported"] == "已上报" and config["statuses"]["rejected"] == "不予受理"
    assert config["arrived"] == {"escalate": "已提级", "return": "已退回"}


def test_open311_notes_say_not_accepted_for_a_rejected_case(city):
    code = new_incident("垃圾堆放", city)
    step(code, "community_dispatcher", "reject", city=city, reason="无效")
    with translation.override("zh-hans"):
        assert status_notes(Incident.objects.get(code=code)) == "已在网格不予受理。"


def test_open311_notes_say_escalated_and_returned(city, escalated):
    with translation.override("zh-hans"):
        assert status_notes(Incident.objects.get(code=escalated)) == "已提级，等待社区（村）受理。"
        step(escalated, "community_dispatcher", "return", city=city, reason="网格可处置")
        assert status_notes(Incident.objects.get(code=escalated)) == "已退回，等待网格受理。"
