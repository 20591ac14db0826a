"""The dashboard, the coverage and density maps and the exports page on phones (360 and 414 px
wide, touch) and a desktop, in Chromium: each fits the screen (no sideways scrolling of the page),
reaches only its own server, and keeps a screenshot. The maps open on the grids in the user's scope,
measure in metres only, carry no attribution that a government deployment would have to remove, and
a grid inside a service station's reach still opens its card when tapped. The people are the cast
of a staffed drawn city committed for the served app."""

import pytest
from django.contrib.gis.db.models import Extent

from grids.models import Area
from tests.conftest import committed_city, square
from tests.govgrid.devices import PHONES, PROFILES, Device
from tests.maps.conftest import staffed_with_passwords

PAGES = {
    "dashboard": ("/", "path.grid"),
    "coverage": ("/maps/coverage/", "path.grid"),
    "density": ("/maps/density/", "path.grid"),
    "exports": ("/maps/exports/", "#downloads a"),
}


def settle(city):
    """The cast, the leader and the community dispatcher with the password Device.log_in types, a
    station in each community of the first street, and a district whose land reaches well beyond its
    grids on every side, as a county's does beyond its town."""
    staffed_with_passwords("leader", "community_dispatcher")(city)
    for community in city.communities_of(city.streets[0]):
        city.station(f"{community.name}服务站", community)
    west, south, east, north = city.district.geom.extent
    width, height = east - west, north - south
    city.district.geom = square(west - 2 * width, south - 2 * height, east + 2 * width, north + 2 * height)
    city.district.save()


@pytest.fixture(scope="module")
def city(django_db_blocker):
    with committed_city(django_db_blocker, add_people=settle) as city:
        yield city


@pytest.fixture(scope="module")
def signed_in(browser, served_app, city):
    """One logged-in device per profile and user of the cast for the module (logging in is throttled)."""
    devices = {}

    def get(profile, name="leader"):
        if (profile, name) not in devices:
            device = Device(browser, profile)
            device.log_in(served_app, city.users[name].username)
            devices[profile, name] = device
        device = devices[profile, name]
        device.blocked.clear()
        device.console_errors.clear()
        return device

    yield get
    for device in devices.values():
        device.close()


def open_page(device, served_app, path, ready):
    device.page.goto(served_app + path, wait_until="load")
    device.page.locator(ready).first.wait_for()
    return device.page


@pytest.mark.django_db
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", PAGES)
def test_each_page_fits_the_screen_and_reaches_only_its_server(served_app, signed_in, name, profile):
    device = signed_in(profile)
    path, ready = PAGES[name]
    page = open_page(device, served_app, path, ready)
    assert device.sideways_overflow() == 0
    if name != "exports":
        box = page.locator(".folium-map").bounding_box()
        assert box["width"] <= PROFILES[profile]["viewport"]["width"] and box["height"] >= 300
    device.screenshot(f"test_each_page_fits_the_screen_{name}", full_page=name in ("dashboard", "exports"))
    assert device.blocked == []
    assert device.console_errors == []


def map_bounds(page):
    return page.evaluate(
        """() => {
            const map = Object.values(window).find((v) => v instanceof L.Map);
            const b = map.getBounds();
            return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
        }"""
    )


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/maps/coverage/", "/maps/density/"])
def test_a_map_opens_on_the_grids_in_scope_not_on_the_whole_county(served_app, signed_in, city, path):
    west, south, east, north = Area.objects.grids().within(city.code).aggregate(box=Extent("geom"))["box"]
    county = Area.objects.get(code=city.code).geom.extent
    page = open_page(signed_in("desktop"), served_app, path, "path.grid")
    w, s, e, n = map_bounds(page)
    assert w <= west and s <= south and e >= east and n >= north  # every grid in view
    assert (e - w) < (county[2] - county[0]) / 2  # and the map not as wide as the county


@pytest.mark.django_db
def test_a_community_dispatchers_map_opens_on_their_community(served_app, signed_in, city):
    [community] = city.scope("community_dispatcher").roots()
    west, south, east, north = Area.objects.grids().within(community.code).aggregate(box=Extent("geom"))["box"]
    page = open_page(signed_in("desktop", "community_dispatcher"), served_app, "/maps/coverage/", "path.grid")
    w, s, e, n = map_bounds(page)
    assert w <= west and s <= south and e >= east and n >= north
    assert (e - w) < 8 * (east - west)


@pytest.mark.django_db
@pytest.mark.parametrize("profile", ["phone", "desktop"])
def test_the_scale_is_metric_only_and_no_attribution_is_drawn_without_a_base_map(served_app, signed_in, profile):
    page = open_page(signed_in(profile), served_app, "/maps/coverage/", "path.grid")
    lines = page.locator(".leaflet-control-scale-line")
    assert lines.count() == 1
    assert lines.inner_text().strip().endswith(("m", "km"))
    assert page.locator(".leaflet-control-attribution").count() == 0
    assert "Leaflet" not in page.locator(".folium-map").inner_text()


@pytest.mark.django_db
@pytest.mark.parametrize("profile", ["phone", "desktop"])
def test_a_grid_inside_a_stations_reach_opens_its_card_when_tapped(served_app, signed_in, profile):
    device = signed_in(profile)
    page = open_page(device, served_app, "/maps/coverage/", "path.reach")
    point = page.evaluate(
        """() => {
            // A point inside a station's reach circle, off its marker, over a grid.
            for (const circle of document.querySelectorAll("path.reach")) {
                const r = circle.getBoundingClientRect();
                for (const [dx, dy] of [[0.3, 0], [-0.3, 0], [0, 0.3], [0, -0.3]]) {
                    const x = r.x + r.width * (0.5 + dx), y = r.y + r.height * (0.5 + dy);
                    if (x < 5 || y < 60 || x > innerWidth - 5 || y > innerHeight - 5) continue;
                    const under = document.elementsFromPoint(x, y);
                    if (under.includes(circle) || under.some((e) => e.classList && e.classList.contains("grid")))
                        if (under.some((e) => e.classList && e.classList.contains("grid"))) return [x, y];
                }
            }
            return null;
        }"""
    )
    assert point is not None
    if PROFILES[profile].get("has_touch"):
        page.touchscreen.tap(*point)
    else:
        page.mouse.click(*point)
    card = page.locator(".leaflet-popup .grid-card")
    card.wait_for(timeout=5000)
    assert card.locator("h3 small").inner_text().isdigit()
    device.screenshot("test_a_grid_inside_a_stations_reach_opens_its_card_when_tapped")


@pytest.mark.django_db
def test_a_station_marker_keeps_its_name_and_lets_the_grid_under_it_open(served_app, signed_in):
    device = signed_in("desktop")
    page = open_page(device, served_app, "/maps/coverage/", "path.station")
    station = page.locator("path.station").first
    box = station.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    assert page.locator(".leaflet-tooltip").first.inner_text().strip() != ""
    page.mouse.click(x, y)
    page.locator(".leaflet-popup .grid-card").wait_for(timeout=5000)


@pytest.mark.django_db
@pytest.mark.parametrize("profile", ["phone", "desktop"])
@pytest.mark.parametrize("name", ["dashboard", "coverage", "density"])
def test_on_a_phone_the_layer_list_is_folded_behind_its_button(served_app, signed_in, name, profile):
    page = open_page(signed_in(profile), served_app, *PAGES[name])
    page.wait_for_load_state("load")
    expanded = page.locator(".leaflet-control-layers-expanded").count()
    assert expanded == (0 if profile in PHONES else 1)
    assert page.locator(".leaflet-control-layers").count() == 1
    if name == "density":  # the heat map can be switched off like the other layers
        assert "案件热力图" in page.locator(".leaflet-control-layers-overlays").text_content()


@pytest.mark.django_db
def test_the_density_maps_period_is_picked_from_a_calendar(served_app, signed_in):
    page = open_page(signed_in("phone"), served_app, "/maps/density/?since=2026-06-01&until=2026-08-31", "path.grid")
    since, until = page.locator("#density-form input[name=since]"), page.locator("#density-form input[name=until]")
    assert since.get_attribute("type") == "date" and until.get_attribute("type") == "date"
    assert since.input_value() == "2026-06-01"
    until.fill("2026-07-31")
    page.locator("#density-form button[type=submit]").tap()
    page.wait_for_url("**until=2026-07-31**")
    assert page.locator("#density-form input[name=until]").input_value() == "2026-07-31"


@pytest.mark.django_db
def test_the_density_maps_date_pickers_show_the_period_counted_by_default(served_app, signed_in):
    from datetime import timedelta

    from django.utils import timezone

    page = open_page(signed_in("desktop"), served_app, "/maps/density/", "path.grid")
    today = timezone.localdate()
    assert page.locator("#density-form input[name=until]").input_value() == today.isoformat()
    assert page.locator("#density-form input[name=since]").input_value() == (today - timedelta(days=89)).isoformat()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["dashboard", "coverage", "density"])
def test_choosing_an_area_narrows_the_page_with_no_inline_handler(served_app, signed_in, city, name):
    page = open_page(signed_in("phone"), served_app, *PAGES[name])
    assert page.evaluate("document.querySelectorAll('[onchange], [onclick], [onsubmit]').length") == 0
    street = city.streets[0].code
    page.select_option("form.filters select[name=area]", street)
    page.wait_for_url(f"**area={street}**")
    page.locator("path.grid").first.wait_for()
    assert street in page.locator(".panel").inner_text()
