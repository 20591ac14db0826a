"""The site's header and login page on phones (360 and 414 px wide, touch) and a desktop, in
Chromium: on a phone the menu folds behind one button and opens as a list of rows a thumb can hit;
it leads to every page (dashboard, maps, exports, cases, the API's docs); no page scrolls sideways.
The people are the cast of a drawn city (tests/grids/cast.py), committed for the served app."""

import pytest

from tests.govgrid.devices import PHONES, PROFILES, Device, small_tap_targets
from tests.grids.cast import committed_cast

MENU = {
    "/": "总览",
    "/maps/coverage/": "覆盖情况地图",
    "/maps/density/": "案件密度",
    "/maps/exports/": "数据导出",
    "/dispatch/": "案件",
    "/api/docs/": "接口",
}


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    with committed_cast(django_db_blocker, code="990014") as city:
        yield city


@pytest.fixture
def device(browser):
    made = []

    def make(profile, **kwargs):
        made.append(Device(browser, profile, **kwargs))
        return made[-1]

    yield make
    for d in made:
        d.close()


@pytest.mark.django_db
@pytest.mark.parametrize("profile", PROFILES)
def test_the_login_page_fits_the_screen(served_app, device, profile):
    phone = device(profile)
    phone.page.goto(served_app + "/accounts/login/")
    assert phone.sideways_overflow() == 0
    assert small_tap_targets(phone.page, "main.login input, main.login button") == []
    box = phone.page.locator("main.login").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PROFILES[profile]["viewport"]["width"]
    phone.screenshot("test_the_login_page_fits_the_screen")
    assert phone.blocked == [] and phone.console_errors == []


@pytest.mark.django_db
@pytest.mark.parametrize("profile", PHONES)
def test_on_a_phone_the_menu_folds_behind_a_button_and_opens_as_rows(served_app, device, city, profile):
    phone = device(profile)
    page = phone.log_in(served_app, city.users["leader"].username, then="/maps/exports/")
    menu = page.locator("header nav.menu")
    assert not menu.is_visible()
    assert phone.sideways_overflow() == 0
    header = page.locator("header.topbar").bounding_box()
    assert header["height"] <= 48

    page.locator("label.menu-button").tap()
    assert menu.is_visible()
    links = {a.get_attribute("href"): a.inner_text().strip() for a in menu.locator("a").all()}
    assert {path: links.get(path) for path in MENU} == MENU
    assert small_tap_targets(page, "header nav.menu a, header nav.menu button") == []
    assert phone.sideways_overflow() == 0
    phone.screenshot("test_on_a_phone_the_menu_folds_behind_a_button_and_opens_as_rows")

    page.locator('header nav.menu a[href="/maps/coverage/"]').tap()
    page.wait_for_url("**/maps/coverage/")
    assert page.locator('header nav.menu a[aria-current="page"]').get_attribute("href") == "/maps/coverage/"
    assert phone.blocked == []


@pytest.mark.django_db
def test_on_a_desktop_the_menu_is_a_row_of_links_and_the_api_link_opens_the_docs(served_app, device, city):
    desktop = device("desktop")
    page = desktop.log_in(served_app, city.users["leader"].username, then="/maps/exports/")
    assert not page.locator("label.menu-button").is_visible()
    for path, label in MENU.items():
        assert page.locator(f'header nav.menu a[href="{path}"]').inner_text().strip() == label
    desktop.screenshot("test_on_a_desktop_the_menu_is_a_row_of_links_and_the_api_link_opens_the_docs")
    page.locator('header nav.menu a[href="/api/docs/"]').click()
    page.wait_for_url("**/api/docs/")
    page.locator("#swagger-ui .opblock-tag").first.wait_for()
    assert desktop.sideways_overflow() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_administrators_longest_menu_fits_a_desktop_in_either_language(served_app, device, city, locale):
    desktop = device("desktop", locale=locale)
    page = desktop.log_in(served_app, city.users["admin"].username, then="/maps/exports/")
    assert page.locator('header nav.menu a[href="/admin/"]').is_visible()
    assert desktop.sideways_overflow() == 0
    right = page.evaluate(
        "Math.max(...[...document.querySelectorAll('header *')].map((e) => e.getBoundingClientRect().right))"
    )
    assert right <= PROFILES["desktop"]["viewport"]["width"]
    desktop.screenshot(f"test_the_administrators_longest_menu_fits_a_desktop-{locale}")
