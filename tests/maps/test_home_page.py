"""The home page map and the admin's editing map, in a real browser that may reach only loopback:
every layer is drawn, nothing is fetched from outside, tooltips work, and the page speaks Chinese or
English as asked; in a drawn city committed for the served app."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest

from grids.models import Role
from tests.conftest import DEMO_PASSWORD, committed_city
from tests.maps.conftest import staffed_with_passwords

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
GRID_CODE = re.compile(r"\b\d{15}\b")

# The Leaflet layer drawn by an SVG path element, found through the folium map object on the page.
FEATURE_CODE_OF_PATH = """
(path) => {
    for (const value of Object.values(window)) {
        if (!(value instanceof L.Map)) continue;
        let code = null;
        value.eachLayer((layer) => {
            if (layer._path === path && layer.feature) code = layer.feature.properties.code;
        });
        if (code) return code;
    }
    return null;
}
"""


def open_home(offline_page, served_app, username="zhou", **kwargs):
    """Log in through the login page (the map needs a login), then wait for the map."""
    offline = offline_page(**kwargs)
    offline.page.goto(served_app + "/", wait_until="load")
    assert "/accounts/login/" in offline.page.url
    offline.page.fill("input[name=username]", username)
    offline.page.fill("input[name=password]", DEMO_PASSWORD)
    offline.page.click("main.login button[type=submit]")
    offline.page.locator("path.grid").first.wait_for()
    return offline


def panel_text(offline):
    return offline.page.locator("aside.panel").inner_text()


def is_loopback(url):
    return urlsplit(url).hostname in LOOPBACK


class Links(HTMLParser):
    """Every src and href attribute value of a page."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        self.urls.extend(value for name, value in attrs if name in ("src", "href") and value)


@pytest.fixture(scope="module")
def zhous_city(django_db_setup, django_db_blocker):
    """The drawn city (conftest.DrawnCity) committed for the served app, led by 周立德 (zhou), with
    the cast's administrator able to log in to the admin."""

    def lead(city):
        city.account("zhou", "周立德", Role.LEADER, city.district, password=DEMO_PASSWORD)
        staffed_with_passwords("admin")(city)

    with committed_city(django_db_blocker, lead, code="990009") as city:
        yield city


@pytest.mark.django_db
def test_the_home_page_draws_every_grid_community_street_and_town(served_app, offline_page, zhous_city):
    offline = open_home(offline_page, served_app)
    page = offline.page

    counts = {kind: page.locator(f"path.{kind}").count() for kind in ("grid", "community", "street", "town")}

    offline.screenshot("home.png")
    # Zhou's city: 2 streets and 1 town, each of 2 communities of 2 grids.
    assert counts == {"grid": 12, "community": 6, "street": 2, "town": 1}
    assert offline.console_errors == []
    assert offline.blocked == []


@pytest.mark.django_db
def test_the_home_page_html_names_no_url_outside_the_app(served_app, offline_page, zhous_city):
    offline = open_home(offline_page, served_app)
    # The HTML as served (the logged-in page, with the browser's session cookie), and the login page.
    html = offline.context.request.get(served_app + "/").text()
    with urlopen(served_app + "/accounts/login/", timeout=30) as response:
        html += response.read().decode()

    links = Links()
    links.feed(html)
    external_links = [
        url
        for url in links.urls
        if url.startswith("//") or (urlsplit(url).scheme in ("http", "https") and not is_loopback(url))
    ]
    external_mentions = [url for url in re.findall(r"https?://[^\s\"'<>`)]+", html) if not is_loopback(url)]

    assert links.urls, "the page should link its own scripts and styles"
    assert external_links == []
    assert external_mentions == []


@pytest.mark.django_db
def test_hovering_a_grid_shows_its_code_in_a_tooltip(served_app, offline_page, zhous_city):
    offline = open_home(offline_page, served_app)
    page = offline.page

    # A grid whose bounding-box centre falls on the grid itself (not on a neighbour).
    for grid in page.locator("path.grid").all():
        box = grid.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        if grid.evaluate("(path, [x, y]) => document.elementFromPoint(x, y) === path", [x, y]):
            break
    else:
        pytest.fail("no grid is under the centre of its own bounding box")
    code = grid.evaluate(FEATURE_CODE_OF_PATH)

    page.mouse.move(x - 3, y - 3)
    page.mouse.move(x, y, steps=3)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()

    shown = GRID_CODE.findall(tooltip.inner_text())
    assert shown == [code]
    assert code.startswith(zhous_city.code)
    assert offline.console_errors == []


@pytest.mark.django_db
def test_the_home_page_is_in_chinese_for_a_chinese_browser(served_app, offline_page, zhous_city):
    offline = open_home(offline_page, served_app, locale="zh-CN")

    assert offline.page.locator("html").get_attribute("lang") == "zh-hans"
    text = panel_text(offline)
    assert "网格" in text
    assert "grids" not in text


@pytest.mark.django_db
def test_the_home_page_is_in_english_for_an_english_browser(served_app, offline_page, zhous_city):
    offline = open_home(offline_page, served_app, locale="en-US")

    assert offline.page.locator("html").get_attribute("lang") == "en"
    assert "grids" in panel_text(offline)


@pytest.mark.django_db
def test_the_language_switch_turns_the_home_page_into_english(served_app, offline_page, zhous_city):
    offline = open_home(offline_page, served_app, locale="zh-CN")
    page = offline.page
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="English").click()
    page.locator("path.grid").first.wait_for()

    assert urlsplit(page.url).path == "/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert "grids" in panel_text(offline)
    assert offline.blocked == []


@pytest.mark.django_db
def test_the_admin_edits_a_grid_boundary_on_an_offline_leaflet_map(served_app, offline_page, zhous_city):
    offline = offline_page()
    page = offline.page
    failed = []
    page.on("response", lambda r: failed.append(urlsplit(r.url).path) if r.status >= 400 else None)

    page.goto(served_app + "/admin/login/")
    page.fill("input[name=username]", zhous_city.users["admin"].username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert urlsplit(page.url).path == "/admin/", "login should lead to the admin index"

    grid = zhous_city.grids[0]
    page.goto(served_app + f"/admin/grids/area/?q={grid.parent.code}")
    page.get_by_role("link", name=grid.code, exact=True).click()
    page.wait_for_load_state("load")
    assert re.fullmatch(r"/admin/grids/area/\d+/change/", urlsplit(page.url).path)

    editor = page.locator(".leaflet-container")
    # The boundary is drawn in the overlay pane (the attribution's flag is an SVG path too).
    boundary = editor.locator(".leaflet-overlay-pane path")
    boundary.first.wait_for()
    # The widget zooms to the boundary, animated: wait until the zoom is over and the boundary is
    # drawn larger than a dot.
    page.wait_for_function(
        """() => !document.querySelector('.leaflet-container .leaflet-zoom-anim')
            && [...document.querySelectorAll('.leaflet-container .leaflet-overlay-pane path')]
                .some((p) => { const r = p.getBoundingClientRect(); return r.width > 20 && r.height > 20; })"""
    )
    draw_toolbar = editor.locator(".leaflet-draw")
    draw_toolbar.wait_for()

    offline.screenshot("admin-area.png")
    assert boundary.count() >= 1
    assert draw_toolbar.is_visible()
    assert offline.blocked == []
    assert set(failed) <= {"/favicon.ico"}
    other_errors = [
        e for e in offline.console_errors if not (failed and e.startswith("Failed to load resource") and "404" in e)
    ]
    assert other_errors == []
