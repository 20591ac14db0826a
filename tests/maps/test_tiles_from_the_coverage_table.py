"""Grid tiles read their coverage statuses from the maintained coverage table (grids.coverage_table)
when it holds today's results, and are then byte for byte the tiles the live rules make, before and
after a change the table's triggers follow; in a staffed drawn city (tests/conftest.py)."""

import pytest
from django.utils import timezone

from grids import coverage_table
from grids.coverage import Thresholds
from grids.models import Assignment, Role
from tests.grids.test_coverage import staff_completely
from tests.maps.test_tiles import centre_tile, city, get_tile, grid_in_middle  # noqa: F401 - city: a fixture

pytestmark = pytest.mark.django_db


def tiles(client, city):  # noqa: F811
    """The grid tiles over the middle of the city, detailed (zoom 15) and overview (zoom 12)."""
    return [get_tile(client, "grids", *centre_tile(city, z)).content for z in (15, 12)]


def live_and_from_the_table(client, city):  # noqa: F811
    coverage_table.suspend()
    live = tiles(client, city)
    coverage_table.rebuild()
    assert coverage_table.is_current(Thresholds.from_settings())
    return live, tiles(client, city)


def test_a_tile_from_the_coverage_table_is_the_live_rules_tile_before_and_after_a_change(city):  # noqa: F811
    middle = grid_in_middle(city, 15)
    staff_completely(city, middle)  # full; its station's neighbours partial
    client = city.client("leader")
    live, from_table = live_and_from_the_table(client, city)
    assert from_table == live and all(live)

    # the grid worker leaves: the table's triggers judge the grid again in the same transaction
    Assignment.objects.active().filter(area=middle, role=Role.GRID_WORKER).update(ends_on=timezone.localdate())
    changed = tiles(client, city)
    coverage_table.suspend()
    assert changed == tiles(client, city) and changed != from_table
