"""The dispatcher pages: my queue at my level, overdue first; a case with exactly my actions."""

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from incidents.dispatch import QUEUE_LENGTH
from incidents.models import Incident
from incidents.workflow import FIELD_LABELS, act
from tests.conftest import DEMO_PASSWORD, post_json
from tests.incidents.conftest import new_incident as report_in
from tests.incidents.conftest import step


def new_incident(city, **report_fields):
    """A case grid_worker reports in its grid of the drawn city; its code."""
    return report_in("测试", city, **report_fields)


def escalate(city, code):
    step(code, "grid_worker", "escalate", city=city, reason="需社区协调")


def codes_on(html):
    return re.findall(r'data-code="([^"]+)"', html)


@pytest.mark.django_db
def test_the_community_queue_shows_its_level_overdue_first(city):
    later, overdue, grid_level = new_incident(city), new_incident(city), new_incident(city)
    escalate(city, later)
    escalate(city, overdue)
    act(city.users["grid_worker"], grid_level, "accept", 1)  # handled in its grid
    Incident.objects.filter(code=overdue).update(due_at=timezone.now() - timedelta(hours=1))
    page = city.client("community_dispatcher").get("/dispatch/").content.decode()
    shown = codes_on(page)
    assert shown.index(overdue) < shown.index(later) and grid_level not in shown
    everything = codes_on(city.client("community_dispatcher").get("/dispatch/", {"level": "all"}).content.decode())
    assert grid_level in everything


@pytest.mark.django_db
def test_a_case_page_offers_exactly_the_actions_allowed(city):
    code = new_incident(city)

    def buttons(username):
        html = city.client(username).get(f"/dispatch/{code}/").content.decode()
        return re.findall(r'name="action" value="([a-z]+)"', html)

    assert buttons("community_dispatcher") == ["accept", "escalate", "reject"]
    assert buttons("leader") == ["supervise"]  # 督办: leaders change nothing else
    assert city.client("grid_worker_2").get(f"/dispatch/{code}/").status_code == 404


@pytest.mark.django_db
def test_acting_from_the_page_changes_the_case_and_a_stale_form_is_refused(city):
    code = new_incident(city)
    dispatcher = city.client("community_dispatcher")
    response = dispatcher.post(f"/dispatch/{code}/", {"action": "accept", "version": 1}, follow=True)
    assert Incident.objects.get(code=code).status == "accepted"
    stale = dispatcher.post(f"/dispatch/{code}/", {"action": "start", "version": 1}, follow=True)
    assert "案件在您查看后已被更改" in stale.content.decode()
    assert Incident.objects.get(code=code).status == "accepted" and response.status_code == 200


@pytest.mark.django_db
def test_the_pages_work_offline_in_a_browser(served_app, served_city, offline_page, forget_reports):
    credentials = {"username": served_city.users["grid_worker"].username, "password": DEMO_PASSWORD}
    token = post_json(served_app, "/api/v1/auth/token/", credentials)[1]["token"]
    point = served_city.grid_of("grid_worker").geom.point_on_surface
    report = {
        "client_id": str(uuid.uuid4()),
        "category": "0301",
        "description": "浏览器测试",
        "lon": point.x,
        "lat": point.y,
    }
    forget_reports.append(report["client_id"])
    code = post_json(served_app, "/api/v1/incidents/", report, token)[1]["code"]

    page = offline_page()
    page.page.goto(served_app + "/dispatch/")
    page.page.fill("input[name=username]", served_city.users["community_dispatcher"].username)
    page.page.fill("input[name=password]", DEMO_PASSWORD)
    page.page.click("main.login button[type=submit]")
    page.page.goto(served_app + "/dispatch/?level=all")
    assert page.page.locator(f'tr[data-code="{code}"]').count() == 1
    page.page.click(f'a:text("{code}")')
    page.page.click('button[value="accept"]')
    assert page.page.locator("#case-status").inner_text() == "已受理"
    page.screenshot("dispatch-case.png")
    assert page.blocked == [] and [e for e in page.console_errors if "favicon" not in e] == []


@pytest.mark.django_db
def test_a_closed_case_past_its_deadline_is_not_called_overdue(city):
    code = new_incident(city)
    Incident.objects.filter(code=code).update(status="closed", due_at=timezone.now() - timedelta(days=3))
    html = city.client("community_dispatcher").get("/dispatch/", {"level": "all", "status": "all"}).content.decode()
    row = re.search(rf'<tr class="([^"]*)" data-code="{code}"', html)
    assert row is not None and row.group(1) == ""


@pytest.mark.django_db
def test_resolved_cases_with_older_deadlines_do_not_push_an_overdue_case_off_the_queue(city):
    overdue = new_incident(city)
    escalate(city, overdue)
    Incident.objects.filter(code=overdue).update(due_at=timezone.now() - timedelta(hours=1))
    model = Incident.objects.get(code=overdue)
    waiting = []
    for _ in range(QUEUE_LENGTH):  # resolved at the community, waiting to be closed, older deadlines
        model.pk, model.code, model.client_id = None, f"{model.code[:16]}T{uuid.uuid4().hex[:7]}", uuid.uuid4()
        model.status, model.due_at = "resolved", timezone.now() - timedelta(days=3)
        waiting.append(Incident(**{f.attname: getattr(model, f.attname) for f in Incident._meta.concrete_fields}))
    Incident.objects.bulk_create(waiting)
    shown = codes_on(city.client("community_dispatcher").get("/dispatch/").content.decode())
    assert len(shown) == QUEUE_LENGTH and shown[0] == overdue


def resolved_case(city, **report_fields):
    """A case grid_worker reported and accepted, resolved by the community's dispatcher (so that its
    reporter may rate it: nobody rates their own work)."""
    code = new_incident(city, **report_fields)
    act(city.users["grid_worker"], code, "accept", 1)
    act(city.users["community_dispatcher"], code, "resolve", 2)
    return code


def page_messages(response):
    return re.findall(r'<p class="message ([a-z ]*)" role="status">([^<]*)</p>', response.content.decode())


@pytest.mark.django_db
def test_the_reporter_rates_a_case_from_its_page_with_a_comment(city):
    code = resolved_case(city)
    worker = city.client("grid_worker")
    html = worker.get(f"/dispatch/{code}/").content.decode()
    assert 'value="rate"' in html and '<select name="rating">' in html and 'name="comment"' in html
    response = worker.post(
        f"/dispatch/{code}/", {"action": "rate", "version": 3, "rating": "4", "comment": "处理及时"}, follow=True
    )
    assert [tag for tag, _text in page_messages(response)] == ["success"]
    incident = Incident.objects.get(code=code)
    assert (incident.rating, incident.rating_comment) == (4, "处理及时")
    assert incident.events.get(action="rate").note == "处理及时"


@pytest.mark.django_db
def test_rating_from_the_page_without_a_rating_is_a_message_naming_it(city):
    code = resolved_case(city)
    response = city.client("grid_worker").post(f"/dispatch/{code}/", {"action": "rate", "version": 3}, follow=True)
    [(tag, text)] = page_messages(response)
    assert tag == "error" and "1" in text and "5" in text
    assert Incident.objects.get(code=code).rating is None


@pytest.mark.django_db
def test_a_dispatcher_rejects_a_duplicate_from_the_page_naming_the_original(city):
    original, duplicate = new_incident(city), new_incident(city)
    dispatcher = city.client("community_dispatcher")
    assert 'name="duplicate_of"' in dispatcher.get(f"/dispatch/{duplicate}/").content.decode()
    fields = {"action": "reject", "version": 1, "reason": "重复上报", "duplicate_of": original}
    dispatcher.post(f"/dispatch/{duplicate}/", fields | {"confirmed": "1"})
    incident = Incident.objects.get(code=duplicate)
    assert (incident.status, incident.duplicate_of.code) == ("rejected", original)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"action": "accept", "version": "x"}, "version"),
        ({"action": "accept"}, "version"),
        ({"action": "reject", "version": 1, "reason": "长" * 600, "confirmed": "1"}, "reason"),
        (
            {"action": "reject", "version": 1, "reason": "重复", "duplicate_of": "X" * 30, "confirmed": "1"},
            "duplicate_of",
        ),
    ],
)
def test_bad_form_input_is_a_message_on_the_page_naming_the_field(city, fields, field):
    code = new_incident(city)
    dispatcher = city.client("community_dispatcher")
    response = dispatcher.post(f"/dispatch/{code}/", fields)
    assert response.status_code == 302
    [(tag, text)] = page_messages(dispatcher.get(response.url))
    with translation.override("zh-hans"):
        assert tag == "error" and text.startswith(str(FIELD_LABELS[field]))
    assert [e.action for e in Incident.objects.get(code=code).events.all()] == ["report"]


@pytest.mark.django_db
def test_a_case_page_names_levels_statuses_and_actions_in_chinese(city):
    code = new_incident(city)
    escalate(city, code)
    html = city.client("community_dispatcher").get(f"/dispatch/{code}/").content.decode()
    facts = re.search(r'<dl class="case-facts">.*?</dl>', html, re.S).group(0)
    assert '<dd id="case-level">社区（村）</dd>' in facts
    escalation = re.search(r'<li data-action="escalate"><time [^>]*>[^<]*</time>([^<]*需社区协调)</li>', html).group(1)
    assert escalation.startswith(" 提级 · 已上报 → 已提级 · 网格 → 社区（村） · ")
    queue = city.client("community_dispatcher").get("/dispatch/").content.decode()
    row = re.search(rf'<tr class="[^"]*" data-code="{code}">.*?</tr>', queue, re.S).group(0)
    assert '<td data-label="层级">社区（村）</td>' in row and ">community<" not in row
    assert '<td data-label="状态" class="status">已提级</td>' in row


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "shown"),
    [
        ("community_dispatcher", True),
        ("grid_worker", True),
        ("street_dispatcher", True),
        ("leader", True),
        ("analyst", False),
    ],
)
def test_the_residents_contact_is_shown_to_handlers_leaders_and_its_reporter(city, username, shown):
    code = new_incident(city, contact_name="张三", contact_phone="13800000000")
    escalate(city, code)  # the reporter still sees it, though the case is no longer theirs to handle
    html = city.client(username).get(f"/dispatch/{code}/").content.decode()
    assert ("13800000000" in html, "张三" in html) == (shown, shown)
