"""The grid worker's phone page (/m/) in Debian's Chromium emulating a phone: a report made with no
network waits in the outbox across a reload, arrives exactly once when the network is back, with its
photo and the phone's location; a report the server refuses is shown as failed with the reason.
The page reaches nothing but its own server."""

import struct
import uuid
import zlib
from urllib.parse import urlsplit

import pytest
from django.contrib.gis.db.models.functions import Distance
from playwright.sync_api import expect

from incidents.models import Category, Incident
from tests.conftest import DEMO_PASSWORD, OfflinePage

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Mobile Safari/537.36"
    ),
    "locale": "zh-CN",
}
# What Chromium itself logs when the server refuses a request the page made on purpose.
REFUSED_403 = "Failed to load resource: the server responded with a status of 403 (Forbidden)"


def tiny_png(rgb=(200, 60, 40), side=8):
    """A valid side × side PNG of one colour."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * side for _ in range(side))
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


class Phone(OfflinePage):
    """A phone-sized browser context at a given position, that may reach only loopback: every other
    request is aborted and recorded, and console errors are collected."""

    def __init__(self, browser, point):
        super().__init__(
            browser,
            **PHONE,
            geolocation={"latitude": point.y, "longitude": point.x, "accuracy": 5},
            permissions=["geolocation"],
        )

    def log_in(self, served_app, username):
        """Open /m/, log in on the login page it leads to, and wait until the page is ready to use
        offline: grids drawn, categories loaded, the phone's position pinned, the page kept."""
        page = self.page
        page.goto(served_app + "/m/")
        assert urlsplit(page.url).path == "/accounts/login/"
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        with page.expect_navigation(url=served_app + "/m/"):
            page.click("main.login button[type=submit]")
        self.wait_until_ready()
        assert page.evaluate("navigator.serviceWorker.ready.then((r) => Boolean(r.active))")

    def wait_until_ready(self):
        page = self.page
        page.locator("path.my-grid").first.wait_for()
        classes = Category.objects.filter(parent__isnull=True, active=True).count()
        expect(page.locator("#phone")).to_have_attribute("data-categories", str(classes))
        expect(page.locator("#where")).to_have_attribute("data-source", "gps")

    def fill_report(self, description, photo=None):
        page = self.page
        page.select_option("#category-class", index=1)
        page.select_option("#category", index=1)
        page.fill("#description", description)
        if photo:
            page.set_input_files(
                "#photo-input", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": photo}]
            )
            page.locator("#thumbs img").wait_for()

    def outbox_item(self, client_id=None):
        selector = f'#outbox li[data-client-id="{client_id}"]' if client_id else "#outbox li[data-client-id]"
        return self.page.locator(selector)


@pytest.fixture
def phone(browser):
    phones = []

    def make(point):
        phones.append(Phone(browser, point))
        return phones[-1]

    yield make
    for made in phones:
        made.context.close()


@pytest.mark.django_db
def test_a_report_made_offline_waits_across_a_reload_and_arrives_exactly_once(
    served_app, served_city, phone, forget_reports
):
    grid = served_city.grid_of("grid_worker")
    point = grid.geom.point_on_surface
    worker = phone(point)
    page = worker.page
    worker.log_in(served_app, served_city.users["grid_worker"].username)
    assert page.locator("path.my-grid").count() == 1  # the worker's one grid, outlined
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    worker.context.set_offline(True)
    description = f"路灯不亮 {uuid.uuid4()}"
    worker.fill_report(description, photo=tiny_png())
    worker.screenshot("phone.png")
    page.click("#send")

    item = worker.outbox_item()
    expect(item).to_have_attribute("data-state", "queued")
    client_id = item.get_attribute("data-client-id")
    forget_reports.append(client_id)
    assert str(uuid.UUID(client_id)) == client_id

    page.reload()
    worker.wait_until_ready()
    page.click("#tab-outbox")
    item = worker.outbox_item(client_id)
    expect(item).to_have_attribute("data-state", "queued")
    assert not Incident.objects.filter(client_id=client_id).exists()

    worker.context.set_offline(False)
    expect(item).to_have_attribute("data-state", "sent", timeout=30_000)
    expect(item).to_have_attribute("data-photos-pending", "0", timeout=30_000)
    code = item.get_attribute("data-code")
    expect(item).to_contain_text(code)
    worker.screenshot("phone-outbox.png")

    incident = Incident.objects.annotate(off=Distance("location", point)).get(client_id=client_id)
    assert incident.code == code
    assert incident.description == description
    assert incident.grid == grid
    assert incident.off.m <= 1
    assert incident.photos.count() == 1

    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.reload()
    worker.wait_until_ready()
    page.click("#tab-outbox")
    expect(worker.outbox_item(client_id)).to_have_attribute("data-state", "sent")
    page.evaluate("window.dispatchEvent(new Event('online'))")  # what sends the outbox, besides loading
    page.wait_for_timeout(1000)
    assert posts == []
    assert Incident.objects.filter(client_id=client_id).count() == 1
    assert Incident.objects.filter(description=description).count() == 1

    page.click("#tab-cases")
    expect(page.locator(f'#cases li[data-code="{code}"]')).to_contain_text(incident.category.name)

    # While the test held the phone offline, the page's own requests failed, as they should; some
    # Chromium versions log each as an error (Debian 12's 150 does, the security update's 156 not).
    assert [e for e in worker.console_errors if "net::ERR_INTERNET_DISCONNECTED" not in e] == []
    assert worker.blocked == []


@pytest.mark.django_db
def test_a_report_outside_the_workers_grids_is_shown_as_refused_and_creates_nothing(
    served_app, served_city, phone, forget_reports
):
    # A point in a grid of another community: inside the city, but not the worker's.
    elsewhere = served_city.grid_of("grid_worker_2")
    assert elsewhere.code[:12] != served_city.grid_of("grid_worker").code[:12]
    worker = phone(elsewhere.geom.point_on_surface)
    page = worker.page
    worker.log_in(served_app, served_city.users["grid_worker"].username)
    expect(page.locator("#where")).to_have_class("warning")  # the page warns before sending

    description = f"占道经营 {uuid.uuid4()}"
    worker.fill_report(description)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.click("#send")

    item = worker.outbox_item()
    expect(item).to_have_attribute("data-state", "failed", timeout=30_000)
    client_id = item.get_attribute("data-client-id")
    forget_reports.append(client_id)
    expect(item.locator(".reason")).to_contain_text(elsewhere.code)
    expect(item.get_by_role("button")).to_have_count(3)  # send again, edit, discard
    worker.screenshot("phone-refused.png")

    # A refusal is not retried: the phone coming back online sends what waits, and this does not.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(1000)
    expect(item).to_have_attribute("data-state", "failed")
    assert posts == [served_app + "/api/v1/incidents/"]
    assert not Incident.objects.filter(client_id=client_id).exists()
    assert not Incident.objects.filter(description=description).exists()

    assert [e for e in worker.console_errors if e != REFUSED_403] == []
    assert worker.blocked == []
