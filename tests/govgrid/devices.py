"""Phone and desktop profiles for browser tests of pages, and what every page must hold on each:
it reaches only its own server, logs no error, and never scrolls sideways. Screenshots are kept
under var/screenshots/ (git-ignored) as <test name>-<profile>.png, to be looked at."""

from urllib.parse import urlsplit

from tests.conftest import DEMO_PASSWORD, SCREENSHOTS, OfflinePage

ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
PROFILES = {
    "phone": {
        "viewport": {"width": 360, "height": 740},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "user_agent": ANDROID,
    },
    "phone-414": {
        "viewport": {"width": 414, "height": 896},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "user_agent": ANDROID,
    },
    "desktop": {"viewport": {"width": 1366, "height": 900}},
}
PHONES = ("phone", "phone-414")


class Device(OfflinePage):
    """A browser context of one profile that may reach only loopback."""

    def __init__(self, browser, profile, locale="zh-CN", **context_options):
        self.profile = profile
        super().__init__(browser, **PROFILES[profile], locale=locale, accept_downloads=True, **context_options)

    def log_in(self, served_app, username, then="/"):
        page = self.page
        page.goto(f"{served_app}/accounts/login/?next={then}")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("main.login button[type=submit]")
        page.wait_for_url(lambda url: urlsplit(url).path == then)
        return page

    def sideways_overflow(self):
        """How many CSS pixels the page itself is wider than the screen (0 when it fits)."""
        return self.page.evaluate(
            "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - document.documentElement.clientWidth"
        )

    def screenshot(self, test_name, full_page=False):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{test_name}-{self.profile}.png"), full_page=full_page)


def small_tap_targets(page, selector):
    """The visible elements matched by `selector` less than 40 CSS pixels high or wide."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter((e) => e.offsetParent !== null)
            .map((e) => [e.textContent.trim() || e.outerHTML.slice(0, 60), e.getBoundingClientRect()])
            .filter(([, r]) => r.height < 40 || r.width < 40)
            .map(([text, r]) => `${text} ${Math.round(r.width)}×${Math.round(r.height)}`)""",
        selector,
    )
