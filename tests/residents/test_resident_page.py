"""The resident's journey in Chromium on a phone, with no login: the page a grid's QR code opens, a
report with a photo, the private link's page; the grid worker accepts it on the staff's page, it is
handled and resolved, the resident rates it there and the satisfaction figure moves. A report made
with no network waits on the phone and is sent once when the network is back."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.figures import figures
from incidents.models import Incident
from residents.models import ResidentReport
from tests.incidents.browsing import act_via, token_of

from .conftest import photo

pytestmark = pytest.mark.django_db


def satisfaction(city):
    now = timezone.now()
    rows = figures(city.district.code, "district", now - timedelta(days=1), now + timedelta(days=1))
    return (rows[0]["rated"], rows[0]["shares"]["satisfied"]) if rows else (0, None)


def on_the_phone(screen, served_app, city):
    point = city.grid_of("grid_worker").geom.point_on_surface
    phone = screen(
        "phone", geolocation={"latitude": point.y, "longitude": point.x, "accuracy": 8}, permissions=["geolocation"]
    )
    phone.page.goto(f"{served_app}/r/{city.codes['grid'].token}/")
    expect(phone.page.locator("#where")).to_have_attribute("data-source", "gps")
    return phone


def fill(page, description, tmp_path=None):
    page.select_option("#topic", "rubbish")
    page.fill("#description", description)
    if tmp_path is not None:
        path = tmp_path / "rubbish.jpg"
        path.write_bytes(photo().getvalue())
        page.set_input_files("#photo-input", str(path))
        expect(page.locator("#thumbs img")).to_have_count(1)


def test_a_resident_reports_from_the_qr_code_and_rates_the_result(served_app, served_residents_city, screen, tmp_path):
    city = served_residents_city
    rated_before = satisfaction(city)
    phone = on_the_phone(screen, served_app, city)
    page = phone.page
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    expect(page.locator("#place-name")).to_have_text(city.grid_of("grid_worker").name)
    fill(page, "小区门口垃圾堆积三天", tmp_path)
    page.click(".contact summary")  # a name and phone, for the call-back
    page.fill("#contact-phone", "13900001111")
    page.click("#send")
    sent = page.locator("#mine li[data-state=sent]")
    expect(sent).to_have_count(1, timeout=30_000)
    assert phone.overflow() == 0
    phone.shoot("resident-report")
    report = ResidentReport.objects.get(description="小区门口垃圾堆积三天")
    assert report.photos.count() == 1 and report.located_by == "gps"
    expect(sent).to_contain_text(report.tracking_code)

    sent.locator("a").click()
    expect(page.locator("#report-status")).to_have_attribute("data-status", "pending")
    follow_url = page.url

    # the grid worker accepts it on the staff's page (a desktop), as a case under the suggested category
    desk = screen("desktop")
    desk.log_in(served_app, city.users["grid_worker"].username, "/dispatch/residents/")
    item = desk.page.locator(f'li[data-code="{report.tracking_code}"]')
    expect(item.locator("select[name=category] option:checked")).to_have_attribute("value", "0301")
    expect(item.locator("img")).to_have_count(1)
    item.locator('button[value="accept"]').click()
    expect(desk.page.locator(".message.success")).to_contain_text(report.tracking_code)
    assert desk.overflow() == 0
    report.refresh_from_db()
    case = report.incident
    assert (report.status, case.channel) == ("accepted", "resident")

    worker = token_of(served_app, city.users["grid_worker"].username)
    dispatcher = token_of(served_app, city.users["community_dispatcher"].username)
    act_via(served_app, worker, case.code, "accept")
    act_via(served_app, dispatcher, case.code, "resolve", note="已清运")

    page.goto(follow_url)
    expect(page.locator("#report-status")).to_contain_text("办结")
    page.check('input[name="rating"][value="5"]')
    page.fill('input[name="comment"]', "很快就清理了")
    page.click("#rate-form button[type=submit]")
    expect(page.locator("#rated")).to_contain_text("5")
    timeline = page.locator("#timeline").inner_text()
    for person in city.people:
        assert person.name not in timeline
    phone.shoot("resident-follow")
    assert Incident.objects.get(pk=case.pk).rating == 5
    assert satisfaction(city)[0] == rated_before[0] + 1
    for shown in (phone, desk):
        assert shown.blocked == [] and [e for e in shown.console_errors if "favicon" not in e] == []


def test_a_report_made_with_no_network_is_kept_and_sent_once_when_it_comes_back(
    served_app, served_residents_city, screen
):
    city = served_residents_city
    phone = on_the_phone(screen, served_app, city)
    page = phone.page
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => Boolean(r.active))")
    for _ in range(100):  # the worker keeps the page it was installed from once it is active
        if page.evaluate("caches.match(location.pathname).then((kept) => Boolean(kept))"):
            break
        page.wait_for_timeout(100)
    phone.context.set_offline(True)
    page.reload()  # the page opens again with no network at all (its service worker kept it)
    expect(page.locator("#place-name")).to_have_text(city.grid_of("grid_worker").name)
    fill(page, "路灯不亮（离线上报）")
    page.click("#send")
    waiting = page.locator("#mine li[data-state=queued]")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("已保存在手机上")
    page.reload()  # kept on the phone across a reload
    expect(page.locator("#mine li[data-state=queued]")).to_have_count(1)
    assert not ResidentReport.objects.filter(description="路灯不亮（离线上报）").exists()
    phone.context.set_offline(False)
    expect(page.locator("#mine li[data-state=sent]")).to_have_count(1, timeout=30_000)
    page.wait_for_timeout(9000)  # a retry would have gone by now
    assert ResidentReport.objects.filter(description="路灯不亮（离线上报）").count() == 1


def test_the_page_speaks_english_on_request(served_app, served_residents_city, screen):
    city = served_residents_city
    phone = screen("phone", locale="en-US")
    phone.page.goto(f"{served_app}/r/{city.codes['grid'].token}/")
    phone.page.click('button[name="language"][value="en"]')
    expect(phone.page.locator("#send")).to_have_text("Send")
    assert phone.overflow() == 0
    phone.page.click("#consult-link")  # to propose an issue for consultation, from the same code
    assert phone.page.url.endswith(f"/r/{city.codes['grid'].token}/consult/")
    assert phone.overflow() == 0
