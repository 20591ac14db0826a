"""Boundary import: read a GIS file, check everything, then write all of it or nothing.

`read_source` turns a GeoJSON, GeoPackage or Shapefile (anything GDAL reads) into SourceArea
records in WGS84; `import_areas` checks the records, writes them inside one transaction, runs the
topology checks of grids.validation on what changed, and keeps the transaction only when nothing is
wrong and `commit` is true. The management command, the demo loader and the admin all come here.
"""

from dataclasses import dataclass, field

import numpy as np
import shapely
from django.contrib.gis.gdal import CoordTransform, DataSource, GDALException, SpatialReference
from django.contrib.gis.gdal.error import SRSException
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib import coords
from govgrid.lib.errors import GovgridError

from .models import CODE_LENGTH, Area, GridKind, Level, level_for_code, parent_code
from .validation import explain_invalid, lock_boundaries, validate_area

# Names accepted for --srs besides EPSG codes. CGCS2000 (EPSG:4490) is WGS84 at the metre level.
NAMED_CRS = {"wgs84": 4326, "cgcs2000": 4490, "gcj02": "gcj02", "bd09": "bd09"}
DATUMS = ("gcj02", "bd09")  # converted by govgrid.lib.coords, not by GDAL


class ImportRefused(GovgridError):
    status = 400
    code = "import_refused"

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(_("The import was refused: %(n)d problem(s).") % {"n": len(self.problems)})

    def as_dict(self):
        return super().as_dict() | {"problems": [str(p) for p in self.problems]}

    def as_text(self):
        return "\n".join([str(self.message), *map(str, self.problems)])


@dataclass
class FieldMap:
    """Which source field holds what. Level and parent default to what the code says."""

    code: str = "code"
    name: str = "name"
    parent: str | None = None
    level: str | None = None
    kind: str | None = None
    households: str | None = None
    population: str | None = None


@dataclass
class SourceArea:
    label: str  # how to name this feature in a message: "feature 3 (411381001)"
    code: str
    name: str
    geom: object  # shapely (Multi)Polygon in WGS84
    level: str | None = None
    parent: str | None = None
    kind: str = ""
    households: int | None = None
    population: int | None = None
    # Which of kind/households/population the source maps: a re-import leaves the others alone.
    provided: frozenset = frozenset({"kind", "households", "population"})


@dataclass
class ImportReport:
    committed: bool
    created: dict = field(default_factory=dict)  # level -> count
    updated: dict = field(default_factory=dict)
    checked: list = field(default_factory=list)  # codes whose subtrees were validated

    @property
    def total(self):
        return sum(self.created.values()) + sum(self.updated.values())


def parse_srs(value):
    """--srs value → 4326-style EPSG int, or 'gcj02' / 'bd09'. Raises ImportRefused when unknown."""
    text = str(value).strip().lower()
    if text in NAMED_CRS:
        return NAMED_CRS[text]
    number = text.removeprefix("epsg:")
    if number.isdigit():
        try:
            SpatialReference(int(number))
        except (GDALException, ValueError):
            pass
        else:
            return int(number)
    raise ImportRefused(
        [_("Unknown coordinate reference system %(srs)r: give an EPSG code, gcj02 or bd09.") % {"srs": value}]
    )


def read_source(path, fields=None, srs=None, layer=None):
    """Read every feature of a GIS file into SourceArea records in WGS84 (2D)."""
    fields = fields or FieldMap()
    try:
        source = DataSource(str(path))
        lyr = source[layer if layer is not None else 0]
    except (GDALException, IndexError, KeyError) as exc:
        raise ImportRefused([_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}]) from None

    to_wgs84, datum = _source_crs(lyr, srs)
    wanted = {name: getattr(fields, name) for name in FieldMap.__dataclass_fields__}
    missing = [f"{role} ← {src}" for role, src in wanted.items() if src and src not in lyr.fields]
    if missing:
        have = ", ".join(lyr.fields)
        raise ImportRefused(
            [_("The source has no field %(field)s (fields: %(have)s).") % {"field": m, "have": have} for m in missing]
        )
    provided = frozenset(role for role in ("kind", "households", "population") if wanted[role])

    records, problems = [], []
    for number, feature in enumerate(lyr, start=1):
        values = {role: (feature.get(src) if src else None) for role, src in wanted.items()}
        code = _as_code(values["code"])
        label = _("feature %(n)d (%(code)s)") % {"n": number, "code": code or "?"}
        try:
            ogr = feature.geom
        except GDALException:  # a null geometry
            ogr = None
        if ogr is None or ogr.empty:
            problems.append(_("%(label)s has no geometry.") % {"label": label})
            continue
        if to_wgs84 is not None:
            ogr.transform(to_wgs84)
        geom = shapely.force_2d(shapely.from_wkb(bytes(ogr.wkb)))
        if datum is not None:
            geom = shapely.transform(geom, _datum_shift(datum))
        records.append(
            SourceArea(
                label=label,
                code=code,
                name=str(values["name"] or "").strip(),
                geom=geom,
                level=str(values["level"]).strip() if values["level"] else None,
                parent=_as_code(values["parent"]) if values["parent"] else None,
                kind=str(values["kind"] or "").strip(),
                households=_as_int(values["households"]),
                population=_as_int(values["population"]),
                provided=provided,
            )
        )
    if problems:
        raise ImportRefused(problems)
    return records


# A file that says it is WGS84 (every GeoJSON does) may really hold GCJ-02 or BD-09 numbers; those
# --srs values, and the geographic systems equal to WGS84, may override it. Any other disagreement
# between the file and --srs is refused rather than guessed.
_GEOGRAPHIC = {4326, 4490}


def _source_crs(lyr, srs):
    """(transform to WGS84 or None, 'gcj02'/'bd09' or None) for a layer and an optional --srs."""
    declared = _declared_epsg(lyr)
    if srs is None:
        if lyr.srs is None:
            raise ImportRefused([_("The source does not say its coordinate reference system: give --srs.")])
        if declared in _GEOGRAPHIC:
            return None, None
        # Use the file's own definition even when it matches no EPSG code (custom WKT, ESRI .prj).
        return _transform_from(lyr.srs), None
    crs = parse_srs(srs)
    if declared is not None and declared != crs and not (declared in _GEOGRAPHIC and crs in (*_GEOGRAPHIC, *DATUMS)):
        raise ImportRefused(
            [
                _("The source says its coordinates are EPSG:%(declared)s, but --srs says %(srs)s.")
                % {"declared": declared, "srs": srs}
            ]
        )
    if crs in DATUMS:
        return None, crs
    return (None if crs in _GEOGRAPHIC else _transform_from(SpatialReference(crs))), None


def _declared_epsg(lyr):
    if lyr.srs is None:
        return None
    try:
        lyr.srs.identify_epsg()
    except (GDALException, SRSException):  # a definition that matches no EPSG code
        return None
    return int(lyr.srs.srid) if lyr.srs.srid else None


def _transform_from(srs):
    try:
        return CoordTransform(srs, SpatialReference(4326))
    except GDALException:
        raise ImportRefused(
            [_("Unknown coordinate reference system in the source (%(wkt)s): give --srs.") % {"wkt": srs.name}]
        ) from None


def _datum_shift(crs):
    def shift(xy):
        lon, lat = coords.to_wgs84(xy[:, 0], xy[:, 1], crs)
        return np.column_stack([lon, lat])

    return shift


def _as_code(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _as_int(value):
    """Whole numbers (also 12.0 or "12") as int; anything else is returned as it is for
    check_records to name."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def check_records(records):
    """Every problem that can be seen without the database's topology checks, feature by feature."""
    problems = []
    seen = {}
    known = set(
        Area.objects.filter(code__in={parent_code(r.code) for r in records if r.code}).values_list("code", flat=True)
    )
    in_file = {r.code for r in records}
    for r in records:
        level = level_for_code(r.code)
        if level is None:
            problems.append(
                _("%(label)s: the code %(code)r is not 6, 9, 12 or 15 digits.") % {"label": r.label, "code": r.code}
            )
            continue
        if r.code in seen:
            problems.append(
                _("%(label)s: the code %(code)s is already used by %(other)s.")
                % {"label": r.label, "code": r.code, "other": seen[r.code]}
            )
        seen[r.code] = r.label
        if r.level and r.level != level:
            problems.append(
                _("%(label)s: level %(given)s does not match its code, which is a %(level)s code.")
                % {"label": r.label, "given": r.level, "level": level}
            )
        want_parent = parent_code(r.code)
        if r.parent and r.parent != want_parent:
            problems.append(
                _("%(label)s: parent %(given)s does not match its code; the parent must be %(want)s.")
                % {"label": r.label, "given": r.parent, "want": want_parent}
            )
        if want_parent and want_parent not in in_file and want_parent not in known:
            problems.append(
                _("%(label)s: its parent area %(parent)s is neither in the file nor in the database.")
                % {"label": r.label, "parent": want_parent}
            )
        if not r.name:
            problems.append(_("%(label)s: the name is empty.") % {"label": r.label})
        problems.extend(_geometry_problems(r))
        if level == Level.GRID:
            if r.kind and r.kind not in GridKind.values:
                problems.append(
                    _("%(label)s: unknown grid kind %(kind)r (one of %(kinds)s).")
                    % {"label": r.label, "kind": r.kind, "kinds": ", ".join(GridKind.values)}
                )
        elif r.kind:
            problems.append(_("%(label)s: only grids have a kind.") % {"label": r.label})
        for name in ("households", "population"):
            value = getattr(r, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                problems.append(
                    _("%(label)s: %(field)s must be a whole number ≥ 0, not %(value)r.")
                    % {"label": r.label, "field": name, "value": value}
                )
    return problems


def _geometry_problems(r):
    g = r.geom
    if g.geom_type not in ("Polygon", "MultiPolygon"):
        return [
            _("%(label)s: the geometry is a %(type)s; areas are polygons.") % {"label": r.label, "type": g.geom_type}
        ]
    if g.is_empty:
        return [_("%(label)s: the geometry is empty.") % {"label": r.label}]
    west, south, east, north = g.bounds
    if west < -180 or east > 180 or south < -90 or north > 90:
        return [
            _("%(label)s: coordinates out of longitude/latitude range (%(bounds)s); is --srs right?")
            % {"label": r.label, "bounds": ", ".join(f"{v:.6g}" for v in g.bounds)}
        ]
    if not g.is_valid:
        reason = explain_invalid(shapely.is_valid_reason(g))
        return [_("%(label)s: invalid geometry: %(reason)s") % {"label": r.label, "reason": reason}]
    return []


def _as_multipolygon(g):
    if g.geom_type == "Polygon":
        g = shapely.MultiPolygon([g])
    return GEOSGeometry(memoryview(shapely.to_wkb(g)), srid=4326)


def import_areas(records, commit=False, tolerance_m2=None):
    """Check, write and validate; keep the writes only if nothing is wrong and commit is true."""
    problems = check_records(records)
    if problems:
        raise ImportRefused(problems)
    report = ImportReport(committed=False)
    with transaction.atomic():
        lock_boundaries()
        _write(records, report)
        report.checked = _subtree_roots(records)
        topology = [p for code in report.checked for p in validate_area(code, tolerance_m2)]
        if topology:
            raise ImportRefused([p.describe() for p in topology])
        if commit:
            report.committed = True
        else:
            transaction.set_rollback(True)
    return report


def _write(records, report):
    """Upsert by code, parents before children, in bulk."""
    by_code = {a.code: a for a in Area.objects.filter(code__in=[r.code for r in records])}
    ids = dict(Area.objects.filter(code__in={parent_code(r.code) for r in records}).values_list("code", "id"))
    now = timezone.now()
    for level, length in CODE_LENGTH.items():
        batch = [r for r in records if len(r.code) == length]
        new, changed = [], []
        for r in batch:
            area = by_code.get(r.code) or Area(code=r.code, level=level)
            area.name = r.name
            area.geom = _as_multipolygon(r.geom)
            area.parent_id = ids.get(parent_code(r.code)) if parent_code(r.code) else None
            if area.pk is None or "kind" in r.provided:
                area.kind = (r.kind or GridKind.BASIC) if level == Level.GRID else ""
            if area.pk is None or "households" in r.provided:
                area.households = r.households
            if area.pk is None or "population" in r.provided:
                area.population = r.population
            area.updated_at = now
            (changed if area.pk else new).append(area)
        Area.objects.bulk_create(new, batch_size=2000)
        Area.objects.bulk_update(
            changed, ["name", "geom", "parent", "kind", "households", "population", "updated_at"], batch_size=2000
        )
        ids.update({a.code: a.pk for a in new + changed})
        if new:
            report.created[level.value] = len(new)
        if changed:
            report.updated[level.value] = len(changed)


def _subtree_roots(records):
    """The fewest codes whose subtrees hold every area the import touched and their parents."""
    candidates = sorted({parent_code(r.code) or r.code for r in records}, key=len)
    roots = []
    for code in candidates:
        if not any(code.startswith(root) for root in roots):
            roots.append(code)
    return roots
