"""The area admin's map in Debian's Chromium, as an administrator uses it on a desktop: opening the
editor and saving without moving anything changes nothing; the neighbours are drawn, labelled; a
ticked neighbour's shared border is bent by dragging it, and both grids are saved, with the topology
intact. The page reaches nothing but its own server.

The grid is the middle one of a drawn community of 3 × 3 square grids, committed for the served app
and erased when the module ends."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSGeometry

from grids.models import Area
from grids.validation import UNCHANGED_BOUNDARY_DEGREES, validate_area
from tests.conftest import DEMO_PASSWORD, committed_city

CITY = "990011"  # none of the other drawn cities' codes
COMMUNITY = f"{CITY}001001"
GRID = f"{COMMUNITY}005"  # the middle of 3 × 3, numbered row by row from the south-west
NEIGHBOUR = f"{COMMUNITY}006"  # east of it
ADMIN = f"{CITY}_admin"
DESKTOP = {"width": 1366, "height": 900}

# The map object, kept by the test (django-leaflet keeps none in the page): it turns a vertex into
# the pixel where its handle is.
KEEP_MAP = "window.addEventListener('map:init', (e) => { window.testMap = e.detail.map; });"
PIXEL_OF = """([lat, lng]) => {
    const point = window.testMap.latLngToContainerPoint([lat, lng]);
    const box = window.testMap.getContainer().getBoundingClientRect();
    return [box.left + point.x, box.top + point.y];
}"""


@pytest.fixture(scope="module")
def boundaries_restored(django_db_setup, django_db_blocker):
    """One street of one community of 3 × 3 grids and an administrator, committed: the served app
    commits what the browser saves, and the whole city is erased when the module ends."""

    def add_admin(city):
        city.users = {"admin": get_user_model().objects.create_superuser(ADMIN, password=DEMO_PASSWORD)}

    with committed_city(django_db_blocker, add_admin, code=CITY, streets=1, towns=0, communities=1, grids=(3, 3)):
        yield


def stored(code):
    area = Area.objects.get(code=code)
    return bytes(area.geom.ewkb), area.updated_at


def open_change_page(offline_page, served_app, grid):
    screen = offline_page(viewport=DESKTOP)
    page = screen.page
    page.add_init_script(KEEP_MAP)
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))  # the admin links none
    page.goto(f"{served_app}/admin/login/?next=/admin/grids/area/{grid.pk}/change/")
    page.fill("input[name=username]", ADMIN)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("a.leaflet-draw-edit-edit")
    return screen


def start_editing(page):
    page.click("a.leaflet-draw-edit-edit")
    page.wait_for_selector(".leaflet-editing-icon")


def finish_editing_and_save(page, served_app):
    page.click("ul.leaflet-draw-actions li:first-child a")  # the draw toolbar's Save
    with page.expect_navigation():
        page.click("input[name=_save]")
    assert page.locator(".errornote, .errorlist").count() == 0, page.locator(".errorlist").all_inner_texts()
    assert page.url.startswith(f"{served_app}/admin/grids/area/")


@pytest.mark.django_db
def test_saving_the_map_without_moving_anything_keeps_the_boundary_byte_for_byte(
    served_app, offline_page, boundaries_restored
):
    grid = Area.objects.get(code=GRID)
    before = stored(GRID)
    screen = open_change_page(offline_page, served_app, grid)
    page = screen.page
    start_editing(page)
    screen.screenshot("admin_boundary_editing_desktop.png")

    finish_editing_and_save(page, served_app)

    assert stored(GRID) == before  # not rounded, not even rewritten
    assert screen.blocked == [] and screen.console_errors == []


@pytest.mark.django_db
def test_the_neighbours_are_drawn_and_labelled_with_code_and_name_and_the_toolbar_is_in_chinese(
    served_app, offline_page, boundaries_restored
):
    grid = Area.objects.get(code=GRID)
    # Touching up to the drawing's floating-point rounding (an edge computed as x0 + cell + cell
    # may differ from x0 + 2 * cell in the last bit), far below a boundary's tolerance.
    touching = [
        a
        for a in Area.objects.grids().exclude(pk=grid.pk).order_by("code")
        if a.geom.distance(grid.geom) < UNCHANGED_BOUNDARY_DEGREES
    ]
    assert len(touching) == 8
    screen = open_change_page(offline_page, served_app, grid)
    labels = screen.page.locator(".leaflet-tooltip.govgrid-neighbour")
    labels.first.wait_for()

    assert sorted(labels.all_inner_texts()) == sorted(f"{a.name}\n{a.code}" for a in touching)
    # Drawn read-only: the only editable layer is the grid itself (one polygon of handles).
    start_editing(screen.page)
    assert screen.page.locator(".leaflet-overlay-pane path").count() == len(touching) + 1
    # The drawing toolbar speaks Chinese too; its "Save" only ends editing, so it says so.
    assert screen.page.locator("ul.leaflet-draw-actions li:first-child a").inner_text() == "完成"
    screen.screenshot("admin_boundary_neighbours_desktop.png")


@pytest.mark.django_db
def test_dragging_the_border_with_a_ticked_neighbour_saves_both_grids(served_app, offline_page, boundaries_restored):
    grid, neighbour = Area.objects.get(code=GRID), Area.objects.get(code=NEIGHBOUR)
    total = grid.geom.area + neighbour.geom.area
    screen = open_change_page(offline_page, served_app, grid)
    page = screen.page
    # Tick the neighbour by clicking it on the map, where its label is.
    label = page.locator(".leaflet-tooltip.govgrid-neighbour", has_text=NEIGHBOUR).bounding_box()
    page.mouse.click(label["x"] + label["width"] / 2, label["y"] + label["height"] / 2)
    assert page.locator(f"input[name=move_border_with][value='{neighbour.pk}']").is_checked()

    # The edge between the two (both ends shared with the neighbour), bent outward at its middle.
    ring = grid.geom.coords[0][0]
    start, end = next(
        (a, b) for a, b in zip(ring, ring[1:], strict=False) if neighbour.geom.buffer(1e-9).covers(_segment(a, b))
    )
    start_editing(page)
    (x0, y0), (x1, y1) = (page.evaluate(PIXEL_OF, [lat, lng]) for lng, lat in (start, end))
    cx, cy = page.evaluate(PIXEL_OF, [grid.geom.centroid.y, grid.geom.centroid.x])
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    length = ((mx - cx) ** 2 + (my - cy) ** 2) ** 0.5
    page.mouse.move(mx, my)
    page.mouse.down()
    page.mouse.move(mx + 12 * (mx - cx) / length, my + 12 * (my - cy) / length, steps=6)
    page.mouse.up()
    screen.screenshot("admin_boundary_moved_desktop.png")

    finish_editing_and_save(page, served_app)

    grid_after, neighbour_after = Area.objects.get(code=GRID), Area.objects.get(code=NEIGHBOUR)
    assert grid_after.geom.area > grid.geom.area
    assert neighbour_after.geom.area < neighbour.geom.area
    assert grid_after.geom.area + neighbour_after.geom.area == pytest.approx(total, rel=1e-9)
    assert validate_area(COMMUNITY) == []
    assert screen.blocked == [] and screen.console_errors == []


SERIALISE_WITH_A_HOLE = """() => {
    const shell = [[32.718387497205867, 112.069401776652782], [32.7199, 112.0702], [32.7192, 112.0738]];
    const hole = [[32.7189, 112.0705], [32.7192, 112.0712], [32.7190, 112.0712]];
    return L.GovgridFieldStore.prototype._serialize.call({}, L.featureGroup([L.polygon([shell, hole])]));
}"""


@pytest.mark.django_db
def test_the_map_writes_a_boundary_with_its_holes_and_every_digit(served_app, offline_page, boundaries_restored):
    screen = open_change_page(offline_page, served_app, Area.objects.get(code=GRID))

    written = json.loads(screen.page.evaluate(SERIALISE_WITH_A_HOLE))

    assert written["type"] == "MultiPolygon"
    [[shell, hole]] = written["coordinates"]
    assert shell[0] == shell[-1] == [112.069401776652782, 32.718387497205867]
    assert len(hole) == 4


def _segment(a, b):
    return GEOSGeometry(f"SRID=4326;LINESTRING({a[0]} {a[1]}, {b[0]} {b[1]})")
