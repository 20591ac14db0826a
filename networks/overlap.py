"""How a layer's cells overlap the unified grids, in one set-based PostGIS statement.

Each cell is cut by every grid of the layer's district it touches (the current grids, or those
valid on `as_of`); each piece is measured in m², as a share of the cell and of the grid. A cell
CUTS ACROSS grids when more than one grid holds more than the tolerance of it
(settings.NETWORK_CUT_TOLERANCE_M2); the part of a cell that no grid holds is its outside part.

Areas are measured as the topology checks measure them (grids.validation._m2: planar degrees²
scaled by the metres per degree at the piece's latitude): the unified grids are a planar tiling in
lon/lat, so a piece along a shared border measures zero there, where a geodesic area would give a
sliver of straight-edge error a size. Pieces smaller than GRID_TOLERANCE_M2 are such slivers and
are left out of the report.
"""

import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from grids.models import valid_on_sql
from grids.validation import _m2

DEFAULT_CUT_TOLERANCE_M2 = 500.0


def cut_tolerance_m2():
    """settings.NETWORK_CUT_TOLERANCE_M2 (m², default 500: a border drawn about a metre off along
    a 500 m street is not a cell that cuts across grids)."""
    return float(getattr(settings, "NETWORK_CUT_TOLERANCE_M2", DEFAULT_CUT_TOLERANCE_M2))


def _statement(as_of):
    current = valid_on_sql("a", "%(as_of)s") if as_of else valid_on_sql("a")
    return f"""
    WITH cells AS (
        SELECT c.id, c.code, c.name, c.geom, {_m2("c.geom")} AS cell_m2
        FROM networks_networkcell c
        WHERE c.layer_id = %(layer)s AND (%(cell)s::text IS NULL OR c.code = %(cell)s::text)
    ), pieces AS (
        SELECT c.id AS cell_id, a.code, a.name, a.geom AS grid,
               ST_CollectionExtract(ST_Intersection(c.geom, a.geom), 3) AS g
        FROM cells c JOIN grids_area a
          ON a.level = 'grid' AND {current} AND a.code LIKE %(district)s
             AND a.geom && c.geom AND ST_Intersects(c.geom, a.geom)
    ), measured AS MATERIALIZED (
        SELECT cell_id, code, name, g, COALESCE({_m2("g")}, 0) AS m2, {_m2("grid")} AS grid_m2 FROM pieces
    ), per_cell AS (
        SELECT cell_id, ST_Union(g) AS covered,
               json_agg(json_build_object('grid', code, 'name', name, 'm2', m2, 'grid_m2', grid_m2)
                        ORDER BY m2 DESC, code) FILTER (WHERE m2 >= %(sliver)s) AS grids
        FROM measured GROUP BY cell_id
    ), outside AS MATERIALIZED (
        SELECT c.code, c.name, c.cell_m2, COALESCE(p.grids, '[]') AS grids,
               CASE WHEN p.covered IS NULL THEN c.geom ELSE ST_Difference(c.geom, p.covered) END AS o
        FROM cells c LEFT JOIN per_cell p ON p.cell_id = c.id
    )
    SELECT code, name, cell_m2, COALESCE({_m2("o")}, 0), grids FROM outside ORDER BY code
    """


@dataclass
class Piece:
    grid: str
    name: str
    m2: float
    share: float  # of the cell
    grid_m2: float
    share_of_grid: float


@dataclass
class CellOverlap:
    code: str
    name: str
    m2: float
    outside_m2: float
    grids: list  # Piece, largest first
    cuts_across: bool = False

    @property
    def default_grid(self):
        """The grid holding most of the cell: what accepting the defaults places it in."""
        return self.grids[0].grid if self.grids else None

    @property
    def outside_share(self):
        return round(self.outside_m2 / self.m2, 4) if self.m2 else 0.0


@dataclass
class Overlap:
    tolerance_m2: float
    as_of: object
    cells: list = field(default_factory=list)

    @property
    def cutting(self):
        return [c for c in self.cells if c.cuts_across]

    def outside(self):
        return [c for c in self.cells if c.outside_m2 >= self.tolerance_m2]

    def by_grid(self):
        """The reverse: {grid code: (name, grid m², [(cell, Piece)] largest share of the grid first)}."""
        grids = {}
        for cell in self.cells:
            for piece in cell.grids:
                grids.setdefault(piece.grid, (piece.name, piece.grid_m2, []))[2].append((cell, piece))
        for _name, _grid_m2, covering in grids.values():
            covering.sort(key=lambda pair: (-pair[1].share_of_grid, pair[0].code))
        return dict(sorted(grids.items()))


def overlap_of(layer, as_of=None, tolerance_m2=None, cell=None):
    """The Overlap of a layer's cells (or of one `cell` code) with its district's grids."""
    tolerance = cut_tolerance_m2() if tolerance_m2 is None else float(tolerance_m2)
    params = {
        "layer": layer.pk,
        "cell": cell,
        "district": layer.district.code + "%",
        "as_of": as_of,
        "sliver": settings.GRID_TOLERANCE_M2,
    }
    report = Overlap(tolerance, as_of)
    with connection.cursor() as cursor:
        cursor.execute(_statement(as_of), params)
        for code, name, cell_m2, outside_m2, grids in cursor.fetchall():
            report.cells.append(_cell(code, name, cell_m2, outside_m2, grids, tolerance))
    return report


def _cell(code, name, cell_m2, outside_m2, grids, tolerance):
    grids = json.loads(grids) if isinstance(grids, str) else grids
    pieces = [
        Piece(
            grid=g["grid"],
            name=g["name"],
            m2=round(g["m2"], 1),
            share=round(g["m2"] / cell_m2, 4) if cell_m2 else 0.0,
            grid_m2=round(g["grid_m2"], 1),
            share_of_grid=round(g["m2"] / g["grid_m2"], 4) if g["grid_m2"] else 0.0,
        )
        for g in grids
    ]
    holding = sum(1 for p in pieces if p.m2 > tolerance)
    return CellOverlap(code, name, round(cell_m2, 1), round(outside_m2, 1), pieces, cuts_across=holding > 1)
