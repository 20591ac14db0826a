"""What the phone page keeps on the phone, in Chromium on a phone: its service worker keeps every
module of the page (incidents/static/incidents/phone/) by its hashed name, as the modules import each
other, so the page opens from the phone with no round trip for its script and a module changed on
the server is a new name; and logging out forgets the cases and the page kept, but not the reports
still waiting in the outbox."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.templatetags.static import static
from playwright.sync_api import expect

from tests.incidents.browsing import report_via, token_of
from tests.incidents.test_phone_cases import open_phone_page

MODULES = Path(__file__).resolve().parents[2] / "incidents" / "static" / "incidents" / "phone"

KEPT_PATHS = """() => caches.keys()
  .then((names) => Promise.all(names.map((name) => caches.open(name).then((cache) => cache.keys()))))
  .then((lists) => lists.flat().map((request) => new URL(request.url).pathname))"""


def module_paths():
    """Each module's URL as the site serves it: with the hash of its content in its name."""
    paths = {static(f"incidents/phone/{module.name}") for module in MODULES.glob("*.js")}
    assert not {f"/static/incidents/phone/{module.name}" for module in MODULES.glob("*.js")} & paths
    return paths


@pytest.mark.django_db
def test_the_service_worker_keeps_every_module_by_its_hashed_name_and_serves_it_from_the_phone(
    served_app, served_city, screen
):
    point = served_city.grid_of("grid_worker").geom.point_on_surface
    alice = open_phone_page(screen, served_app, "phone", point, served_city.users["grid_worker"].username)
    page = alice.page
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => Boolean(r.active))")
    assert len(module_paths()) >= 10
    assert module_paths() <= set(page.evaluate(KEPT_PATHS))

    loaded, from_network = [], []
    alice.context.on("requestfinished", lambda r: loaded.append(urlsplit(r.url).path) if "/phone/" in r.url else None)
    alice.context.on(
        "request", lambda r: from_network.append(r.url) if r.service_worker and "/phone/" in r.url else None
    )
    page.reload()
    page.locator("path.my-grid").first.wait_for()
    assert page.evaluate("Boolean(navigator.serviceWorker.controller)")
    assert set(loaded) == module_paths()  # the page loads each module by its hashed name...
    assert from_network == []  # ... and the worker answers from what it kept, asking the server nothing
    assert alice.blocked == [] and alice.console_errors == []


OUTBOX_SIZE = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("govgrid-phone");  // whatever version the page made
  open.onsuccess = () => {
    const count = open.result.transaction("reports").objectStore("reports").count();
    count.onsuccess = () => resolve(count.result);
  };
  open.onerror = () => reject(open.error);
})"""


@pytest.mark.django_db
def test_logging_out_forgets_the_cases_and_the_page_kept_but_not_the_outbox(
    served_app, served_city, screen, forget_reports
):
    username = served_city.users["grid_worker"].username
    point = served_city.grid_of("grid_worker").geom.point_on_surface
    report_via(served_app, token_of(served_app, username), forget_reports, "路灯不亮", point)
    elsewhere = served_city.grid_of("grid_worker_2").geom.point_on_surface  # not grid_worker's: refused
    alice = open_phone_page(screen, served_app, "phone", elsewhere, username)
    page = alice.page
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => Boolean(r.active))")
    page.click("#tab-cases")
    page.locator("#cases li[data-code]").first.wait_for()
    page.click("#tab-report")
    expect(page.locator("#where")).to_have_attribute("data-source", "gps")
    page.select_option("#category-class", value="03")
    page.select_option("#category", value="0301")
    page.fill("#description", "占道经营，不在本人网格")
    page.click("#send")
    item = page.locator("#outbox li[data-client-id]").first
    expect(item).to_have_attribute("data-state", "failed", timeout=30_000)  # stays in the outbox
    forget_reports.append(item.get_attribute("data-client-id"))
    kept = page.evaluate("Object.keys(localStorage)")
    assert {f"govgrid-phone:cases:{username}", f"govgrid-phone:seen:{username}"} <= set(kept)
    assert [name for name in page.evaluate("caches.keys()") if name.startswith("govgrid-phone-")]

    page.locator("label.menu-button").tap()
    with page.expect_navigation():
        page.locator("form.logout button").tap()

    kept = page.evaluate("Object.keys(localStorage)")
    assert not [key for key in kept if key.startswith(("govgrid-phone:cases:", "govgrid-phone:seen:"))]
    assert f"govgrid-phone:categories:{username}" in kept  # no personal data: kept for the next login
    assert not [name for name in page.evaluate("caches.keys()") if name.startswith("govgrid-phone-")]
    assert page.evaluate(OUTBOX_SIZE) == 1  # the refused report waits for the worker's next login
    assert alice.blocked == []
