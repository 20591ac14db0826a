import pytest
from django.contrib.gis.geos import Point

from grids.models import Area
from tests.conftest import X0, Y0, D

WEST, EAST = "990001001001001", "990001001001002"


def test_a_point_inside_a_grid_returns_the_grid_and_its_chain(tiny_city):
    chain = Area.objects.chain_at(Point(X0 + D / 8, Y0 + D / 8, srid=4326))
    assert [a.code for a in chain] == [WEST, "990001001001", "990001001", "990001"]


def test_a_point_on_the_shared_edge_of_two_grids_always_gets_the_lower_code(tiny_city):
    on_edge = Point(X0 + D / 4, Y0 + D / 8, srid=4326)
    assert {Area.objects.grid_at(on_edge).code for _ in range(5)} == {WEST}


def test_a_point_on_the_outer_border_of_a_grid_still_matches(tiny_city):
    assert Area.objects.grid_at(Point(X0, Y0 + D / 8, srid=4326)).code == WEST


def test_a_point_on_a_corner_shared_with_the_east_grid_gets_the_lower_code(tiny_city):
    assert Area.objects.grid_at(Point(X0 + D / 4, Y0, srid=4326)).code == WEST


def test_a_point_in_an_area_without_grids_has_no_chain(tiny_city):
    # The north community has no grids: the point is inside the district but in no grid.
    assert Area.objects.chain_at(Point(X0 + D / 8, Y0 + 3 * D / 4, srid=4326)) == []


def test_the_nearest_grid_is_measured_in_metres(tiny_city):
    # 0.001° north of the tiny grids' northern edge, above the east grid: about 111 m.
    point = Point(X0 + 3 * D / 8, Y0 + D / 2 + 0.001, srid=4326)
    nearest = Area.objects.within("990001").nearest_grid(point)
    assert nearest.code == EAST
    assert nearest.distance_m == pytest.approx(110.9, abs=1.0)


def test_the_lower_code_wins_whatever_order_the_grids_were_made_in(db):
    from tests.conftest import square

    district = Area.objects.create(code="990003", name="乙", level="district", geom=square(X0, Y0, X0 + D, Y0 + D))
    street = Area.objects.create(code="990003001", name="乙街道", level="street", parent=district, geom=district.geom)
    community = Area.objects.create(
        code="990003001001", name="乙社区", level="community", parent=street, geom=district.geom
    )
    # The higher code is made first, so it has the lower row id.
    for code, box in (
        ("990003001001002", (X0 + D / 2, Y0, X0 + D, Y0 + D)),
        ("990003001001001", (X0, Y0, X0 + D / 2, Y0 + D)),
    ):
        Area.objects.create(code=code, name=code, level="grid", kind="basic", parent=community, geom=square(*box))
    on_edge = Point(X0 + D / 2, Y0 + D / 3, srid=4326)
    assert Area.objects.grid_at(on_edge).code == "990003001001001"


def test_the_intake_lookup_gives_the_chain_and_prefers_the_reporters_grid_on_an_edge(tiny_city):
    inside = Area.objects.grid_with_chain_at(Point(X0 + D / 8, Y0 + D / 8, srid=4326))
    assert [(a.code, a.level) for a in inside.chain()] == [
        (WEST, "grid"),
        ("990001001001", "community"),
        ("990001001", "street"),
        ("990001", "district"),
    ]
    assert inside.chain()[1].name == Area.objects.get(code="990001001001").name
    on_edge = Point(X0 + D / 4, Y0 + D / 8, srid=4326)
    assert Area.objects.grid_with_chain_at(on_edge).code == WEST
    assert Area.objects.grid_with_chain_at(on_edge, prefer=(EAST,)).code == EAST
    assert Area.objects.grid_with_chain_at(on_edge, prefer=("990002",)).code == WEST  # not a grid here
    assert Area.objects.grid_with_chain_at(Point(X0 + D / 8, Y0 + 3 * D / 4, srid=4326)) is None


def test_chain_names_place_each_area_by_its_code_and_leave_out_missing_ones():
    from grids.models import Area

    chain_names = Area.objects.sql.chain_names

    full = chain_names("990003001001013", "网格", ["990003", "990003001", "990003001001"], ["市", "街道", "社区"])
    assert full == {
        "grid": {"code": "990003001001013", "name": "网格"},
        "district": {"code": "990003", "name": "市"},
        "street": {"code": "990003001", "name": "街道"},
        "community": {"code": "990003001001", "name": "社区"},
    }
    partial = chain_names("990003001001013", "网格", ["990003", "990003001001"], ["市", "社区"])
    assert "street" not in partial and partial["community"]["name"] == "社区"
    assert chain_names("990003001001013", "网格", None, None) == {"grid": {"code": "990003001001013", "name": "网格"}}
