"""The dispatcher's queue: paged with its total (no silent cut), searched by code and description,
with received time, grid and description; the grids' new reports shown to the community; reject and
close asked once more on the page; the one who resolved a case does not also verify and close it."""

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.dispatch import QUEUE_LENGTH
from incidents.models import Incident
from tests.incidents.browsing import act_via, report_via, token_of
from tests.incidents.conftest import new_incident, step


def codes_on(html):
    return re.findall(r'data-code="([^"]+)"', html)


def copies(code, count, **changes):
    """`count` more cases like this one, with their own codes (quicker than reporting each)."""
    model = Incident.objects.get(code=code)
    made = []
    for _ in range(count):
        model.pk, model.code, model.client_id = None, f"{model.code[:16]}T{uuid.uuid4().hex[:7]}", uuid.uuid4()
        for name, value in changes.items():
            setattr(model, name, value)
        made.append(Incident(**{f.attname: getattr(model, f.attname) for f in Incident._meta.concrete_fields}))
    Incident.objects.bulk_create(made)
    return [m.code for m in made]


@pytest.mark.django_db
def test_the_queue_is_paged_with_its_total_and_nothing_is_cut_off(city):
    first = new_incident(city=city)
    step(first, "grid_worker", "escalate", city=city, reason="需社区协调")
    all_codes = {first, *copies(first, QUEUE_LENGTH + 5)}
    community = Incident.objects.get(code=first).area_code
    mine = Incident.objects.within(community)
    total = (
        mine.filter(level="community", status__in=["reported", "accepted", "in_progress", "resolved"]).count()
        + mine.filter(level="grid", status="reported").count()
    )
    assert total >= QUEUE_LENGTH + 6
    dispatcher = city.client("community_dispatcher")
    pages, seen = (total + QUEUE_LENGTH - 1) // QUEUE_LENGTH, []
    for number in range(1, pages + 1):
        html = dispatcher.get("/dispatch/", {"page": number}).content.decode()
        assert f"共 {total} 件" in html
        seen += codes_on(html)
    assert len(seen) == len(set(seen)) == total and all_codes <= set(seen)
    assert 'rel="next"' in dispatcher.get("/dispatch/").content.decode()


@pytest.mark.django_db
def test_the_queue_is_searched_by_code_and_by_description(city):
    lamp, litter = new_incident("路灯不亮，夜间无照明", city), new_incident("楼道堆放杂物", city)
    dispatcher = city.client("community_dispatcher")
    assert codes_on(dispatcher.get("/dispatch/", {"q": "路灯"}).content.decode()) == [lamp]
    assert codes_on(dispatcher.get("/dispatch/", {"q": litter[-6:]}).content.decode()) == [litter]


@pytest.mark.django_db
def test_the_queue_shows_received_time_grid_and_description(city):
    code = new_incident("井盖缺失，行人易跌落", city)
    html = city.client("community_dispatcher").get("/dispatch/").content.decode()
    head = re.search(r"<thead>.*?</thead>", html, re.S).group(0)
    assert all(f">{title}<" in head for title in ("接收时间", "网格", "描述"))
    row = re.search(rf'<tr class="[^"]*" data-code="{code}">.*?</tr>', html, re.S).group(0)
    received = timezone.localtime(Incident.objects.get(code=code).received_at).strftime("%Y-%m-%d %H:%M")
    assert received in row and city.grid_of("grid_worker").name in row and "井盖缺失，行人易跌落" in row


@pytest.mark.django_db
def test_a_grids_new_report_is_in_the_community_dispatchers_queue_by_default(city):
    new, handled = new_incident(city=city), new_incident(city=city)
    step(handled, "grid_worker", "accept", city=city)
    shown = codes_on(city.client("community_dispatcher").get("/dispatch/").content.decode())
    assert new in shown and handled not in shown


@pytest.mark.django_db
def test_the_queue_is_filtered_by_the_day_received_with_date_pickers(city):
    old, today = new_incident(city=city), new_incident(city=city)
    Incident.objects.filter(code=old).update(received_at=timezone.now() - timedelta(days=10))
    dispatcher = city.client("community_dispatcher")
    html = dispatcher.get("/dispatch/").content.decode()
    assert '<input type="date" name="since"' in html and '<input type="date" name="until"' in html
    day = timezone.localdate().isoformat()
    shown = codes_on(dispatcher.get("/dispatch/", {"since": day, "until": day}).content.decode())
    assert today in shown and old not in shown


@pytest.mark.django_db
def test_a_bad_date_in_the_queues_filters_is_a_message_naming_it_not_an_error(city):
    response = city.client("community_dispatcher").get("/dispatch/", {"since": "2026-13-45"})
    assert response.status_code == 200
    assert re.search(r'<p class="message error" role="status">接收日期自：', response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["reject", "close"])
def test_reject_and_close_are_asked_once_more_before_anything_happens(city, action):
    code = new_incident(city=city)
    if action == "close":
        step(code, "grid_worker", "accept", city=city)
        step(code, "grid_worker", "resolve", city=city)
    before = Incident.objects.get(code=code)
    dispatcher = city.client("community_dispatcher")
    fields = {"action": action, "version": before.version, "reason": "无效上报"}
    asked = dispatcher.post(f"/dispatch/{code}/", fields)
    assert asked.status_code == 200 and 'id="confirm"' in asked.content.decode()
    assert Incident.objects.get(code=code).version == before.version
    dispatcher.post(f"/dispatch/{code}/", fields | {"confirmed": "1"})
    assert Incident.objects.get(code=code).status == {"reject": "rejected", "close": "closed"}[action]


@pytest.mark.django_db
def test_the_dispatcher_who_resolved_a_case_may_not_verify_and_close_it(city):
    code = new_incident(city=city)
    step(code, "grid_worker", "escalate", city=city, reason="需社区协调")
    step(code, "community_dispatcher", "accept", city=city)
    step(code, "community_dispatcher", "resolve", city=city)
    dispatcher = city.client("community_dispatcher")
    assert 'value="close"' not in dispatcher.get(f"/dispatch/{code}/").content.decode()
    version = Incident.objects.get(code=code).version
    refused = dispatcher.post(f"/api/v1/incidents/{code}/close/", {"version": version}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == f"案件 {code} 由您办结，须由他人核查结案。"
    assert Incident.objects.get(code=code).status == "resolved"
    street = city.client("street_dispatcher")
    assert 'value="close"' in street.get(f"/dispatch/{code}/").content.decode()
    closed = street.post(f"/api/v1/incidents/{code}/close/", {"version": version}, content_type="application/json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


@pytest.mark.django_db
def test_a_grid_worker_who_resolved_in_the_grid_leaves_the_close_to_the_community(city):
    code = new_incident(city=city)
    step(code, "grid_worker", "accept", city=city)
    step(code, "grid_worker", "resolve", city=city)
    version = Incident.objects.get(code=code).version
    closed = city.client("community_dispatcher").post(
        f"/api/v1/incidents/{code}/close/", {"version": version}, content_type="application/json"
    )
    assert closed.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("screen_name", ["phone", "phone414", "desktop"])
def test_the_queue_and_a_confirmed_reject_in_chromium(served_app, served_city, screen, forget_reports, screen_name):
    worker = token_of(served_app, served_city.users["grid_worker"].username)
    marker = uuid.uuid4().hex[:6]
    point = served_city.grid_of("grid_worker").geom.point_on_surface
    code = report_via(served_app, worker, forget_reports, f"占道经营 {marker}，影响通行", point)
    shown = screen(screen_name)
    shown.log_in(served_app, served_city.users["community_dispatcher"].username, "/dispatch/")
    page = shown.page
    page.fill("input[name=q]", marker)
    page.click(".filters button[type=submit]")
    expect(page.locator("#queue-total")).to_have_text("共 1 件")
    row = page.locator(f'tr[data-code="{code}"]')
    expect(row).to_contain_text(f"占道经营 {marker}")
    expect(row).to_contain_text("已上报")
    assert shown.overflow() == 0
    shown.shoot("test_the_queue")

    row.locator("a").click()
    page.fill("input[name=reason]", "非本辖区事项")
    page.click('button[value="reject"]')
    dialog = page.locator("#confirm")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("非本辖区事项")
    assert Incident.objects.get(code=code).status == "reported"
    assert shown.overflow() == 0
    shown.shoot("test_the_confirm_step")
    page.click("#confirm-yes")
    expect(page.locator("#case-status")).to_have_text("不予受理")
    shown.shoot("test_a_rejected_case")
    assert shown.blocked == [] and shown.console_errors == []


@pytest.mark.django_db
def test_the_resolver_sees_no_close_button_in_chromium(served_app, served_city, screen, forget_reports):
    worker_name, dispatcher_name = (
        served_city.users[name].username for name in ("grid_worker", "community_dispatcher")
    )
    worker, dispatcher = token_of(served_app, worker_name), token_of(served_app, dispatcher_name)
    code = report_via(
        served_app, worker, forget_reports, "违章搭建", served_city.grid_of("grid_worker").geom.point_on_surface
    )
    act_via(served_app, worker, code, "escalate", reason="需社区协调")
    for action in ("accept", "resolve"):
        act_via(served_app, dispatcher, code, action)
    shown = screen("phone")
    shown.log_in(served_app, dispatcher_name, f"/dispatch/{code}/")
    page = shown.page
    expect(page.locator("#case-status")).to_have_text("已办结")
    assert page.locator('button[value="close"]').count() == 0
    expect(page.locator('button[value="reopen"]')).to_be_visible()
    shown.shoot("test_the_resolver_sees_no_close_button")
