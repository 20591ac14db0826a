"""Every page is served with a Content-Security-Policy that runs only the app's own scripts, and
every page works under it in Chromium: not one violation reported, in the console or as a
securitypolicyviolation event. The base map's tile host is the only other host images may come from.

The people are the cast of a drawn city (tests/grids/cast.py), committed for the served app."""

import re
import uuid

import pytest
from django.test import Client

from tests.conftest import DEMO_PASSWORD, OfflinePage, post_json
from tests.grids.cast import committed_cast

# Recorded in the page before any of its scripts runs.
LISTEN_FOR_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def directives(header):
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    with committed_cast(django_db_blocker, code="990013") as city:
        yield city


@pytest.fixture(scope="module")
def a_case(served_app, forget_reports, django_db_blocker, city):
    with django_db_blocker.unblock():
        point = city.grid_of("grid_worker").geom.point_on_surface
    login = {"username": city.users["grid_worker"].username, "password": DEMO_PASSWORD}
    token = post_json(served_app, "/api/v1/auth/token/", login)[1]
    client_id = str(uuid.uuid4())
    forget_reports.append(client_id)
    status, case = post_json(
        served_app,
        "/api/v1/incidents/",
        {"client_id": client_id, "category": "0301", "description": "路灯不亮", "lon": point.x, "lat": point.y},
        token["token"],
    )
    assert status == 201
    return case["code"]


class WatchedPage(OfflinePage):
    """An offline page that also records every CSP violation and the policy of each page."""

    def __init__(self, browser, **kwargs):
        super().__init__(browser, **kwargs)
        self.context.add_init_script(LISTEN_FOR_VIOLATIONS)
        self.policies = {}
        self.page.on("response", self._keep_policy)

    def _keep_policy(self, response):
        if response.request.resource_type == "document":
            self.policies[response.url] = response.headers.get("content-security-policy")

    def log_in(self, served_app, username):
        self.page.goto(served_app + "/accounts/login/", wait_until="load")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", DEMO_PASSWORD)
        with self.page.expect_navigation():
            self.page.click("main.login button[type=submit]")

    def violations(self):
        reported = self.page.evaluate("window.__violations")
        in_console = [m for m in self.console_errors if "Content Security Policy" in m]
        return reported + in_console


@pytest.fixture
def watched(browser):
    pages = []

    def make(**kwargs):
        page = WatchedPage(browser, **kwargs)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.close()


# path, who, what shows that the page's scripts ran
PAGES = [
    ("/accounts/login/", None, "main.login form"),
    ("/", "admin", ".leaflet-container path"),
    ("/maps/coverage/", "admin", ".leaflet-container path.grid"),
    ("/maps/density/", "admin", ".leaflet-container path.grid"),
    ("/dispatch/", "admin", ".leaflet-container"),
    ("/dispatch/{case}/", "admin", ".leaflet-container"),
    ("/m/", "grid_worker", "form"),
    ("/admin/", "admin", "#content"),
    ("/admin/grids/area/?q={grid}", "admin", "#result_list"),
    ("/api/docs/", "admin", ".opblock-tag"),  # the groups of operations, closed
]


@pytest.mark.parametrize(("path", "username", "ready"), PAGES, ids=[p[0] for p in PAGES])
def test_the_page_works_under_its_policy_with_no_violation(served_app, city, a_case, watched, path, username, ready):
    page = watched()
    if username:
        page.log_in(served_app, city.users[username].username)
    page.page.goto(served_app + path.format(case=a_case, grid=city.grid_of("grid_worker").code), wait_until="load")
    page.page.locator(ready).first.wait_for(state="attached")
    page.page.wait_for_timeout(500)  # scripts that run after load (tiles, the phone's service worker)
    policy = page.policies[page.page.url]
    assert policy and "script-src 'self' 'nonce-" in policy
    assert "'unsafe-inline'" not in directives(policy)["script-src"]
    assert page.violations() == []
    assert page.console_errors == []
    assert page.blocked == []


def test_the_admins_boundary_map_works_under_the_policy(served_app, watched, django_db_blocker, city):
    with django_db_blocker.unblock():
        grid = city.grid_of("grid_worker")
    page = watched()
    page.log_in(served_app, city.users["admin"].username)
    page.page.goto(f"{served_app}/admin/grids/area/{grid.pk}/change/", wait_until="load")
    page.page.locator(".leaflet-container path").first.wait_for(state="attached")
    assert page.violations() == []


def test_an_injected_inline_script_would_not_run(served_app, watched):
    """The policy is enforced: a script without this answer's nonce is refused and reported."""
    page = watched()
    page.page.goto(served_app + "/accounts/login/", wait_until="load")
    page.page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.__ran = 1";
                   document.body.appendChild(s); }"""
    )
    page.page.wait_for_timeout(200)
    assert page.page.evaluate("window.__ran") is None
    assert any(v.startswith("script-src") for v in page.violations())


# --- the header, without a browser ---------------------------------------------------------------


def test_each_page_gets_a_fresh_nonce_and_its_inline_scripts_carry_it(cast):
    """Each inline script of the page carries the nonce, or is folium's fixed header script allowed
    by its hash; JSON data blocks are not scripts."""
    from govgrid.csp import source_hash

    leader = cast.client("leader")
    nonces = []
    for _ in range(2):
        response = leader.get("/maps/coverage/")
        policy = response["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", response.content.decode(), re.S)
        runnable = [(attributes, body) for attributes, body in scripts if "application/json" not in attributes]
        assert len([1 for attributes, _body in runnable if f'nonce="{nonce}"' in attributes]) >= 2
        assert all(f'nonce="{nonce}"' in attributes or source_hash(body) in policy for attributes, body in runnable)
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_api_answers_get_the_policy_without_a_nonce(db):
    response = Client().get("/api/v1/categories/")
    policy = response["Content-Security-Policy"]
    assert "nonce-" not in policy
    assert directives(policy)["connect-src"] == ["'self'"]


@pytest.mark.parametrize(
    ("basemap", "hosts"),
    [
        ("none", []),
        ("osm", ["https://tile.openstreetmap.org"]),
        ("tianditu", [f"https://t{n}.tianditu.gov.cn" for n in range(8)]),
        ("amap", [f"https://webrd0{n}.is.autonavi.com" for n in range(1, 5)]),
        ("xyz", ["http://tiles.intranet.local:8080"]),
    ],
)
def test_images_may_come_from_the_configured_tile_host_and_no_other(db, settings, basemap, hosts):
    layers = {
        "none": [],
        "osm": [("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "", "abc")],
        "tianditu": [
            ("https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY&TILEMATRIX={z}", "", "01234567"),
            ("https://t{s}.tianditu.gov.cn/cva_w/wmts?tk=KEY&TILEMATRIX={z}", "", "01234567"),
        ],
        "amap": [("https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}", "", "1234")],
        "xyz": [("http://tiles.intranet.local:8080/{z}/{x}/{y}.png", "", "abc")],
    }[basemap]
    settings.BASEMAP, settings.BASEMAP_LAYERS = basemap, layers
    policy = Client().get("/accounts/login/")["Content-Security-Policy"]
    assert directives(policy)["img-src"] == ["'self'", "data:", "blob:", *hosts]
    assert "KEY" not in policy
    assert directives(policy)["default-src"] == ["'self'"]
