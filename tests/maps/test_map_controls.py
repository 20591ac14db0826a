"""Every govgrid map measures in metres only and shows no attribution prefix (Leaflet's name and
flag): with no base map there is no attribution line at all; with one, only the provider's required
attribution. Seen in Chromium on maps rendered with each setting."""

import pytest
from django.test import override_settings

from govgrid.lib.basemap import OfflineMap, base_map
from tests.govgrid.devices import Device

OSM = [("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap contributors", "abc")]
INTRANET = [("http://tiles.city.internal/{z}/{x}/{y}.png", "", "abc")]


def rendered(layers):
    with override_settings(BASEMAP="osm" if layers else "none", BASEMAP_LAYERS=layers):
        fmap = base_map()
        fmap.fit_bounds([[32.68, 112.06], [32.70, 112.10]])
        return fmap.get_root().render()


def drawn(browser, served_app, html):
    """The map's HTML drawn in Chromium from the served app's origin (its scripts come from there).
    The HTML is made here, not served, so its inline scripts carry no nonce of the login page's
    Content-Security-Policy: the policy is set aside for it (the served pages keep theirs,
    tests/govgrid/test_content_security_policy.py)."""
    device = Device(browser, "desktop", bypass_csp=True)
    device.page.goto(served_app + "/accounts/login/")
    device.page.set_content(html, wait_until="load")
    device.page.locator(".leaflet-control-scale").wait_for()
    return device


@pytest.mark.django_db
def test_with_a_base_map_only_its_attribution_is_shown(browser, served_app):
    device = drawn(browser, served_app, rendered(OSM))
    try:
        assert (
            device.page.locator(".leaflet-control-attribution").inner_text().strip() == "© OpenStreetMap contributors"
        )
        assert device.page.locator(".leaflet-control-scale-line").count() == 1
        assert all(url.startswith("https://tile.openstreetmap.org/") for url in device.blocked)
    finally:
        device.close()


@pytest.mark.django_db
@pytest.mark.parametrize("layers", [[], INTRANET], ids=["no base map", "an intranet base map"])
def test_without_a_required_attribution_there_is_no_attribution_line(browser, served_app, layers):
    device = drawn(browser, served_app, rendered(layers))
    try:
        assert device.page.locator(".leaflet-control-attribution").count() == 0
        assert "Leaflet" not in device.page.locator(".folium-map").inner_text()
        assert device.page.locator(".leaflet-control-scale-line").inner_text().strip().endswith(("m", "km"))
    finally:
        device.close()


def test_every_offline_map_has_a_metric_scale_only():
    html = OfflineMap(tiles=None, control_scale=True).get_root().render()  # as the dispatch pages make it
    assert html.count("L.control.scale(") == 1 and "imperial: false" in html
