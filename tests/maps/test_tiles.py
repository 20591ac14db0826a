"""Vector tiles of grids, communities and streets: what a tile holds (read back with GDAL's MVT
driver), whose areas it may hold, how bad requests are answered, and the Leaflet layer that draws
them in Debian's Chromium with every non-loopback request blocked; in a staffed drawn city
(tests/conftest.py), committed for the browser."""

import json
import math
import re
import subprocess
from urllib.parse import quote

import folium
import pytest
from django.contrib.gis.db.models import Extent
from django.contrib.gis.gdal import DataSource
from django.contrib.gis.geos import GEOSGeometry, Point, Polygon
from django.db import connection
from django.test.testcases import LiveServerThread
from django.utils import timezone
from rest_framework.authtoken.models import Token

from govgrid.lib import coords
from govgrid.lib.basemap import OfflineMap
from grids.coverage import grid_coverage
from grids.models import Area, Assignment, Level, Role
from maps.tiles import VectorTileLayer
from tests.conftest import DEMO_PASSWORD, OfflinePage, committed_city
from tests.grids.test_coverage import staff_completely
from tests.maps.conftest import staffed_with_passwords

pytestmark = [pytest.mark.urls("tests.maps.tile_test_urls"), pytest.mark.django_db]

WORLD = 2 * math.pi * 6378137  # width of the Web Mercator plane, metres
EXTENT, BUFFER = 4096, 64
GRID_FIELDS = {"code", "name", "level", "kind", "households", "population", "status"}


@pytest.fixture(autouse=True)
def static_files_by_name(settings):
    """static() gives plain names, which the test server finds in the apps' static folders, instead
    of the hashed names of collected files."""
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }


# --- tile arithmetic and reading, independent of maps/tiles.py -----------------------------------
def tile_of(lon, lat, z):
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def tile_box(z, x, y, margin=0.0):
    """The tile's square in EPSG:3857, grown by `margin` tile widths on every side."""
    size = WORLD / 2**z
    west, east = -WORLD / 2 + (x - margin) * size, -WORLD / 2 + (x + 1 + margin) * size
    north, south = WORLD / 2 - (y - margin) * size, WORLD / 2 - (y + 1 + margin) * size
    box = Polygon.from_bbox((west, south, east, north))
    box.srid = 3857
    return box


def meeting(level, box, prefix):
    """Codes of the areas of a level whose boundary meets a box (PostGIS ST_Intersects)."""
    areas = Area.objects.filter(level=level, code__startswith=prefix, geom__intersects=box)
    return set(areas.values_list("code", flat=True))


def read_tile(response, z, x, y, tmp_path):
    """{layer: {code: {"fields": {...}, "geom": GEOS geometry in EPSG:3857}}}, read by GDAL's MVT
    driver (Debian's ogr2ogr) from the tile saved as z/x/y.pbf, the name GDAL georeferences it by.
    CLIP=NO keeps what lies in the tile's buffer, which GDAL otherwise cuts away."""
    assert response.status_code == 200, response.content[:200]
    path = tmp_path / str(z) / str(x) / f"{y}.pbf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(response.content)
    layers = {}
    for name in [layer.name for layer in DataSource(str(path))]:
        command = ["ogr2ogr", "-f", "GeoJSON", "-oo", "CLIP=NO", "/vsistdout/", str(path), name]
        collection = json.loads(subprocess.run(command, check=True, capture_output=True).stdout)
        features = {}
        for feature in collection["features"]:
            fields = {k: v for k, v in feature["properties"].items() if k != "mvt_id" and v is not None}
            # Overview tiles carry a grid's code as the feature's id (GDAL's mvt_id), not as a field.
            code = fields.get("code") or str(feature["properties"]["mvt_id"])
            assert code not in features, "each area once per tile"
            geom = GEOSGeometry(json.dumps(feature["geometry"]))
            geom.srid = 3857  # as the collection's "crs" says; GEOS takes GeoJSON for WGS84
            features[code] = {"fields": fields, "geom": geom}
        layers[name] = features
    return layers


def centre_tile(city, z):
    """The tile over the middle of a drawn city: at zoom 15 it holds some of the city's grids,
    not all; at zoom 12 it holds the whole city."""
    west, south, east, north = city.district.geom.extent
    return (z, *tile_of((west + east) / 2, (south + north) / 2, z))


@pytest.fixture
def city(staffed_city):
    return staffed_city


def get_tile(client, layer, z, x, y, **query):
    return client.get(f"/maps/tiles/{layer}/{z}/{x}/{y}.pbf", query)


# --- what a tile holds ------------------------------------------------------------------------------
def test_a_grid_tile_holds_the_grids_that_meet_it_and_no_other(city, tmp_path):
    z, x, y = centre_tile(city, 15)
    tile = read_tile(get_tile(city.client("leader"), "grids", z, x, y), z, x, y, tmp_path)

    codes = set(tile["grids"])
    inside = meeting(Level.GRID, tile_box(z, x, y), city.code)
    within_buffer = meeting(Level.GRID, tile_box(z, x, y, margin=BUFFER / EXTENT), city.code)
    assert list(tile) == ["grids"]
    assert len(inside) > 2 and city.grid_codes() - within_buffer  # some of the city's grids lie beyond
    assert inside <= codes <= within_buffer


def test_a_tile_draws_each_grid_where_its_boundary_is_to_a_tile_unit(city, tmp_path):
    z, x, y = centre_tile(city, 15)
    tile = read_tile(get_tile(city.client("leader"), "grids", z, x, y), z, x, y, tmp_path)
    unit = WORLD / 2**z / EXTENT  # metres of Web Mercator per tile unit
    clip = tile_box(z, x, y, margin=BUFFER / EXTENT)

    assert tile["grids"]
    for code, feature in tile["grids"].items():
        boundary = Area.objects.get(code=code).geom.transform(3857, clone=True).intersection(clip)
        # Snapping each vertex to the tile's grid moves the outline by under a unit.
        assert feature["geom"].sym_difference(boundary).area <= boundary.length * unit, code


def grid_in_middle(city, z):
    """A grid of the city inside the tile over its middle."""
    z, x, y = centre_tile(city, z)
    return Area.objects.get(code=min(meeting(Level.GRID, tile_box(z, x, y, margin=-0.1), city.code)))


def test_grid_features_carry_their_facts_and_coverage_status(city, tmp_path):
    staff_completely(city, grid_in_middle(city, 15))  # full; its station's neighbours partial
    z, x, y = centre_tile(city, 15)
    tile = read_tile(get_tile(city.client("leader"), "grids", z, x, y), z, x, y, tmp_path)
    status = {row["code"]: row["status"] for row in grid_coverage(city.code)}

    for code, feature in tile["grids"].items():
        area = Area.objects.get(code=code)
        fields = feature["fields"]
        assert set(fields) == GRID_FIELDS
        assert (fields["name"], fields["level"], fields["kind"]) == (area.name, "grid", area.kind)
        assert (fields["households"], fields["population"]) == (area.households, area.population)
        assert fields["status"] == status[code]
    assert {f["fields"]["status"] for f in tile["grids"].values()} >= {"full", "partial"}


def test_below_zoom_13_a_grid_tile_is_an_overview_of_ids_and_statuses(city, tmp_path):
    staff_completely(city, city.grids[0])
    z, x, y = centre_tile(city, 12)
    response = get_tile(city.client("leader"), "grids", z, x, y)
    tile = read_tile(response, z, x, y, tmp_path)
    status = {row["code"]: row["status"] for row in grid_coverage(city.code)}

    inside = meeting(Level.GRID, tile_box(z, x, y), city.code)
    assert inside == city.grid_codes()
    # A grid snapped to the coarser tile grid may vanish only if it is smaller than a tile unit:
    # none of the drawn city's is.
    assert set(tile["grids"]) == inside
    assert set(status.values()) == {"full", "partial", "none"}
    for code, feature in tile["grids"].items():
        assert feature["fields"] == {"status": status[code]}  # the code is the feature's id
    detailed = sum(
        len(get_tile(city.client("leader"), "grids", 13, 2 * x + i, 2 * y + j).content) for i in (0, 1) for j in (0, 1)
    )
    assert len(response.content) < detailed / 2


def test_a_grid_loses_full_coverage_in_its_tile_when_its_grid_worker_leaves(city, tmp_path):
    staff_completely(city, grid_in_middle(city, 15))
    client = city.client("leader")
    z, x, y = centre_tile(city, 15)
    before = read_tile(get_tile(client, "grids", z, x, y), z, x, y, tmp_path / "before")["grids"]
    code = next(c for c, f in sorted(before.items()) if f["fields"]["status"] == "full")

    Assignment.objects.active().filter(area__code=code, role=Role.GRID_WORKER).update(ends_on=timezone.localdate())
    after = read_tile(get_tile(client, "grids", z, x, y), z, x, y, tmp_path / "after")["grids"]

    assert after[code]["fields"]["status"] == "partial"


@pytest.mark.parametrize(("layer", "level"), [("communities", Level.COMMUNITY), ("streets", Level.STREET)])
def test_community_and_street_tiles_hold_their_boundaries_without_a_status(city, tmp_path, layer, level):
    z, x, y = centre_tile(city, 12)
    tile = read_tile(get_tile(city.client("leader"), layer, z, x, y), z, x, y, tmp_path)

    codes = set(tile[layer])
    assert list(tile) == [layer]
    inside = meeting(level, tile_box(z, x, y), city.code)
    assert inside and inside <= codes <= meeting(level, tile_box(z, x, y, margin=BUFFER / EXTENT), city.code)
    for feature in tile[layer].values():
        assert (
            {"code", "name", "level"} <= set(feature["fields"]) <= {"code", "name", "level", "households", "population"}
        )
        assert feature["fields"]["level"] == level


def test_a_tile_with_no_area_is_204_no_content(city):
    response = get_tile(city.client("leader"), "grids", 14, 0, 0)

    assert response.status_code == 204 and response.content == b""


# --- scope and within ---------------------------------------------------------------------------------
def tile_over(area, z):
    point = area.geom.point_on_surface
    return (z, *tile_of(point.x, point.y, z))


def test_a_grid_workers_tiles_hold_only_their_grids(city, tmp_path):
    client = city.client("grid_worker")
    own = city.scope("grid_worker").read
    z, x, y = tile_over(city.grid_of(), 14)
    tile = read_tile(get_tile(client, "grids", z, x, y), z, x, y, tmp_path)
    everyone = meeting(Level.GRID, tile_box(z, x, y, margin=BUFFER / EXTENT), city.code)

    assert city.grid_of().code in tile["grids"]
    assert set(tile["grids"]) == {code for code in everyone if code.startswith(own)}
    assert len(everyone) > len(tile["grids"])


def test_a_grid_worker_gets_an_empty_tile_where_they_have_no_grid(city):
    grid = city.grids[-1]  # the town's last: far from the first street's first community
    z, x, y = tile_over(grid, 16)
    assert city.grid_of().code not in meeting(Level.GRID, tile_box(z, x, y, margin=BUFFER / EXTENT), city.code)

    assert get_tile(city.client("grid_worker"), "grids", z, x, y).status_code == 204
    assert get_tile(city.client("leader"), "grids", z, x, y).status_code == 200


def test_a_community_dispatchers_tiles_hold_only_their_community(city, tmp_path):
    client = city.client("community_dispatcher")
    (community_code,) = city.scope("community_dispatcher").read
    community = Area.objects.get(code=community_code)
    z, x, y = tile_over(community, 13)
    grids = read_tile(get_tile(client, "grids", z, x, y), z, x, y, tmp_path / "grids")["grids"]
    communities = read_tile(get_tile(client, "communities", z, x, y), z, x, y, tmp_path / "c")["communities"]

    all_grids = meeting(Level.GRID, tile_box(z, x, y, margin=BUFFER / EXTENT), city.code)
    assert set(grids) == {code for code in all_grids if code.startswith(community_code)}
    assert set(all_grids) > set(grids)
    assert set(communities) == {community_code}


def test_within_keeps_the_tile_to_one_community(city, tmp_path):
    community = city.communities[3]
    z, x, y = tile_over(community, 13)
    assert {code for code in meeting(Level.GRID, tile_box(z, x, y), city.code) if code[:12] != community.code}
    tile = read_tile(get_tile(city.client("leader"), "grids", z, x, y, within=community.code), z, x, y, tmp_path)

    inside = meeting(Level.GRID, tile_box(z, x, y), prefix=community.code)
    assert inside and inside <= set(tile["grids"])
    assert all(code.startswith(community.code) for code in tile["grids"])


def test_within_an_area_outside_the_scope_is_404(city):
    z, x, y = tile_over(city.grid_of(), 14)
    response = get_tile(city.client("grid_worker"), "grids", z, x, y, within=city.code)

    assert response.status_code == 404
    assert response.json()["field"] == "within"


def test_within_that_is_not_an_area_code_is_400_naming_the_field(city):
    response = get_tile(city.client("leader"), "grids", *centre_tile(city, 14), within="9900")

    assert response.status_code == 400
    assert response.json()["field"] == "within"


@pytest.mark.parametrize(
    "path",
    [
        "/maps/tiles/grids/23/0/0.pbf",
        "/maps/tiles/grids/14/16384/6616.pbf",
        "/maps/tiles/grids/14/13292/16384.pbf",
        "/maps/tiles/grids/0/1/0.pbf",
        "/maps/tiles/grids/-1/0/0.pbf",
        "/maps/tiles/incidents/14/13292/6616.pbf",
    ],
)
def test_tiles_outside_the_pyramid_and_unknown_layers_are_404(city, path):
    assert city.client("leader").get(path).status_code == 404


def test_an_anonymous_request_is_refused_with_401(client, drawn_city):
    response = get_tile(client, "grids", *centre_tile(drawn_city, 14))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_an_api_token_opens_the_tiles_to_gis_tools(client, city):
    token = Token.objects.create(user=city.users["analyst"])
    path = "/maps/tiles/grids/{}/{}/{}.pbf".format(*centre_tile(city, 14))

    assert client.get(path, HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    assert client.get(path, HTTP_AUTHORIZATION="Token not-a-token").status_code == 401


# --- HTTP caching --------------------------------------------------------------------------------------
def test_a_tile_is_cached_privately_and_revalidated_by_its_etag(city):
    client = city.client("leader")
    response = get_tile(client, "grids", *centre_tile(city, 14))

    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert set(response["Cache-Control"].split(", ")) == {"private", "max-age=60"}
    assert {"Cookie", "Authorization"} <= set(response["Vary"].split(", "))
    again = client.get(response.wsgi_request.path, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""


# --- the folium layer ----------------------------------------------------------------------------------
def rendered_map(style=None):
    fmap = OfflineMap(tiles=None)
    VectorTileLayer("/maps/tiles/grids/{z}/{x}/{y}.pbf", name="网格", style=style or {}).add_to(fmap)
    folium.LayerControl().add_to(fmap)
    return fmap.get_root().render()


def test_the_folium_layer_loads_its_script_from_the_app_and_joins_the_layer_control():
    html = rendered_map()

    leaflet = html.index('src="/static/leaflet/leaflet.js"')
    assert html.index('src="/static/maps/vectortiles.js"') > leaflet
    (layer,) = re.findall(r"var (vector_tile_layer_\w+) = L\.govgrid\.vectorTileLayer\(", html)
    overlays = re.search(r"overlays :\s*\{([^}]*)\}", html).group(1)
    assert re.findall(r'"([^"]+)" : (\w+),', overlays) == [(r"\u7f51\u683c", layer)]  # 网格, escaped by folium


def test_the_folium_layer_keeps_property_values_in_its_style_as_given():
    html = rendered_map({"property": "kind", "colours": {"commercial_building": "#fd8d3c"}})

    assert '"commercial_building": "#fd8d3c"' in html


@pytest.mark.parametrize(("basemap", "shifted"), [("amap", True), ("osm", False)])
def test_the_folium_layer_shifts_to_gcj02_on_an_amap_base_map(settings, basemap, shifted):
    settings.BASEMAP = basemap
    assert VectorTileLayer("/t/{z}/{x}/{y}.pbf", name="n", style={}).options["gcj02"] is shifted


# --- the layer in Chromium ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tile_server(django_db_setup):
    """This process serving HTTP on loopback in a thread, so the test's URL conf (with the tile view
    and the test page) and plain static names apply; it reads the committed drawn city through its
    own connections. Yields its base URL."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler

    server = LiveServerThread("127.0.0.1", StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    yield f"http://127.0.0.1:{server.port}"
    server.terminate()


LAYER = "Object.values(window).find((v) => v instanceof L.govgrid.VectorTileLayer)"
MAP = "Object.values(window).find((v) => v instanceof L.Map)"
# Every tile loaded, drawn and faded in.
TILES_DRAWN = f"""() => {{
    const layer = {LAYER}, tiles = [...document.querySelectorAll("canvas.govgrid-vector-tile")];
    return layer && !layer.isLoading() && layer.drawnFeatures().length > 0
        && tiles.every((tile) => getComputedStyle(tile).opacity === "1");
}}"""
DRAWN_CODES = f"() => [...new Set({LAYER}.drawnFeatures().map((p) => p.code))]"
PAINTED_PIXELS = """() => [...document.querySelectorAll("canvas.govgrid-vector-tile")].reduce((sum, canvas) => {
    const alpha = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < alpha.length; i += 4) if (alpha[i] > 0) sum += 1;
    return sum;
}, 0)"""
# The alpha of the vector tiles' canvas pixel under a page point [x, y] (CSS pixels), 0 where nothing is drawn.
PIXEL_ALPHA = """([x, y]) => {
    for (const canvas of document.querySelectorAll("canvas.govgrid-vector-tile")) {
        const box = canvas.getBoundingClientRect();
        if (x < box.left || x >= box.right || y < box.top || y >= box.bottom) continue;
        const scale = canvas.width / box.width;
        return canvas.getContext("2d").getImageData((x - box.left) * scale, (y - box.top) * scale, 1, 1).data[3];
    }
    return null;
}"""
# Where a WGS84 point is on the page, through the folium map.
PAGE_POINT = f"""([lat, lon]) => {{
    const map = {MAP}, p = map.latLngToContainerPoint([lat, lon]), box = map.getContainer().getBoundingClientRect();
    return [box.left + p.x, box.top + p.y];
}}"""


class Retina:
    """A browser whose pages have two device pixels to a CSS pixel."""

    def __init__(self, browser):
        self.browser = browser

    def new_context(self, **kwargs):
        return self.browser.new_context(device_scale_factor=2, **kwargs)


@pytest.fixture(scope="module")
def shown_city(django_db_blocker):
    """A staffed city committed for the test server's own connections, with its own code and place
    (the tests above draw theirs in their transactions)."""
    layout = {"code": "990014", "origin": (112.70, 32.50)}
    staff = staffed_with_passwords("leader", "grid_worker")
    with committed_city(django_db_blocker, add_people=staff, **layout) as city:
        yield city


def open_grid_tiles(offline, base, user, query=""):
    """Log in through the login page, then open the test page and wait for every tile."""
    page = offline.page
    page.goto(base + "/accounts/login/?next=" + quote("/tile-test/grids/" + query, safe=""))
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main.login button[type=submit]")
    page.wait_for_function(TILES_DRAWN)
    return page


def inner_point(code):
    """(lon, lat) of the centre of the largest circle inside a grid: far from its edges."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT (ST_MaximumInscribedCircle(geom)).center AS c "
            "FROM grids_area WHERE code = %s) m",
            [code],
        )
        return cursor.fetchone()


def grid_in_view_centre(page):
    lat, lon = page.evaluate(f"() => {{ const c = {MAP}.getCenter(); return [c.lat, c.lng]; }}")
    return Area.objects.grid_at(Point(lon, lat, srid=4326))


def test_the_layer_draws_every_grid_of_the_district_with_nothing_from_outside(tile_server, shown_city, offline_page):
    city = shown_city
    offline = offline_page()
    page = open_grid_tiles(offline, tile_server, city.users["leader"], f"?within={city.code}")

    codes = page.evaluate(DRAWN_CODES)
    offline.screenshot("vector-tiles.png")
    west, south, east, north = Area.objects.within(city.code).grids().aggregate(e=Extent("geom"))["e"]
    (left, top), (right, bottom) = (page.evaluate(PAGE_POINT, corner) for corner in ([north, west], [south, east]))

    assert sorted(codes) == sorted(city.grid_codes())
    # The grids cover most of their extent, and every pixel of them is painted.
    assert page.evaluate(PAINTED_PIXELS) > 0.6 * (right - left) * (bottom - top)
    assert page.locator(".leaflet-control-layers-overlays").inner_text().strip() == "网格"
    assert offline.console_errors == []
    assert offline.blocked == []


def test_a_layer_of_some_grids_draws_only_those_grids_and_only_their_outlines(tile_server, shown_city, offline_page):
    """The density map's hot spots at a province's size: a style naming some grids by code."""
    city = shown_city
    offline = offline_page()
    chosen = sorted(city.grid_codes())[:3]
    query = f"?within={city.code}&strokes={','.join(chosen)}"
    page = open_grid_tiles(offline, tile_server, city.users["leader"], query)

    assert sorted(page.evaluate(DRAWN_CODES)) == chosen
    lon, lat = inner_point(chosen[0])
    offline.screenshot("vector-tiles-some-grids.png")
    # outlines drawn, nothing filled at a grid's inner point
    assert page.evaluate(PAINTED_PIXELS) > 0
    assert page.evaluate(PIXEL_ALPHA, page.evaluate(PAGE_POINT, [lat, lon])) == 0
    assert offline.console_errors == []


def test_clicking_a_grid_on_a_retina_screen_opens_its_popup_and_calls_on_click(tile_server, shown_city, browser):
    offline = OfflinePage(Retina(browser))
    try:
        page = open_grid_tiles(offline, tile_server, shown_city.users["leader"], f"?within={shown_city.code}")
        grid = grid_in_view_centre(page)
        lon, lat = inner_point(grid.code)

        page.mouse.click(*page.evaluate(PAGE_POINT, [lat, lon]))
        page.wait_for_function("() => window.tileTest.clicks.length > 0")

        assert page.evaluate("() => window.tileTest.clicks.map((p) => p.code)") == [grid.code]
        assert grid.code in page.locator(".leaflet-popup-content").inner_text()
        assert page.evaluate("() => document.querySelector('canvas.govgrid-vector-tile').width") == 512
        assert offline.console_errors == []
    finally:
        offline.close()


def test_a_grid_workers_map_draws_only_their_grids(tile_server, shown_city, offline_page):
    offline = offline_page()
    page = open_grid_tiles(offline, tile_server, shown_city.users["grid_worker"])

    expected = shown_city.scope("grid_worker").areas(Area.objects.grids()).values_list("code", flat=True)
    assert sorted(page.evaluate(DRAWN_CODES)) == sorted(expected) == [shown_city.grid_of().code]
    assert offline.console_errors == []


def test_for_an_amap_base_map_the_grids_are_drawn_shifted_to_gcj02(tile_server, shown_city, offline_page):
    offline = offline_page()
    page = open_grid_tiles(offline, tile_server, shown_city.users["leader"], f"?within={shown_city.code}&gcj02=1")
    grid = grid_in_view_centre(page)
    lon, lat = inner_point(grid.code)
    gcj_lon, gcj_lat = coords.wgs84_to_gcj02(lon, lat)
    # The shift is larger than a grid: unshifted, the click would land on another grid.
    assert not grid.geom.covers(Point(gcj_lon, gcj_lat, srid=4326))
    offline.screenshot("vector-tiles-gcj02.png")

    page.mouse.click(*page.evaluate(PAGE_POINT, [gcj_lat, gcj_lon]))
    page.wait_for_function("() => window.tileTest.clicks.length > 0")

    drawn = page.evaluate(DRAWN_CODES)

    # At zoom 17 the shift (about 600 m) is two tiles wide: each tile is drawn from other tiles' data.
    page.evaluate(f"([lat, lon]) => {MAP}.setView([lat, lon], 17, {{animate: false}})", [gcj_lat, gcj_lon])
    page.wait_for_function(TILES_DRAWN)
    page.mouse.click(*page.evaluate(PAGE_POINT, [gcj_lat, gcj_lon]))
    page.wait_for_function("() => window.tileTest.clicks.length > 1")

    assert page.evaluate("() => window.tileTest.clicks.map((p) => p.code)") == [grid.code, grid.code]
    assert len(drawn) == len(shown_city.grids)
    assert offline.console_errors == []
    assert offline.blocked == []


def test_zoomed_in_beyond_the_tiles_zoom_the_layer_scales_them_and_clicks_still_find_the_grid(
    tile_server, shown_city, offline_page
):
    offline = offline_page()
    query = f"?within={shown_city.code}&max_native_zoom=16"
    page = open_grid_tiles(offline, tile_server, shown_city.users["leader"], query)
    grid = grid_in_view_centre(page)
    lon, lat = inner_point(grid.code)
    requested = []
    page.on("request", lambda r: requested.append(r.url) if ".pbf" in r.url else None)

    page.evaluate(f"([lat, lon]) => {MAP}.setView([lat, lon], 19, {{animate: false}})", [lat, lon])
    page.wait_for_function(TILES_DRAWN)
    page.mouse.click(*page.evaluate(PAGE_POINT, [lat, lon]))
    page.wait_for_function("() => window.tileTest.clicks.length > 0")

    assert requested and all("/grids/16/" in url for url in requested)
    assert page.evaluate("() => window.tileTest.clicks.map((p) => p.code)") == [grid.code]
    assert offline.console_errors == []
