"""The generation's page on a 360 px phone and on a desktop, in Chinese and in English: the map of
the old and the new grids with its layer toggle, the old→new table and the moves, with nothing to
scroll sideways and nothing fetched from outside the server. A leader reads it; a grid worker is
refused.

The city is one street of one community of 1 × 2 grids, its west grid split by a generation that
is activated when the module starts (committed for the served app, erased when it ends)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import LineString

from grids import generations
from grids.models import Role
from tests.conftest import DEMO_PASSWORD, committed_city

CITY = "990162"  # none of the other drawn cities' codes
ORIGIN = (114.9, 33.1)  # away from every other drawn city: the map draws the grids around


@pytest.fixture(scope="module")
def activated(django_db_setup, django_db_blocker):
    """(the city, its activated generation)."""

    def add_people(city):
        city.users = {"admin": get_user_model().objects.create_superuser(f"{CITY}_admin", password=DEMO_PASSWORD)}
        community = city.communities[0]
        grid = city.grids_of(community)[0]
        city.serve(city.person("网格员乙"), Role.GRID_WORKER, grid)
        city.users["leader"] = city.account(f"{CITY}_leader", "领导乙", Role.LEADER, city.district, DEMO_PASSWORD)
        city.users["grid_worker"] = city.account(f"{CITY}_worker", "网格员丙", Role.GRID_WORKER, grid, DEMO_PASSWORD)
        x0, y0, x1, y1 = grid.geom.extent
        line = LineString(((x0 + x1) / 2, y0 - 0.001), ((x0 + x1) / 2, y1 + 0.001), srid=4326)
        draft = generations.start_draft(CITY, name="拆分西网格")
        generations.split(draft.id, grid.code, line)
        generations.activate(draft.id, user=city.users["admin"])
        city.generation = draft

    with committed_city(
        django_db_blocker, add_people, code=CITY, origin=ORIGIN, streets=1, towns=0, communities=1, grids=(1, 2)
    ) as city:
        yield city, city.generation


@pytest.mark.parametrize("screen_name", ["phone", "desktop"])
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_leader_reads_the_generation_on_a_phone_and_a_desktop_in_both_languages(
    served_app, screen, activated, screen_name, locale
):
    city, generation = activated
    shown = screen(screen_name, locale=locale)
    shown.log_in(served_app, f"{CITY}_leader", f"/accounts/login/?next=/redivision/{generation.id}/")
    page = shown.page
    page.wait_for_selector("path.grid-added")
    assert page.locator("path.grid-retired").count() == 1
    assert page.locator("path.grid-added").count() == 2
    overlays = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    words = ["旧网格（撤销）", "新网格（新增）"] if locale == "zh-CN" else ["old grids (retired)", "new grids (added)"]
    assert all(any(word in label for label in overlays) for word in words)
    rows = page.locator("#successions tbody tr")
    assert rows.count() == 2 and "50 %" in rows.first.inner_text()
    assert "网格员乙" in page.locator("#moves table.moves").inner_text()
    assert page.locator("#activate").count() == 0, "a leader reads, only an administrator acts"
    assert shown.overflow("main") == 0
    shown.shoot(f"redivision_generation_{locale}")
    assert shown.blocked == [] and shown.console_errors == []


def test_a_grid_worker_is_refused_the_generation_page(served_app, screen, activated):
    city, generation = activated
    shown = screen("phone")
    page = shown.page
    page.goto(f"{served_app}/accounts/login/?next=/redivision/")
    page.fill("input[name=username]", f"{CITY}_worker")
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/redivision/")) as answer:
        page.click("main.login button[type=submit]")
    assert answer.value.status == 403
