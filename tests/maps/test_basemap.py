"""The base map is a setting; with none configured, a page names no tile server at all. The map is
that of a drawn city (tests/conftest.py)."""

import re

import numpy as np
from django.test import override_settings

from govgrid.lib import coords
from maps.home import city_map

OSM = [("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap contributors", "abc")]
AMAP = [("https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}", "© 高德地图", "1234")]


def rendered(city, **settings):
    with override_settings(**settings):
        return "".join(city_map([city.code]).values())


def test_with_no_base_map_the_page_names_no_tile_server(drawn_city):
    html = rendered(drawn_city, BASEMAP="none", BASEMAP_LAYERS=[])
    assert f'"code": "{drawn_city.grids[0].code}"' in html  # the city is drawn
    assert "tile.openstreetmap.org" not in html and "L.tileLayer" not in html


def test_a_configured_base_map_is_the_only_outside_url(drawn_city):
    html = rendered(drawn_city, BASEMAP="osm", BASEMAP_LAYERS=OSM)
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in html


def vertices(html):
    return np.array([[float(x), float(y)] for x, y in re.findall(r"\[(1\d\d\.\d+), (\d\d\.\d+)\]", html)])


def nearest(points, lon, lat):
    return np.hypot(points[:, 0] - lon, points[:, 1] - lat).min()


def test_on_amap_the_grids_are_drawn_shifted_to_gcj02(drawn_city):
    grid = drawn_city.grids[0]
    lon, lat = grid.geom.coords[0][0][0]
    gcj_lon, gcj_lat = coords.wgs84_to_gcj02(lon, lat)
    plain = vertices(rendered(drawn_city, BASEMAP="none", BASEMAP_LAYERS=[]))
    shifted = vertices(rendered(drawn_city, BASEMAP="amap", BASEMAP_LAYERS=AMAP))
    assert nearest(plain, lon, lat) < 1e-6 and nearest(plain, gcj_lon, gcj_lat) > 1e-5
    assert nearest(shifted, gcj_lon, gcj_lat) < 1e-6 and nearest(shifted, lon, lat) > 1e-5
