"""The overlap report over the drawn city: the cell cut by a border is named with its two grids and
their shares in m² (checked against the drawn squares measured on the ellipsoid by pyproj), the
cell inside one grid is not, the cell half outside the district has its outside part, the reverse
lists each grid's covering cells, and `as_of` compares with the grids of that day."""

import datetime

import pytest

from networks.importing import import_layer
from networks.overlap import overlap_of
from networks.reading import read_cells
from tests.conftest import DRAWN_DISTRICT

from .conftest import CUT, GRID_00, GRID_01, GRID_10, GRID_20, IN, OUT, X0, Y0, C, geodesic_m2


@pytest.fixture
def layer(drawn_city, gcj02_file):
    source = read_cells(gcj02_file, srs="gcj02", code_field="cell_no", name_field="cell_name")
    return import_layer(source, DRAWN_DISTRICT, "党建网格", "party_building", commit=True).layer


def by_code(report):
    return {c.code: c for c in report.cells}


def test_a_cell_cut_by_a_border_is_named_with_both_grids_and_their_m2(layer):
    report = overlap_of(layer)
    cut = by_code(report)[CUT[0]]
    half = geodesic_m2(X0 + C / 2, Y0, X0 + C, Y0 + C)  # about 187.8 m × 443.6 m
    assert [c.code for c in report.cutting] == [CUT[0]] and cut.cuts_across
    assert {p.grid for p in cut.grids} == {GRID_00, GRID_10}
    for piece in cut.grids:
        assert piece.m2 == pytest.approx(half, rel=1e-3)
        assert piece.share == pytest.approx(0.5, abs=1e-3)
        assert piece.share_of_grid == pytest.approx(0.5, abs=1e-3)
    assert cut.m2 == pytest.approx(2 * half, rel=1e-3) and cut.outside_m2 < 1


def test_a_cell_inside_one_grid_does_not_cut_across(layer):
    inside = by_code(overlap_of(layer))[IN[0]]
    assert not inside.cuts_across and [p.grid for p in inside.grids] == [GRID_20]
    assert inside.grids[0].share == pytest.approx(1.0, abs=1e-4)
    assert inside.grids[0].share_of_grid == pytest.approx(0.25, abs=1e-3)  # a quarter of the grid's square
    assert inside.default_grid == GRID_20


def test_the_part_of_a_cell_outside_every_grid_is_measured(layer):
    report = overlap_of(layer)
    out = by_code(report)[OUT[0]]
    assert [c.code for c in report.outside()] == [OUT[0]] and not out.cuts_across
    assert out.outside_m2 == pytest.approx(geodesic_m2(X0 - C / 2, Y0 + C, X0, Y0 + 2 * C), rel=1e-3)
    assert out.outside_share == pytest.approx(0.5, abs=1e-3) and out.default_grid == GRID_01


def test_the_reverse_lists_each_grid_with_the_cells_covering_it(layer):
    grids = overlap_of(layer).by_grid()
    assert list(grids) == sorted([GRID_00, GRID_10, GRID_01, GRID_20])
    _name, _m2, covering = grids[GRID_10]
    assert [(cell.code, round(piece.share_of_grid, 2)) for cell, piece in covering] == [(CUT[0], 0.5)]


def test_a_larger_tolerance_no_longer_flags_the_cut_cell(layer):
    half = geodesic_m2(X0 + C / 2, Y0, X0 + C, Y0 + C)
    assert overlap_of(layer, tolerance_m2=half * 1.01).cutting == []


def test_as_of_a_day_before_the_grids_were_drawn_finds_no_grid(layer, drawn_city):
    from grids.models import Area

    Area.every.filter(code__startswith=DRAWN_DISTRICT).update(valid_from=datetime.date(2026, 1, 1))
    before = overlap_of(layer, as_of=datetime.date(2025, 12, 31))
    assert all(c.grids == [] for c in before.cells) and len(before.outside()) == 3
    assert len(overlap_of(layer, as_of=datetime.date(2026, 1, 2)).cutting) == 1
