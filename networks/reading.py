"""Reading another network's file: every feature of one layer as a cell in WGS84, with the file's
other fields kept as JSON. The coordinate systems (any EPSG code, the file's own definition, GCJ-02
and BD-09) are decided by grids.importing, the same way as for the unified grid's own boundaries;
only what a cell is differs (any code, any name, the other fields kept)."""

import datetime
import decimal
from dataclasses import dataclass, field

import shapely
from django.contrib.gis.gdal import DataSource, GDALException
from django.utils.translation import gettext as _

from govgrid.lib.errors import GovgridError
from grids import importing


class NetworkRefused(GovgridError):
    """A file, a field or a value that cannot be imported: 400 naming the field, with every problem."""

    status = 400
    code = "network_refused"

    def __init__(self, message, field, problems=None):
        super().__init__(message, field=field, problems=[str(p) for p in problems] if problems else None)


@dataclass
class SourceCell:
    label: str  # "feature 3 (A-17)", for messages
    code: str
    name: str
    geom: object  # shapely (Multi)Polygon in WGS84
    properties: dict = field(default_factory=dict)


@dataclass
class SourceLayer:
    source_name: str
    srs: str  # the coordinate system as read: "EPSG:4547", "gcj02", or the file's own name for it
    cells: list


def read_cells(path, code_field="code", name_field=None, srs=None, layer=None, source_name=None):
    """The cells of one layer of a GIS file; NetworkRefused naming file, layer, srs, code_field or
    name_field for what is wrong, with every bad feature named at once. With no name_field the
    names come from a field called "name" when the file has one."""
    lyr = _open_layer(path, layer)
    code_field = code_field or "code"
    try:
        to_wgs84, datum = importing._source_crs(lyr, srs)
    except importing.ImportRefused as refused:
        raise NetworkRefused(refused.problems[0], field="srs") from None
    if len(lyr) == 0:
        raise NetworkRefused(_("The layer has no features."), field="file")
    for role, wanted in (("code_field", code_field), ("name_field", name_field)):
        if wanted and wanted not in lyr.fields:
            raise NetworkRefused(
                _("The source has no field %(field)s (fields: %(have)s).")
                % {"field": wanted, "have": ", ".join(lyr.fields)},
                field=role,
            )
    if not name_field and "name" in lyr.fields:
        name_field = "name"
    cells, problems = [], []
    for number, feature in enumerate(lyr, start=1):
        cell, problem = _cell(number, feature, lyr.fields, code_field, name_field, to_wgs84, datum)
        if problem:
            problems.append(problem)
        else:
            cells.append(cell)
    problems += _duplicate_codes(cells) + [p for c in cells for p in importing._geometry_problems(c)]
    if problems:
        raise NetworkRefused(
            _("The file was refused: %(n)d problem(s).") % {"n": len(problems)}, field="file", problems=problems
        )
    return SourceLayer(source_name or str(path).rsplit("/", 1)[-1], _srs_label(lyr, srs), cells)


def _open_layer(path, layer):
    try:
        source = DataSource(str(path))
    except (GDALException, OSError) as exc:
        raise NetworkRefused(
            _("Cannot read the file as GeoJSON, GeoPackage or Shapefile: %(error)s") % {"error": exc}, field="file"
        ) from None
    try:
        return source[layer if layer not in (None, "") else 0]
    except (GDALException, IndexError, KeyError):
        names = ", ".join(lyr.name for lyr in source)
        raise NetworkRefused(
            _("The file has no layer %(layer)s (layers: %(names)s).") % {"layer": layer, "names": names}, field="layer"
        ) from None


def _cell(number, feature, fields, code_field, name_field, to_wgs84, datum):
    """(SourceCell, None) or (None, the problem with this feature)."""
    code = importing._as_code(feature.get(code_field))
    label = _("feature %(n)d (%(code)s)") % {"n": number, "code": code or "?"}
    if not code:
        return None, _("%(label)s has no code in the field %(field)s.") % {"label": label, "field": code_field}
    try:
        ogr = feature.geom
    except GDALException:  # a null geometry
        ogr = None
    if ogr is None or ogr.empty:
        return None, _("%(label)s has no geometry.") % {"label": label}
    if to_wgs84 is not None:
        ogr.transform(to_wgs84)
    geom = shapely.force_2d(shapely.from_wkb(bytes(ogr.wkb)))
    if datum is not None:
        geom = shapely.transform(geom, importing._datum_shift(datum))
    name = str(feature.get(name_field) or "").strip() if name_field else ""
    others = {f: _as_json(feature.get(f)) for f in fields if f not in (code_field, name_field)}
    return SourceCell(label, code, name[:200], geom, others), None


def _duplicate_codes(cells):
    seen, problems = {}, []
    for cell in cells:
        if cell.code in seen:
            problems.append(
                _("%(label)s: the code %(code)s is already used by %(other)s.")
                % {"label": cell.label, "code": cell.code, "other": seen[cell.code]}
            )
        seen.setdefault(cell.code, cell.label)
    return problems


def _as_json(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _srs_label(lyr, srs):
    if srs is not None:
        crs = importing.parse_srs(srs)
        return crs if isinstance(crs, str) else f"EPSG:{crs}"
    declared = importing._declared_epsg(lyr)
    return f"EPSG:{declared}" if declared else (lyr.srs.name if lyr.srs is not None else "")
