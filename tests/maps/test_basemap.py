"""The base map is a setting; with none configured, a page names no tile server at all."""

import re

import numpy as np
import pytest
from django.test import override_settings

from govgrid.lib import coords
from grids.models import Area
from maps.home import build_city_map

OSM = [("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap contributors", "abc")]
AMAP = [("https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}", "© 高德地图", "1234")]


def rendered(**settings):
    with override_settings(**settings):
        return build_city_map(["411381"]).get_root().render()


@pytest.mark.django_db
def test_with_no_base_map_the_page_names_no_tile_server():
    html = rendered(BASEMAP="none", BASEMAP_LAYERS=[])
    assert "tile.openstreetmap.org" not in html and "L.tileLayer" not in html


@pytest.mark.django_db
def test_a_configured_base_map_is_the_only_outside_url():
    html = rendered(BASEMAP="osm", BASEMAP_LAYERS=OSM)
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in html


def vertices(html):
    return np.array([[float(x), float(y)] for x, y in re.findall(r"\[(1\d\d\.\d+), (\d\d\.\d+)\]", html)])


def nearest(points, lon, lat):
    return np.hypot(points[:, 0] - lon, points[:, 1] - lat).min()


@pytest.mark.django_db
def test_on_amap_the_grids_are_drawn_shifted_to_gcj02():
    grid = Area.objects.within("411381").grids().order_by("code").first()
    lon, lat = grid.geom.coords[0][0][0]
    gcj_lon, gcj_lat = coords.wgs84_to_gcj02(lon, lat)
    plain = vertices(rendered(BASEMAP="none", BASEMAP_LAYERS=[]))
    shifted = vertices(rendered(BASEMAP="amap", BASEMAP_LAYERS=AMAP))
    assert nearest(plain, lon, lat) < 1e-6 and nearest(plain, gcj_lon, gcj_lat) > 1e-5
    assert nearest(shifted, gcj_lon, gcj_lat) < 1e-6 and nearest(shifted, lon, lat) > 1e-5
