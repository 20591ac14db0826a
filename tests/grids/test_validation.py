import json

import pytest
from django.core.management import call_command
from django.db import connection

from grids.models import Area
from grids.validation import validate_area
from tests.conftest import X0, Y0, D, square

WEST, EAST = "990001001001001", "990001001001002"


def kinds(problems):
    return sorted((p.kind, p.codes) for p in problems)


def test_the_tiny_city_has_no_problem(tiny_city):
    # The east street and the north community have no children: leaves have no gap to check.
    assert validate_area("990001") == []


def test_a_grid_that_shrinks_leaves_a_gap_in_its_community(tiny_city):
    Area.objects.filter(code=EAST).update(geom=square(X0 + D / 4, Y0, X0 + 0.009, Y0 + D / 2))
    [gap] = validate_area("990001")
    assert (gap.kind, gap.codes) == ("gap", ("990001001001",))
    # The strip 0.001° wide (about 94 m) by 0.01° tall (about 1,109 m).
    assert gap.area_m2 == pytest.approx(94 * 1109, rel=0.02)
    assert X0 + 0.009 < gap.lon < X0 + D / 2


def test_siblings_that_overlap_are_reported_with_both_codes_and_the_shared_size(tiny_city):
    Area.objects.filter(code=WEST).update(geom=square(X0, Y0, X0 + D / 4 + 0.001, Y0 + D / 2))
    assert kinds(validate_area("990001")) == [("overlap", (WEST, EAST))]
    [overlap] = validate_area("990001")
    assert overlap.area_m2 == pytest.approx(94 * 1109, rel=0.02)


def test_a_child_reaching_outside_its_parent_is_reported(tiny_city):
    # The west grid grows 0.001° west, beyond its community, its street and the district.
    Area.objects.filter(code=WEST).update(geom=square(X0 - 0.001, Y0, X0 + D / 4, Y0 + D / 2))
    found = kinds(validate_area("990001"))
    assert ("outside", ("990001001001", WEST)) in found


def test_an_invalid_boundary_is_reported_with_the_reason_and_place(tiny_city):
    bowtie = "MULTIPOLYGON(((112 32.7, 112.005 32.71, 112.005 32.7, 112 32.71, 112 32.7)))"
    with connection.cursor() as cursor:
        cursor.execute("UPDATE grids_area SET geom = ST_GeomFromText(%s, 4326) WHERE code = %s", [bowtie, WEST])
    invalid = [p for p in validate_area("990001") if p.kind == "invalid"]
    assert [p.codes for p in invalid] == [(WEST,)]
    assert invalid[0].detail.startswith("自相交")  # self-intersection, in the default language
    assert (invalid[0].lon, invalid[0].lat) == pytest.approx((112.0025, 32.705))


def test_an_invalid_child_is_not_also_reported_as_a_gap_in_its_parent(tiny_city):
    bowtie = "MULTIPOLYGON(((112 32.7, 112.005 32.71, 112.005 32.7, 112 32.71, 112 32.7)))"
    with connection.cursor() as cursor:
        cursor.execute("UPDATE grids_area SET geom = ST_GeomFromText(%s, 4326) WHERE code = %s", [bowtie, WEST])
    assert [p.kind for p in validate_area("990001")] == ["invalid"]


def test_gaps_below_the_tolerance_are_not_reported(tiny_city):
    Area.objects.filter(code=EAST).update(geom=square(X0 + D / 4, Y0, X0 + 0.009, Y0 + D / 2))
    assert validate_area("990001", tolerance_m2=200_000) == []
    assert len(validate_area("990001", tolerance_m2=1)) == 1


def test_validating_a_community_looks_only_inside_it(tiny_city):
    Area.objects.filter(code="990001002").update(geom=square(X0 + D / 2 - 0.001, Y0, X0 + D, Y0 + D))
    assert validate_area("990001001001") == []
    assert kinds(validate_area("990001")) == [("overlap", ("990001001", "990001002"))]


def test_the_command_exits_with_one_and_names_each_problem(tiny_city, capsys):
    Area.objects.filter(code=WEST).update(geom=square(X0, Y0, X0 + D / 4 + 0.001, Y0 + D / 2))
    with pytest.raises(SystemExit) as exit_:
        call_command("validate_grids", "990001")
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert WEST in out and EAST in out and "重叠" in out


def test_the_command_succeeds_on_a_clean_area_and_reports_no_problem(tiny_city, capsys):
    call_command("validate_grids", "990001", "--json")  # raises SystemExit(1) on any problem
    assert capsys.readouterr().out == ""


def test_the_command_prints_each_problem_as_json_lines(tiny_city, capsys):
    Area.objects.filter(code=WEST).update(geom=square(X0, Y0, X0 + D / 4 + 0.001, Y0 + D / 2))
    with pytest.raises(SystemExit):
        call_command("validate_grids", "990001", "--json")
    [line] = capsys.readouterr().out.splitlines()
    problem = json.loads(line)
    assert problem["kind"] == "overlap" and problem["codes"] == [WEST, EAST] and problem["area_m2"] > 100_000


def test_the_demo_city_has_no_problem(db):
    assert validate_area("411381") == []
