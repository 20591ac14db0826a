"""Accepting a layer's mapping and placing cells and figures by it: the defaults put each cell in
the grid holding most of it, an administrator may set one cell's grid or split it by shares, a cell
nobody accepted is not placed, and figures per cell become figures per grid."""

import pytest

from govgrid.lib.errors import Unprocessable
from grids.scopes import Forbidden
from networks.importing import import_layer
from networks.mapping import accept_defaults, figures_by_grid, place, set_mapping
from networks.reading import read_cells
from tests.conftest import DRAWN_DISTRICT

from .conftest import CUT, GRID_00, GRID_01, GRID_10, GRID_20, IN, OUT


@pytest.fixture
def layer(staffed_city, gcj02_file):
    source = read_cells(gcj02_file, srs="gcj02", code_field="cell_no", name_field="cell_name")
    return import_layer(source, DRAWN_DISTRICT, "党建网格", "party_building", commit=True).layer


def test_a_cell_is_not_placed_before_an_administrator_accepts_it(layer):
    with pytest.raises(Unprocessable) as refused:
        place(layer, IN[0])
    assert refused.value.field == "cell"


def test_accepting_the_defaults_places_each_cell_in_the_grid_holding_most_of_it(layer, staffed_city):
    accepted, unplaced = accept_defaults(layer, staffed_city.users["admin"])
    assert (accepted, unplaced) == (3, [])
    assert place(layer, IN[0]).grid.code == GRID_20
    assert place(layer, OUT[0]).grid.code == GRID_01
    assert place(layer, CUT[0]).grid.code in (GRID_00, GRID_10)  # two equal halves: either is the default


def test_an_administrator_sets_one_cells_grid_and_the_defaults_leave_it_alone(layer, staffed_city):
    admin = staffed_city.users["admin"]
    set_mapping(layer, CUT[0], admin, grid=GRID_10)
    assert accept_defaults(layer, admin) == (2, [])
    assert place(layer, CUT[0]).grid.code == GRID_10


def test_only_an_administrator_accepts_a_mapping(layer, staffed_city):
    with pytest.raises(Forbidden):
        accept_defaults(layer, staffed_city.users["street_dispatcher"])
    with pytest.raises(Forbidden):
        set_mapping(layer, CUT[0], staffed_city.users["leader"], grid=GRID_10)


def test_a_grid_outside_the_layers_district_is_refused(layer, staffed_city):
    from govgrid.lib.errors import GovgridError

    with pytest.raises(GovgridError) as refused:
        set_mapping(layer, CUT[0], staffed_city.users["admin"], grid="411381001001001")
    assert refused.value.field == "grid"


def test_a_split_cell_is_placed_by_its_shares(layer, staffed_city):
    set_mapping(layer, CUT[0], staffed_city.users["admin"], split=True)
    placed = place(layer, CUT[0])
    assert placed.grid is None
    assert dict(placed.shares) == pytest.approx({GRID_00: 0.5, GRID_10: 0.5}, abs=1e-3)


def test_figures_per_cell_become_figures_per_grid_by_the_mapping(layer, staffed_city):
    admin = staffed_city.users["admin"]
    accept_defaults(layer, admin)
    set_mapping(layer, CUT[0], admin, split=True)
    totals, outside = figures_by_grid(layer, {CUT[0]: 10, IN[0]: 4, OUT[0]: 6})
    assert {g: float(v) for g, v in totals.items()} == pytest.approx(
        {GRID_00: 5, GRID_10: 5, GRID_20: 4, GRID_01: 6}, abs=0.01
    )
    assert outside == 0


def test_figures_by_shares_leave_the_outside_part_outside(layer):
    totals, outside = figures_by_grid(layer, {OUT[0]: 10}, by="shares")
    assert float(totals[GRID_01]) == pytest.approx(5, abs=0.01) and float(outside) == pytest.approx(5, abs=0.01)


def test_figures_of_unaccepted_or_unknown_cells_are_refused(layer):
    with pytest.raises(Unprocessable) as refused:
        figures_by_grid(layer, {IN[0]: 1})
    assert refused.value.extra["cells"] == [IN[0]]
    from govgrid.lib.errors import GovgridError

    with pytest.raises(GovgridError) as unknown:
        figures_by_grid(layer, {"Z-99": 1}, by="shares")
    assert unknown.value.field == "figures" and "Z-99" in str(unknown.value.message)
    with pytest.raises(GovgridError, match="A-02"):
        figures_by_grid(layer, {IN[0]: "many"}, by="shares")
