"""The screens the incidents pages are tried on in Chromium, and what every such test does: log in
through the login page, keep a screenshot per screen under var/screenshots/ (git-ignored), and check
that the page's content fits the screen's width (nothing to scroll sideways on a phone)."""

import json
import uuid
from urllib.error import HTTPError
from urllib.request import Request, urlopen

from tests.conftest import DEMO_PASSWORD, SCREENSHOTS, OfflinePage, post_json
from tests.govgrid.devices import PROFILES

# The phone profiles of tests/govgrid/devices.py, inside WeChat (its in-app browser's user agent).
WECHAT_UA = PROFILES["phone"]["user_agent"] + " MicroMessenger/8.0.47"
SCREENS = {
    "phone": PROFILES["phone"] | {"user_agent": WECHAT_UA},
    "phone414": PROFILES["phone-414"] | {"user_agent": WECHAT_UA},
    "desktop": PROFILES["desktop"],
}


class Screen(OfflinePage):
    """A browser context of one screen that may reach only loopback (every other request is
    aborted and recorded) and collects console errors."""

    def __init__(self, browser, screen, locale="zh-CN", **options):
        self.name = screen
        super().__init__(browser, **SCREENS[screen], locale=locale, **options)

    def log_in(self, base, username, then):
        page = self.page
        page.goto(base + then)
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("main.login button[type=submit]")

    def shoot(self, test_name, full_page=True):
        """var/screenshots/<test name>-<screen>.png"""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{test_name}-{self.name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def overflow(self, selector="main"):
        """How many CSS pixels the element's content is wider than the screen (0: it fits)."""
        return self.page.evaluate(
            "(s) => Math.max(0, document.querySelector(s).scrollWidth - window.innerWidth)", selector
        )


def screens(browser):
    """A factory of Screens closed at the end of the test (use as a fixture's body)."""
    made = []

    def make(screen, **options):
        made.append(Screen(browser, screen, **options))
        return made[-1]

    return made, make


# --- Cases made through the served app (committed, so the browser's server sees them) -------------


def token_of(base, username):
    return post_json(base, "/api/v1/auth/token/", {"username": username, "password": DEMO_PASSWORD})[1]["token"]


def get_json(base, path, token):
    request = Request(base + path, headers={"Authorization": f"Token {token}", "Accept-Language": "zh-hans"})
    try:
        with urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except HTTPError as error:
        return error.code, json.loads(error.read())


def report_via(base, token, forget, description, point, category="0301", **fields):
    """A case reported by the token's grid worker at `point` (a Point); its code."""
    body = {"client_id": str(uuid.uuid4()), "category": category, "description": description, **fields}
    forget.append(body["client_id"])
    status, answer = post_json(base, "/api/v1/incidents/", body | {"lon": point.x, "lat": point.y}, token)
    assert status == 201, answer
    return answer["code"]


def act_via(base, token, code, action, **fields):
    version = get_json(base, f"/api/v1/incidents/{code}/", token)[1]["version"]
    status, answer = post_json(base, f"/api/v1/incidents/{code}/{action}/", {"version": version} | fields, token)
    assert status == 200, answer
    return answer
