"""Another network's cells drawn over the drawn city (tests/conftest.py: DRAWN_ORIGIN, cells of
DRAWN_CELL degrees; the first community's two grids side by side in row 0, the second community's
above them in row 1, the second street's grids in columns 2 and 3):

    row 1 │ [OUT ]…001002001│…001002002│…002002001│ …
    row 0 │ …001001001 [ CUT  ]…001001002 │ [IN ]…002001001 │ …
            column 0        column 1        column 2

- CUT   (A-01): half a cell left, half a cell right of the border of grids …001001001 and …001001002;
- IN    (A-02): a small square well inside grid …002001001;
- OUT   (A-03): half outside the district to the west, half in grid …001002001.

Files are written with GDAL (ogr2ogr) in GCJ-02 (GeoJSON) and in CGCS2000 / 3-degree Gauss-Krüger
CM 114E (EPSG:4547, a GeoPackage and a Shapefile), as other networks hand them over."""

import json
import subprocess

import numpy as np
import pytest
from pyproj import Geod

from govgrid.lib import coords
from tests.conftest import DRAWN_CELL, DRAWN_DISTRICT, DRAWN_ORIGIN

X0, Y0 = DRAWN_ORIGIN
C = DRAWN_CELL
GRID_00 = f"{DRAWN_DISTRICT}001001001"  # column 0, row 0
GRID_10 = f"{DRAWN_DISTRICT}001001002"  # column 1, row 0
GRID_01 = f"{DRAWN_DISTRICT}001002001"  # column 0, row 1
GRID_20 = f"{DRAWN_DISTRICT}002001001"  # column 2, row 0

CUT = ("A-01", "党建一格", (X0 + C / 2, Y0, X0 + 3 * C / 2, Y0 + C))
IN = ("A-02", "党建二格", (X0 + 2.25 * C, Y0 + 0.25 * C, X0 + 2.75 * C, Y0 + 0.75 * C))
OUT = ("A-03", "党建三格", (X0 - C / 2, Y0 + C, X0 + C / 2, Y0 + 2 * C))
CELLS = (CUT, IN, OUT)


def geodesic_m2(x0, y0, x1, y1):
    """A lon/lat box's area on the WGS84 ellipsoid, measured apart from PostGIS."""
    area, _perimeter = Geod(ellps="WGS84").polygon_area_perimeter([x0, x1, x1, x0], [y0, y0, y1, y1])
    return abs(area)


def ring(x0, y0, x1, y1):
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def features(cells=CELLS, shift=None):
    made = []
    for code, name, box in cells:
        xy = np.array(ring(*box))
        if shift:
            xy = np.column_stack(shift(xy[:, 0], xy[:, 1]))
        made.append({
            "type": "Feature",
            "properties": {"cell_no": code, "cell_name": name, "owner": "区委组织部", "households": 120},
            "geometry": {"type": "Polygon", "coordinates": [xy.tolist()]},
        })  # fmt: skip
    return made


def write_geojson(path, feature_list):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feature_list}, ensure_ascii=False))
    return path


def ogr2ogr(*args):
    subprocess.run(["ogr2ogr", *map(str, args)], check=True, capture_output=True)


@pytest.fixture
def gcj02_file(tmp_path):
    """The cells as an AMap-drawn GeoJSON: GCJ-02 numbers in a file that says WGS84."""
    return write_geojson(tmp_path / "party-gcj02.geojson", features(shift=coords.wgs84_to_gcj02))


@pytest.fixture
def projected_file(tmp_path):
    """The cells as a GeoPackage in EPSG:4547, converted by ogr2ogr from WGS84."""
    wgs84 = write_geojson(tmp_path / "party.geojson", features())
    ogr2ogr("-f", "GPKG", "-t_srs", "EPSG:4547", "-nln", "cells", tmp_path / "party-4547.gpkg", wgs84)
    return tmp_path / "party-4547.gpkg"
