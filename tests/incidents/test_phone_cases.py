"""The phone page's cases: "my cases" opens a case with its status and timeline (from the last copy
read when there is no network), the cases whose status moved on are marked, and the possible
duplicates of a report are links to those cases. In Chromium on a phone and a desktop."""

import re
import uuid

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import expect

from incidents.models import Category
from tests.incidents.browsing import act_via, get_json, report_via, token_of


def open_phone_page(screen, served_app, screen_name, point, username):
    """The phone page at `point`, logged in as `username`, once its grids and categories are there."""
    shown = screen(
        screen_name,
        geolocation={"latitude": point.y, "longitude": point.x, "accuracy": 5},
        permissions=["geolocation"],
    )
    shown.log_in(served_app, username, "/m/")
    page = shown.page
    page.locator("path.my-grid").first.wait_for()
    classes = Category.objects.filter(parent__isnull=True, active=True).count()
    expect(page.locator("#phone")).to_have_attribute("data-categories", str(classes))
    return shown


@pytest.mark.django_db
@pytest.mark.parametrize("screen_name", ["phone", "desktop"])
def test_my_cases_open_with_status_and_timeline_and_changes_are_marked(
    served_app, served_city, screen, forget_reports, screen_name
):
    username = served_city.users["grid_worker"].username
    worker = token_of(served_app, username)
    point = served_city.grid_of("grid_worker").geom.point_on_surface
    description = f"窨井盖破损 {uuid.uuid4().hex[:6]}"
    contact = {"contact_name": "王阿姨", "contact_phone": "13912345678"}
    code = report_via(served_app, worker, forget_reports, description, point, **contact)
    shown = open_phone_page(screen, served_app, screen_name, point, username)
    page = shown.page

    page.click("#tab-cases")
    item = page.locator(f'#cases li[data-code="{code}"]')
    expect(item).to_contain_text("已上报")
    expect(item).not_to_have_attribute("data-changed", "true")
    # The received time in the one convention (2026-12-06 18:27), not the phone's own.
    expect(item.locator(".when")).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$"))

    act_via(served_app, worker, code, "escalate", reason="需社区协调")  # meanwhile, elsewhere
    page.click("#tab-cases")  # the list is read again: the case is marked as changed
    expect(item).to_have_attribute("data-changed", "true")
    expect(item).to_contain_text("已提级")
    expect(page.locator("#cases-count")).to_have_text("1")
    shown.shoot("test_my_cases_marked")

    item.locator("a.code").click()
    expect(page.locator("#panel-case")).to_be_visible()
    expect(page.locator("#case-code")).to_have_text(code)
    expect(page.locator("#case-state")).to_have_text("已提级")
    expect(page.locator("#case-timeline li")).to_have_count(2)
    expect(page.locator('#case-timeline li[data-action="escalate"]')).to_contain_text("提级 · 已上报 → 已提级")
    expect(page.locator("#case-facts")).to_contain_text("社区（村）")
    expect(page.locator("#cases-count")).to_be_hidden()  # opened: no longer counted as changed
    assert shown.overflow() == 0
    shown.shoot("test_a_case_on_the_phone")

    page.click("#case-back")
    expect(item).not_to_have_attribute("data-changed", "true")  # seen now

    shown.context.set_offline(True)
    item.locator("a.code").click()
    expect(page.locator("#case-note")).to_contain_text("无网络")
    expect(page.locator("#case-state")).to_have_text("已提级")
    expect(page.locator("#case-timeline li")).to_have_count(2)
    shown.shoot("test_a_case_on_the_phone_offline")
    shown.context.set_offline(False)
    assert shown.blocked == []
    assert [e for e in shown.console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []
    # The worker was shown the resident's contact, but the copy kept on the phone holds none of it.
    assert get_json(served_app, f"/api/v1/incidents/{code}/", worker)[1]["contact"]["phone"] == "13912345678"
    kept = page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    assert code in kept and "13912345678" not in kept and "王阿姨" not in kept


@pytest.mark.django_db
def test_the_possible_duplicates_of_a_report_are_links_to_those_cases(served_app, served_city, screen, forget_reports):
    username = served_city.users["grid_worker"].username
    worker = token_of(served_app, username)
    point = served_city.grid_of("grid_worker").geom.point_on_surface
    earlier = report_via(served_app, worker, forget_reports, "垃圾满溢", point=point, category="0301")
    nearby = Point(point.x + 0.0001, point.y, srid=4326)  # about 10 m away
    shown = open_phone_page(screen, served_app, "phone", nearby, username)
    page = shown.page
    expect(page.locator("#where")).to_have_attribute("data-source", "gps")
    page.select_option("#category-class", value="03")
    page.select_option("#category", value="0301")
    page.fill("#description", f"垃圾桶满溢 {uuid.uuid4().hex[:6]}")
    page.click("#send")
    item = page.locator("#outbox li[data-client-id]").first
    expect(item).to_have_attribute("data-state", "sent", timeout=30_000)
    forget_reports.append(item.get_attribute("data-client-id"))
    link = item.locator(f'.duplicates a[href="#case={earlier}"]')
    expect(link).to_have_text(earlier)
    assert shown.overflow() == 0
    shown.shoot("test_duplicates_are_links")
    link.click()
    expect(page.locator("#case-code")).to_have_text(earlier)
    expect(page.locator("#case-state")).to_have_text("已上报")
    expect(page.locator("#case-timeline li")).to_have_count(1)
    assert shown.blocked == [] and shown.console_errors == []


@pytest.mark.django_db
def test_discarding_a_refused_report_asks_once_more_in_the_page_not_in_a_browser_dialog(
    served_app, served_city, screen, forget_reports
):
    elsewhere = served_city.grid_of("grid_worker_2").geom.point_on_surface  # not grid_worker's: refused
    shown = open_phone_page(screen, served_app, "phone", elsewhere, served_city.users["grid_worker"].username)
    page = shown.page
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    expect(page.locator("#where")).to_have_attribute("data-source", "gps")
    page.select_option("#category-class", value="03")
    page.select_option("#category", value="0301")
    page.fill("#description", f"占道经营 {uuid.uuid4().hex[:6]}")
    page.click("#send")
    item = page.locator("#outbox li[data-client-id]").first
    expect(item).to_have_attribute("data-state", "failed", timeout=30_000)
    forget_reports.append(item.get_attribute("data-client-id"))
    discard = item.locator("button").nth(2)
    discard.click()
    expect(discard).to_have_text("再点一次删除：它尚未送达服务器。")
    expect(item).to_have_count(1)
    shown.shoot("test_discard_asks_again")
    discard.click()
    expect(page.locator("#outbox li[data-client-id]")).to_have_count(0)
    assert dialogs == []
