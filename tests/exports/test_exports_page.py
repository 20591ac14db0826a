"""The exports page (/maps/exports/) for analysts: kind, filters and one button per format, each a
link to the export API that the browser's session authenticates. Its filters are checked by the
API's own rules: a bad one is named on the page and no button is offered. The analyst is one of the
cast of a drawn city (tests/conftest.py), committed for the browser's pages."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import committed_city
from tests.govgrid.devices import PROFILES, Device, small_tap_targets
from tests.maps.conftest import staffed_with_passwords

FORMATS = ["geojson", "geojsonl", "csv", "csv", "gpkg"]  # the second CSV has a WKT column


def buttons(page):
    return [a.get_attribute("href") for a in page.locator("#downloads a").all()]


@pytest.fixture(scope="module")
def analysts_city(django_db_blocker):
    """Committed, with its own code and place (the tests below draw theirs in their transactions)."""
    with committed_city(
        django_db_blocker, code="990017", origin=(112.90, 32.50), add_people=staffed_with_passwords("analyst")
    ) as city:
        yield city


@pytest.fixture
def analyst(browser, served_app, analysts_city):
    made = []

    def make(profile):
        device = Device(browser, profile)
        device.log_in(served_app, analysts_city.users["analyst"].username, then="/maps/exports/")
        made.append(device)
        return device

    yield make
    for device in made:
        device.close()


@pytest.mark.django_db
@pytest.mark.parametrize("profile", PROFILES)
def test_the_exports_page_offers_a_button_per_format_and_downloads_with_the_session(
    served_app, analysts_city, analyst, profile
):
    device = analyst(profile)
    page = device.page
    hrefs = buttons(page)
    assert [urlsplit(h).path for h in hrefs] == [f"/api/v1/export/incidents.{fmt}" for fmt in FORMATS]
    assert device.sideways_overflow() == 0
    assert small_tap_targets(page, "#downloads a, .export-form select, .export-form input[type=date]") == []
    device.screenshot("test_the_exports_page_offers_a_button_per_format")

    page.locator("input[name=kind][value=grids]").check()
    page.wait_for_url("**kind=grids**")
    assert page.locator("select[name=status]").count() == 0  # no status filter for boundaries
    street = analysts_city.streets[0].code
    page.select_option("select[name=area]", street)
    page.wait_for_url(f"**area={street}**")
    assert [urlsplit(h).path for h in buttons(page)] == [
        f"/api/v1/export/grids.{fmt}" for fmt in ("geojson", "geojsonl", "csv", "gpkg")
    ]
    with page.expect_download() as download:
        page.locator("#downloads a", has_text="GeoJSON").first.click()
    collection = json.loads(open(download.value.path(), encoding="utf-8").read())
    codes = {f["id"] for f in collection["features"]}
    assert collection["type"] == "FeatureCollection" and codes
    assert codes == {grid.code for grid in analysts_city.grids if grid.code.startswith(street)}
    assert device.blocked == [] and device.console_errors == []


@pytest.mark.django_db
def test_the_dates_are_picked_from_a_calendar_and_the_last_day_is_included(served_app, analyst):
    device = analyst("phone")
    page = device.page
    since, until = page.locator("input[name=since]"), page.locator("input[name=until]")
    assert since.get_attribute("type") == "date" and until.get_attribute("type") == "date"
    since.fill("2026-06-01")
    page.wait_for_url("**since=2026-06-01**")
    page.locator("input[name=until]").fill("2026-08-31")
    page.wait_for_url("**until=2026-08-31**")
    page.select_option("select[name=status]", "closed")
    page.wait_for_url("**status=closed**")
    query = parse_qs(urlsplit(buttons(page)[0]).query)
    assert query == {"since": ["2026-06-01"], "until": ["2026-09-01"], "status": ["closed"]}
    device.screenshot("test_the_dates_are_picked_from_a_calendar_and_the_last_day_is_included")


def test_a_bad_filter_is_named_and_no_button_is_offered(staffed_city):
    response = staffed_city.client("analyst").get("/maps/exports/", {"kind": "incidents", "bbox": "112,32,111"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-field="bbox"' in page and 'id="downloads"' not in page


def test_an_area_outside_the_scope_is_refused(staffed_city):
    other_street = staffed_city.streets[1].code
    response = staffed_city.client("community_dispatcher").get(
        "/maps/exports/", {"kind": "grids", "area": other_street}
    )
    assert response.status_code == 400
    assert 'data-field="area"' in response.content.decode()


def test_filters_that_do_not_apply_to_a_kind_are_left_out_of_its_links(staffed_city):
    response = staffed_city.client("analyst").get(
        "/maps/exports/", {"kind": "coverage", "status": "partial", "level": "grid"}
    )
    assert response.status_code == 200
    [link] = [h for h in response.content.decode().split('"') if h.startswith("/api/v1/export/coverage.geojson?")]
    assert parse_qs(urlsplit(link.replace("&amp;", "&")).query) == {"status": ["partial"]}
    assert staffed_city.client("analyst").get(link.replace("&amp;", "&")).status_code == 200
