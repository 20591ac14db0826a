import json
import math

import numpy as np
import pytest
import shapely
from django.core.management import CommandError, call_command
from django.db import connection

from demo.city import DEMO_BOUNDARY as BOUNDARY
from demo.city import CityPlan, build_city
from govgrid.lib import coords
from grids import coverage_table
from grids.coverage import Thresholds
from grids.importing import read_source
from grids.models import Area, Person


def m2(sql_geometry):
    """SQL for a planar area in m² near Dengzhou's latitude (as grids.validation measures)."""
    return f"ST_Area({sql_geometry}) * 111412.84 * cos(radians(32.7)) * 110860"


def scalar(sql, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or None)
        return cursor.fetchone()[0]


@pytest.fixture(scope="module")
def district_geom():
    return read_source(BOUNDARY, srs="gcj02")[0].geom


def test_the_demo_has_514_grids_in_46_communities_in_5_streets(db):
    demo = Area.objects.within("411381")
    assert demo.grids().count() == 514
    assert demo.filter(level="community").count() == 46
    assert demo.filter(level="street", code__regex=r"^4113810").count() == 5
    assert set(demo.grids().values_list("parent__level", flat=True)) == {"community"}
    assert demo.filter(level="community", children__isnull=True).count() == 0


def test_the_grids_union_is_the_urban_area_with_no_overlap(db):
    grids = "(SELECT ST_Union(geom) FROM grids_area WHERE level = 'grid' AND code LIKE '411381%')"
    # The urban area as the district less its towns: independent of the streets, which are unions of grids.
    towns = "(SELECT ST_Union(geom) FROM grids_area WHERE level = 'street' AND code ~ '^4113811')"
    urban = f"ST_Difference((SELECT geom FROM grids_area WHERE code = '411381'), {towns})"
    assert scalar(f"SELECT {m2(f'ST_SymDifference({grids}, {urban})')}") < 1.0
    total = scalar(f"SELECT sum({m2('geom')}) FROM grids_area WHERE level = 'grid' AND code LIKE '411381%'")
    assert total - scalar(f"SELECT {m2(grids)}") < 1.0  # overlaps would count twice in the sum
    assert 40e6 < total < 80e6  # a county town of 40–80 km²


@pytest.mark.parametrize("child_level", ["grid", "community"])
def test_every_area_lies_inside_its_parent(db, child_level):
    outside = scalar(
        f"SELECT max({m2('ST_Difference(c.geom, p.geom)')}) FROM grids_area c JOIN grids_area p ON c.parent_id = p.id "
        "WHERE c.level = %s AND c.code LIKE '411381%%'",
        child_level,
    )
    assert outside < 1.0


def test_the_grids_are_irregular_and_mixed(db):
    grids = list(Area.objects.within("411381").grids())
    sizes = np.array([g.geom.area for g in grids])
    assert sizes.std() / sizes.mean() > 0.25  # not a lattice of equal cells
    assert len({len(g.geom.coords[0][0]) for g in grids}) > 4  # cells with many different vertex counts
    kinds = {g.kind for g in grids}
    assert "basic" in kinds and len(kinds - {"basic"}) >= 4
    basic = [g for g in grids if g.kind == "basic"]
    assert all(200 <= g.households <= 600 and g.population > g.households for g in basic)


def test_the_district_boundary_was_shifted_from_gcj02_exactly_once(db):
    raw = json.loads(BOUNDARY.read_text())["features"][0]["geometry"]["coordinates"][0][0]
    raw = np.array(raw)
    stored = np.array(Area.objects.get(code="411381").geom.coords[0][0])
    expected = np.column_stack(coords.gcj02_to_wgs84(raw[:, 0], raw[:, 1]))
    assert np.abs(stored - expected).max() < 1e-9
    kx = 111_320 * math.cos(math.radians(32.7))
    shift = np.hypot((raw[:, 0] - stored[:, 0]) * kx, (raw[:, 1] - stored[:, 1]) * 110_860)
    # Once: about 600 m. Not at all would be 0 m; twice would be about 1,200 m.
    assert 450 < shift.mean() < 750


def test_the_same_seed_gives_the_same_city(district_geom):
    first = build_city("411381", district_geom, CityPlan(seed=5))
    again = build_city("411381", district_geom, CityPlan(seed=5))
    other = build_city("411381", district_geom, CityPlan(seed=6))
    assert [(r.code, r.name, r.geom.wkb) for r in first] == [(r.code, r.name, r.geom.wkb) for r in again]
    assert [r.geom.wkb for r in first] != [r.geom.wkb for r in other]


def test_a_larger_city_is_built_the_same_way(district_geom):
    records = build_city("411381", district_geom, CityPlan(grids=3000))
    grids = [r.geom for r in records if len(r.code) == 15]
    communities = [r for r in records if len(r.code) == 12]
    assert len(grids) == 3000
    assert len(communities) == round(3000 / (514 / 46))
    union = shapely.union_all(grids)
    assert sum(g.area for g in grids) == pytest.approx(union.area, rel=1e-9)


def test_load_demo_does_nothing_once_loaded_with_if_empty(db, capsys):
    call_command("load_demo", "--if-empty")
    out = capsys.readouterr().out
    assert "already" in out or "已" in out
    assert Area.objects.within("411381").grids().count() == 514


def test_load_demo_refuses_to_load_twice(db):
    with pytest.raises(CommandError):
        call_command("load_demo")


def test_load_demo_replace_builds_a_new_city_of_the_asked_size_and_leaves_nobody_of_the_old_one(db):
    last_of_the_old_city = Person.objects.order_by("-id").first().id
    call_command("load_demo", "--replace", "--grids", "600", "--seed", "9", "--history", "0")
    assert Area.objects.within("411381").grids().count() == 600
    assert not Person.objects.filter(id__lte=last_of_the_old_city).exists()


def test_load_demo_leaves_the_coverage_table_judged_for_today_on_the_new_city(db):
    call_command("load_demo", "--replace", "--grids", "600", "--seed", "9", "--history", "0")
    assert coverage_table.is_current(Thresholds.from_settings())
    assert scalar("SELECT count(*) FROM grids_gridcoverage") == 600
