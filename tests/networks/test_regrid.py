"""A re-division of the grids and another network's cells: a cell placed in a retired grid is then
placed in the new grid holding most of the cell (not of the old grid)."""

import pytest
from django.contrib.gis.geos import LineString

from grids import generations
from grids.models import Area
from networks.importing import import_layer
from networks.mapping import place, set_mapping
from networks.reading import read_cells
from tests.conftest import DRAWN_CELL, DRAWN_DISTRICT, DRAWN_ORIGIN

from .conftest import CUT, GRID_10

X0, Y0 = DRAWN_ORIGIN


@pytest.fixture
def layer(staffed_city, gcj02_file):
    source = read_cells(gcj02_file, srs="gcj02", code_field="cell_no", name_field="cell_name")
    return import_layer(source, DRAWN_DISTRICT, "党建网格", "party_building", commit=True).layer


def test_a_cell_in_a_split_grid_goes_to_the_piece_holding_most_of_the_cell(layer, staffed_city):
    set_mapping(layer, CUT[0], staffed_city.users["admin"], grid=GRID_10)
    # the cut leaves 40 % of the grid to the west and 60 % to the east; the cell lies 4/5 west of it
    x = X0 + 1.4 * DRAWN_CELL
    draft = generations.start_draft(DRAWN_DISTRICT)
    line = LineString((x, Y0 - 0.001), (x, Y0 + DRAWN_CELL + 0.001), srid=4326)
    generations.split(draft.id, GRID_10, line)
    plan = generations.activate(draft.id)
    west = min(Area.objects.filter(code__in=plan.added), key=lambda a: a.geom.extent[0])
    assert place(layer, CUT[0]).grid == west
    assert ("network_cell", west.code) in {(m.kind, m.new) for m in plan.moves}
