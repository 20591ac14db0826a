"""A re-division done in Debian's Chromium, as an administrator does it on a desktop: a draft started
from the generations' page, then on the admin map of one community (its neighbours greyed) a grid
split by drawing a line across it, two grids merged by ticking them, a market carved out as a
dedicated grid by drawing it; back on the generation's page the check is clean, the dry run lists the
moves, the activation puts it in force, and the page shows the old and the new grids on its map and
the moves. A stale edit is refused beside the map. Nothing is fetched from outside the server.

The city is one street of two communities of 2 × 3 square grids each, committed for the served app
and erased when the module ends."""

import pytest
from django.contrib.auth import get_user_model

from grids import generations
from grids.models import Area, Assignment, Generation, GridKind, Role
from tests.conftest import DEMO_PASSWORD, committed_city

CITY = "990161"  # none of the other drawn cities' codes
ORIGIN = (114.8, 33.1)  # away from every other drawn city: the map draws the grids around
COMMUNITY = f"{CITY}001001"
OTHER_COMMUNITY = f"{CITY}001002"
ADMIN = f"{CITY}_admin"
DESKTOP = {"width": 1366, "height": 900}

# A point of the map (lat, lng) as the pixel of the page where it is drawn.
PIXEL_OF = """([lat, lng]) => {
    const point = window.draftMap.latLngToContainerPoint([lat, lng]);
    const box = window.draftMap.getContainer().getBoundingClientRect();
    return [box.left + point.x, box.top + point.y];
}"""


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """Grids 001 002 003 (south row, west to east) and 004 005 006 (north row) in each community; an
    administrator, and a grid worker of the first grid, whose assignment the activation moves."""

    def add_people(city):
        city.users = {"admin": get_user_model().objects.create_superuser(ADMIN, password=DEMO_PASSWORD)}
        city.serve(city.person("网格员甲"), Role.GRID_WORKER, city[f"{COMMUNITY}001"])

    with committed_city(
        django_db_blocker, add_people, code=CITY, origin=ORIGIN, streets=1, towns=0, communities=2, grids=(2, 3)
    ) as drawn:
        yield drawn


def log_in(offline_page, served_app, then):
    screen = offline_page(viewport=DESKTOP)
    page = screen.page
    page.goto(f"{served_app}/admin/login/?next={then}")
    page.fill("input[name=username]", ADMIN)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    return screen


def click_at(page, lon, lat):
    x, y = page.evaluate(PIXEL_OF, [lat, lon])
    page.mouse.click(x, y)
    page.wait_for_timeout(120)  # Leaflet.draw takes no new point within 50 ms of the last


def finish_drawing(page):
    page.locator("ul.leaflet-draw-actions:visible li:first-child a").click()


def wait_for_edit(page, before):
    """The version shown beside the map once the edit posted at version `before` is written."""
    page.wait_for_function(
        "(v) => document.getElementById('draft-version').textContent !== String(v)"
        " || !document.getElementById('draft-map-error').hidden",
        arg=before,
    )
    error = page.locator("#draft-map-error")
    assert error.is_hidden(), error.inner_text()
    # The labels of the grids replaced fade out (Leaflet removes them after 200 ms).
    page.wait_for_function(
        "() => document.querySelectorAll('.leaflet-tooltip.grid').length"
        " === document.querySelectorAll('#draft-grids input').length"
    )
    return int(page.locator("#draft-version").inner_text())


def current_draft():
    return Generation.objects.get(district__code=CITY, status=Generation.Status.DRAFT)


def split_by_drawing_a_line(page, grid):
    x0, y0, x1, y1 = grid.geom.extent
    middle = (x0 + x1) / 2
    page.click("a.leaflet-draw-draw-polyline")
    click_at(page, middle, y0 - 0.0008)  # south of the district, outside every grid
    click_at(page, middle, y1 - 0.0002)  # a little short of the northern border would not cut it…
    click_at(page, middle, y1 + 0.0008)  # …so the line ends in the grid north of it
    finish_drawing(page)


@pytest.mark.django_db
def test_an_administrator_splits_merges_and_carves_on_the_admin_map_then_checks_dry_runs_and_activates(
    served_app, offline_page, city
):
    # The draft is started from the generations' page and opened on the admin map of a community.
    screen = log_in(offline_page, served_app, "/redivision/")
    page = screen.page
    page.fill(f"section[data-district='{CITY}'] input[name=name]", "2026年网格调整")
    with page.expect_navigation():
        page.click(f"section[data-district='{CITY}'] form.start-draft button")
    draft = current_draft()
    assert page.url.endswith(f"/redivision/{draft.id}/")
    page.select_option("#edit select[name=community]", COMMUNITY)
    with page.expect_navigation():
        page.click("#edit form[method=get] button")
    page.wait_for_selector(".draft-label.grid")
    # The community's six grids, and its neighbour's six greyed, read-only, labelled.
    assert page.locator("#draft-grids input[type=checkbox]").count() == 6
    neighbours = page.locator(".leaflet-tooltip.neighbour").all_inner_texts()
    assert sorted(t.split("\n")[1] for t in neighbours) == [f"{OTHER_COMMUNITY}{n:03d}" for n in range(1, 7)]

    # Split: a line drawn across grid 001 from the south to inside 004.
    version = int(page.locator("#draft-version").inner_text())
    split_by_drawing_a_line(page, city[f"{COMMUNITY}001"])
    version = wait_for_edit(page, version)
    draft = current_draft()
    assert sorted(draft.retires.values_list("code", flat=True)) == [f"{COMMUNITY}001"]
    halves = list(draft.grids.order_by("code"))
    assert [g.code for g in halves] == [f"{COMMUNITY}007", f"{COMMUNITY}008"]
    # Drawn to the pixel, the line cuts the grid about in half: its 100 households are divided by ground.
    assert sum(g.households for g in halves) == 100 and all(45 <= g.households <= 55 for g in halves)

    # Merge: 002 ticked on the map, 003 in the list, with a name.
    label = page.locator(".leaflet-tooltip.grid", has_text=f"{COMMUNITY}002").bounding_box()
    page.mouse.click(label["x"] + label["width"] / 2, label["y"] + label["height"] / 2)
    assert page.locator(f"#draft-grids input[value='{COMMUNITY}002']").is_checked()
    page.check(f"#draft-grids input[value='{COMMUNITY}003']")
    page.fill("#draft-name", "东南网格")
    page.click("#draft-merge")
    version = wait_for_edit(page, version)
    merged = current_draft().grids.get(code=f"{COMMUNITY}009")
    assert merged.name == "东南网格" and merged.households == 200 and merged.how == "merge"

    # Carve: a market drawn inside grid 005 becomes a dedicated grid.
    x0, y0, x1, y1 = city[f"{COMMUNITY}005"].geom.extent
    w, h = x1 - x0, y1 - y0
    page.click("a.leaflet-draw-draw-polygon")
    for fx, fy in ((0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7)):
        click_at(page, x0 + fx * w, y0 + fy * h)
    finish_drawing(page)
    page.fill("#draft-name", "农贸市场")
    page.select_option("#draft-kind", GridKind.MARKET)
    page.click("#draft-carve-new")
    wait_for_edit(page, version)
    market = current_draft().grids.get(name="农贸市场")
    assert market.kind == GridKind.MARKET and market.how == "carve"
    assert market.geom.area == pytest.approx(0.16 * w * h, rel=0.05)  # drawn to the pixel
    assert (
        page.locator("#draft-grids input[type=checkbox]").count() == 7
    )  # 004 006, 007 008, 009, 005 less the market, the market
    screen.screenshot("redivision_admin_draft_map_desktop.png")

    # On the generation's page: the check is clean, the dry run lists the moves, the activation runs.
    with page.expect_navigation():
        page.click("#draft-editor a[href^='/redivision/']")
    with page.expect_navigation():
        page.click("#check")
    assert page.locator("#check-result .ok").is_visible()
    with page.expect_navigation():
        page.click("#dry-run")
    assert "网格员甲" in page.locator("#moves table.moves").inner_text()
    page.check("#activate input[name=confirm]")
    with page.expect_navigation():
        page.click("#activate button")
    assert page.locator("p.message.success").is_visible(), page.locator("main").inner_text()
    draft = Generation.objects.get(pk=draft.pk)
    assert draft.status == Generation.Status.ACTIVE
    assert not Area.objects.filter(code__in=[f"{COMMUNITY}{n:03d}" for n in (1, 2, 3, 5)]).exists()
    assert Assignment.objects.get(person__name="网格员甲", ends_on__isnull=True).area.code in (
        f"{COMMUNITY}007",
        f"{COMMUNITY}008",
    )

    # Old and new on the map as two layers with a toggle, the old→new table, and the moves.
    assert page.locator("path.grid-retired").count() == 4
    assert page.locator("path.grid-added").count() == 5
    assert page.locator("path.grid-around").count() > 0
    page.locator(".leaflet-control-layers-overlays label", has_text="旧网格").locator("input").uncheck()
    assert page.locator("path.grid-retired").count() == 0 and page.locator("path.grid-added").count() == 5
    table = page.locator("#successions table").inner_text()
    assert f"{COMMUNITY}001" in table and f"{COMMUNITY}007" in table and f"{COMMUNITY}009" in table
    assert "网格员甲" in page.locator("#moves table.moves").inner_text()
    screen.screenshot("redivision_generation_desktop.png")
    assert screen.blocked == [] and screen.console_errors == []


def test_an_edit_made_on_a_stale_version_is_refused_beside_the_map(served_app, offline_page, city, django_db_blocker):
    # Not in a test transaction: the served app must see the draft and the change made behind it.
    with django_db_blocker.unblock():
        draft = generations.start_draft(CITY)
    screen = log_in(offline_page, served_app, f"/admin/grids/generation/{draft.id}/map/?community={OTHER_COMMUNITY}")
    page = screen.page
    page.wait_for_selector(".draft-label.grid")
    # The page keeps the version it read; another administrator's change makes it stale.
    with django_db_blocker.unblock():
        Generation.objects.filter(pk=draft.pk).update(version=draft.version + 1)
    page.check(f"#draft-grids input[value='{OTHER_COMMUNITY}001']")
    page.check(f"#draft-grids input[value='{OTHER_COMMUNITY}002']")
    page.click("#draft-merge")
    error = page.locator("#draft-map-error")
    error.wait_for(state="visible")
    assert "草稿在读取后已被修改" in error.inner_text()
    with django_db_blocker.unblock():
        assert not Generation.objects.get(pk=draft.pk).grids.exists(), "nothing is written"
        generations.discard(draft.pk)
    # The browser logs the refused request itself; nothing else went wrong.
    assert screen.blocked == [] and [e for e in screen.console_errors if "409" not in e] == []


def test_an_area_drawn_and_given_to_the_ticked_grid_moves_the_shared_border(
    served_app, offline_page, city, django_db_blocker
):
    with django_db_blocker.unblock():
        draft = generations.start_draft(CITY)
    screen = log_in(offline_page, served_app, f"/admin/grids/generation/{draft.id}/map/?community={OTHER_COMMUNITY}")
    page = screen.page
    page.wait_for_selector(".draft-label.grid")
    # The north row of the community, on the district's northern edge: 005 and 006 east of it.
    west, east = city[f"{OTHER_COMMUNITY}005"], city[f"{OTHER_COMMUNITY}006"]
    # Most of the east grid's western third, drawn from inside the west grid to beyond the district's
    # edge (what lies outside the community is left out), given to the west grid.
    x0, y0, x1, y1 = east.geom.extent
    third, tenth = (x1 - x0) / 3, (y1 - y0) / 10
    page.click("a.leaflet-draw-draw-polygon")
    for x, y in ((x0 - third / 4, y0 + tenth), (x0 + third, y0 + tenth), (x0 + third, y1 + 0.0005),
                 (x0 - third / 4, y1 + 0.0005)):  # fmt: skip
        click_at(page, x, y)
    finish_drawing(page)
    page.check(f"#draft-grids input[value='{west.code}']")
    page.click("#draft-carve-into")
    wait_for_edit(page, draft.version)
    with django_db_blocker.unblock():
        made = {grid.name: grid for grid in Generation.objects.get(pk=draft.pk).grids.all()}
        assert set(made) == {west.name, east.name}, "each keeps its name, under a new code"
        assert made[west.name].geom.area == pytest.approx(west.geom.area * (1 + 0.9 / 3), rel=0.02)
        assert made[east.name].households + made[west.name].households == 200
        assert generations.check(draft.pk) == []
        generations.discard(draft.pk)
    assert screen.blocked == [] and screen.console_errors == []
