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
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.errors import GovgridError
from govgrid.lib import coords

from .models import CODE_LENGTH, Area, GridKind, Level, level_for_code, parent_code
from .validation import validate_area

# Names accepted for --srs besides EPSG codes. CGCS2000 (EPSG:4490) is WGS84 at the metre level.
NAMED_CRS = {"wgs84": 4326, "cgcs2000": 4490, "gcj02": "gcj02", "bd09": "bd09"}


class ImportRefused(GovgridError):
    status = 400
    code = "import_refused"

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(_("The import was refused: %(n)d problem(s).") % {"n": len(self.problems)})

    def as_dict(self):
        return super().as_dict() | {"problems": [str(p) for p in self.problems]}


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
    """Read every feature of a GIS file into SourceArea records in WGS84."""
    fields = fields or FieldMap()
    try:
        source = DataSource(str(path))
        lyr = source[layer if layer is not None else 0]
    except (GDALException, IndexError) as exc:
        raise ImportRefused([_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}]) from None

    crs = parse_srs(srs) if srs is not None else _layer_crs(lyr)
    transform = None
    if isinstance(crs, int) and crs != 4326:
        transform = CoordTransform(SpatialReference(crs), SpatialReference(4326))

    wanted = {name: getattr(fields, name) for name in FieldMap.__dataclass_fields__}
    missing = [f"{role} ← {src}" for role, src in wanted.items() if src and src not in lyr.fields]
    if missing:
        raise ImportRefused(
            [
                _("The source has no field %(field)s (fields: %(have)s).") % {"field": m, "have": ", ".join(lyr.fields)}
                for m in missing
            ]
        )

    records, problems = [], []
    for number, feature in enumerate(lyr, start=1):
        values = {role: (feature.get(src) if src else None) for role, src in wanted.items()}
        code = _as_code(values["code"])
        label = _("feature %(n)d (%(code)s)") % {"n": number, "code": code or "?"}
        ogr = feature.geom
        if ogr is None:
            problems.append(_("%(label)s has no geometry.") % {"label": label})
            continue
        if transform is not None:
            ogr.transform(transform)
        geom = shapely.from_wkb(bytes(ogr.wkb))
        if isinstance(crs, str):
            geom = shapely.transform(geom, _datum_shift(crs))
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
            )
        )
    if problems:
        raise ImportRefused(problems)
    return records


def _layer_crs(lyr):
    if lyr.srs is None:
        raise ImportRefused([_("The source does not say its coordinate reference system: give --srs.")])
    try:
        lyr.srs.identify_epsg()
        epsg = lyr.srs.srid
    except GDALException:
        epsg = None
    if not epsg:
        raise ImportRefused(
            [_("Unknown coordinate reference system in the source (%(wkt)s): give --srs.") % {"wkt": lyr.srs.name}]
        )
    return int(epsg)


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
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return value  # left as is; check_records names it


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
    if not g.is_valid:
        return [_("%(label)s: invalid geometry: %(reason)s") % {"label": r.label, "reason": shapely.is_valid_reason(g)}]
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
            area.kind = (r.kind or GridKind.BASIC) if level == Level.GRID else ""
            area.households = r.households
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
