"""The density map at a province's size reads what it used to compute on each request, and must give
the same answers: the grids' neighbours kept by the database (maps_gridneighbour) are those whose
boundaries intersect, however grids are drawn, moved, retired or deleted; the heat map's cells are
ST_SnapToGrid's; a case of a retired grid still counts in today's grid covering its place. In drawn
cities of square grids (tests/conftest.py)."""

import random
from datetime import date, timedelta

import pytest
from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection
from django.utils import timezone

from grids.models import Area
from maps.queries import density, density_incident_ids, heat_points
from tests.conftest import draw_city
from tests.incidents.test_escalate_overdue import make_case


def kept_neighbours():
    with connection.cursor() as cursor:
        cursor.execute("SELECT grid_id, neighbour_id FROM maps_gridneighbour")
        return set(cursor.fetchall())


def neighbours_by_geometry():
    """The rule itself, on today's grids: both ways, each grid with itself."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT a.id, b.id FROM grids_area a
               JOIN grids_area b ON ST_Intersects(a.geom, b.geom)
               WHERE a.level = 'grid' AND a.valid_to IS NULL AND b.level = 'grid' AND b.valid_to IS NULL"""
        )
        return set(cursor.fetchall())


def square(x0, y0, x1, y1):
    return MultiPolygon(Polygon.from_bbox((x0, y0, x1, y1)), srid=4326)


@pytest.fixture
def city(db):
    """Two streets of two communities of 3 × 3 square grids."""
    return draw_city(streets=2, towns=0, communities=2, grids=(3, 3))


def test_the_kept_neighbours_of_a_drawn_city_are_the_grids_that_touch(city):
    kept = kept_neighbours()
    assert kept == neighbours_by_geometry()
    corner = city.grids[0]
    assert (corner.pk, corner.pk) in kept and sum(1 for a, _b in kept if a == corner.pk) >= 4  # itself and 3 more


def test_the_neighbours_follow_a_moved_a_retired_a_new_and_a_deleted_grid(city):
    first, second, third = city.grids[0], city.grids[1], city.grids[4]
    # Moved: the first grid shrinks to a quarter of itself, off some of its old neighbours.
    x0, y0, x1, y1 = first.geom.extent
    Area.objects.filter(pk=first.pk).update(geom=square(x0, y0, (x0 + x1) / 2, (y0 + y1) / 2))
    assert kept_neighbours() == neighbours_by_geometry()
    # Retired by a re-division, and a new grid drawn in its place.
    Area.objects.filter(pk=second.pk).update(valid_to=date.today())
    assert not any(second.pk in pair for pair in kept_neighbours())
    Area.objects.create(
        code=second.code[:12] + "901",
        name="新网格",
        level="grid",
        kind=second.kind,
        parent_id=second.parent_id,
        geom=second.geom,
    )
    assert kept_neighbours() == neighbours_by_geometry()
    # Deleted.
    Area.objects.filter(pk=third.pk).delete()
    assert kept_neighbours() == neighbours_by_geometry()


def test_the_heat_maps_cells_are_st_snaptogrids(city):
    rng = random.Random(22)
    cases = []
    for grid in city.grids[:9]:
        x0, y0, x1, y1 = grid.geom.extent
        for _ in range(15):
            case = make_case(grid, 24)
            case.location.x, case.location.y = rng.uniform(x0, x1), rng.uniform(y0, y1)
            type(case).objects.filter(pk=case.pk).update(location=case.location)
            cases.append(case.pk)
    until = timezone.now() + timedelta(hours=1)
    since = until - timedelta(days=2)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT round(ST_Y(cell)::numeric, 5), round(ST_X(cell)::numeric, 5), count(*)
               FROM (SELECT ST_SnapToGrid(location, 0.0005) AS cell FROM incidents_incident WHERE id = ANY(%s)) s
               GROUP BY cell""",
            [cases],
        )
        by_postgis = {(float(lat), float(lon), n) for lat, lon, n in cursor.fetchall()}
    heat = {tuple(point) for point in heat_points([city.code], since, until, cell=0.0005)}
    assert heat == by_postgis and sum(n for _lat, _lon, n in heat) == len(cases)


def test_a_case_of_a_retired_grid_counts_in_todays_grid_covering_its_place(city):
    old = city.grids[0]
    case = make_case(old, 24)
    Area.objects.filter(pk=old.pk).update(valid_to=date.today())
    new = Area.objects.create(
        code=old.code[:12] + "901", name="新网格", level="grid", kind=old.kind, parent_id=old.parent_id, geom=old.geom
    )
    other = make_case(city.grids[1], 24)  # in a grid of today, counted where it was reported
    until = timezone.now() + timedelta(hours=1)
    since = until - timedelta(days=2)
    counts = {row["code"]: row["cases"] for row in density([city.code], since, until)["grids"]}
    assert counts[new.code] == 1 and counts[city.grids[1].code] == 1 and old.code not in counts
    assert sum(counts.values()) == 2
    assert density_incident_ids(new.code, since, until) == [case.pk]
    assert density_incident_ids(city.grids[1].code, since, until) == [other.pk]
    assert sum(n for _lat, _lon, n in heat_points([city.code], since, until)) == 2


def test_the_heat_maps_cells_widen_with_the_view_and_stay_50_m_for_a_city():
    from maps.density_page import HEAT_CELL, heat_cell

    city = (112.04, 32.65, 112.13, 32.72)  # the demo city's grids, 0.09° wide
    province_district = (111.65, 32.37, 112.35, 32.99)  # 50,000 grids, 0.7° wide
    assert heat_cell(city) == HEAT_CELL == 0.0005
    assert heat_cell(province_district) == 0.0035  # 200 cells across its width


def test_the_heat_map_gathers_cases_at_their_grids_where_its_cells_are_as_wide_as_grids():
    from maps.density_page import gathers_at_grids, heat_cell

    city = (112.04, 32.65, 112.13, 32.72)  # the demo's grids: median 0.092 km² (about 300 m), 50 m cells
    province_district = (111.65, 32.37, 112.35, 32.99)  # 50,000 grids: median 0.043 km² (207 m), 0.0035°
    assert not gathers_at_grids(city, heat_cell(city), 0.092)
    assert gathers_at_grids(province_district, heat_cell(province_district), 0.043)  # cells of 328 m
    assert not gathers_at_grids(province_district, heat_cell(province_district), 0.2)  # grids of 447 m
    assert not gathers_at_grids(province_district, heat_cell(province_district), None)  # no grid


@pytest.fixture
def scattered(city):
    """Cases scattered over four grids of the drawn city (2, 0, 5 and 1 of them), received today."""
    rng = random.Random(7)
    for grid, n in zip(city.grids[:4], (2, 0, 5, 1), strict=True):
        x0, y0, x1, y1 = grid.geom.extent
        for _ in range(n):
            case = make_case(grid, 24)
            case.location.x, case.location.y = rng.uniform(x0, x1), rng.uniform(y0, y1)
            type(case).objects.filter(pk=case.pk).update(location=case.location)
    until = timezone.now() + timedelta(hours=1)
    return until - timedelta(days=2), until


def test_gathered_at_its_grids_the_heat_map_holds_each_grids_count_at_a_point_of_the_grid(city, scattered):
    counts = {row["code"]: row["cases"] for row in density([city.code], *scattered)["grids"] if row["cases"]}
    # in cells of about a metre, each grid's count at a point of the grid (to the cell)
    heat = density([city.code], *scattered, heat_cell=0.00001)["heat"]
    assert sorted(n for _lat, _lon, n in heat) == sorted(counts.values()) == [1, 2, 5]
    for lat, lon, n in heat:
        [code] = [c for c, count in counts.items() if count == n]
        assert Area.objects.get(code=code).geom.buffer(0.00001).covers(Point(lon, lat, srid=4326))
    # in cells wider than the city, one point with every case
    assert [n for _lat, _lon, n in density([city.code], *scattered, heat_cell=0.1)["heat"]] == [8]
    assert density([city.code], *scattered)["heat"] is None  # no cells unless asked


def test_the_cases_gathered_at_their_grids_points_fall_in_the_cells_of_those_points(city, scattered):
    """Both heat maps gather by one rule: moved to their grids' points, the cases' own heat map is
    the grids' heat map, whatever the cell."""

    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE incidents_incident i SET location = ST_PointOnSurface(g.geom)
               FROM grids_area g WHERE g.id = i.grid_id AND g.code LIKE %s""",
            [f"{city.code}%"],
        )
    for cell in (0.00001, 0.0005, 0.0029, 0.1):
        cases = sorted(map(tuple, heat_points([city.code], *scattered, cell=cell)))
        assert cases == sorted(map(tuple, density([city.code], *scattered, heat_cell=cell)["heat"])), cell


def test_the_density_page_gathers_its_heat_at_grids_only_when_its_cells_are_as_wide_as_grids(
    city, scattered, monkeypatch
):
    from maps import density_page

    city.staff()
    client = city.client("leader")
    period = {"since": f"{timezone.localdate() - timedelta(days=2)}", "until": f"{timezone.localdate()}"}
    page = client.get("/maps/density/", period)
    fine = page.context["page_config"]["heat"]
    assert "网格内的一点" not in page.content.decode()
    cells = heat_points([city.code], *scattered, cell=0.0005)  # the cases' own 50 m cells, in grids of 400 m
    assert sorted(n for _lat, _lon, n in fine) == sorted(n for _lat, _lon, n in cells) != [1, 2, 5]
    monkeypatch.setattr(density_page, "HEAT_CELLS_ACROSS", 2)  # cells half the city wide: wider than grids
    page = client.get("/maps/density/", period)
    gathered = page.context["page_config"]["heat"]
    grids = Area.objects.grids().filter(code__startswith=city.code)
    wide = density_page.heat_cell(grids.aggregate(box=Extent("geom"))["box"])  # half the city's width
    expected = density([city.code], *scattered, heat_cell=wide)["heat"]
    assert sorted(n for _lat, _lon, n in gathered) == sorted(n for _lat, _lon, n in expected) != [1, 2, 5]
    assert "热力图把每个网格的案件汇聚在网格内的一点" in page.content.decode()  # the page says so


def test_counting_by_grid_first_gives_the_counts_and_hot_spots_of_joining_each_case_to_its_grid(city):
    """The density map counts today's grids' cases by grid first for a view of most of the
    database's grids and joins each case to its grid otherwise (maps.queries.FIRST_SHARE): on a
    seeded random history of cases in every grid, one grid retired for a successor drawn over it,
    both ways give the same rows for every view, category and period."""
    from incidents.models import Category, Incident

    rng = random.Random(22)
    items = list(Category.objects.filter(parent__isnull=False, active=True).order_by("code")[:6])
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    for _ in range(150):
        case = make_case(rng.choice(city.grids), 24)
        received = start + (timezone.now() - start) * rng.random()
        Incident.objects.filter(pk=case.pk).update(received_at=received, category=rng.choice(items))
    old = city.grids[0]
    Area.objects.filter(pk=old.pk).update(valid_to=date.today())
    Area.objects.create(
        code=old.code[:12] + "901", name="新网格", level="grid", kind=old.kind, parent_id=old.parent_id, geom=old.geom
    )
    middle = start + (timezone.now() - start) / 2
    until = timezone.now() + timedelta(hours=1)
    street, community = city.grids[-1].code[:9], city.grids[0].code[:12]
    views = [[city.code], [street], [community], [city.grids[5].code], [street, community]]
    categories = ["", items[0].code, items[0].parent.code]
    counted = 0
    for view in views:
        for category in categories:
            for since, till in ((start, until), (middle, until), (start, middle)):
                joined = density(view, since, till, category, count_first=False)
                assert density(view, since, till, category, count_first=True) == joined, (view, category)
                counted += joined["total"]
    assert counted > 150  # the views and periods held cases, counted more than once
    whole = density([city.code], start, until)["grids"]
    assert sum(row["cases"] for row in whole) == 150 and any(row["gi_z"] for row in whole)
    assert all(type(row["cases"]) is int for row in whole)  # a count, as the page writes it into JSON
