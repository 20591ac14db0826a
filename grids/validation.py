"""Topology checks for an area and everything inside it: 边界清晰、全域覆盖、不留空白.

Four kinds of problem, each found by one set-based statement in PostGIS:
- invalid: a boundary that is not a valid geometry (self-intersection, ring problems, ...);
- gap: part of an area that none of its children covers;
- overlap: part covered by two siblings;
- outside: part of a child that lies outside its parent.
Each problem carries the codes involved, a point inside it (lon, lat) and its size in m².
Gaps, overlaps and outside parts smaller than the tolerance are floating-point slivers and are not
reported. Areas with no children are leaves and have no gap to check.

Sizes are planar areas in degrees² scaled by the metres per degree at the piece's latitude (within
about 1% for real pieces). The topology is planar in lon/lat, so its slivers must be measured the same
way: a geodesic (geography) area turns a zero-width sliver along a long straight edge into square
metres of "gap", because a straight edge in lon/lat is not a geodesic.
"""

import re
from copy import copy
from dataclasses import asdict, dataclass

from django.conf import settings
from django.contrib.gis.geos import MultiPolygon
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models.areas import valid_on_sql


@dataclass(frozen=True)
class Problem:
    kind: str  # invalid | gap | overlap | outside
    codes: tuple
    lon: float
    lat: float
    area_m2: float
    detail: str = ""

    def describe(self):
        where = f"({self.lon:.6f}, {self.lat:.6f})"
        codes = "、".join(self.codes)
        if self.kind == "invalid":
            return _("%(codes)s: invalid boundary at %(where)s: %(detail)s") % {
                "codes": codes,
                "where": where,
                "detail": self.detail,
            }
        if self.kind == "gap":
            return _("%(codes)s: %(m2).1f m² not covered by any child area, around %(where)s") % {
                "codes": codes,
                "m2": self.area_m2,
                "where": where,
            }
        if self.kind == "overlap":
            return _("%(codes)s overlap by %(m2).1f m² around %(where)s") % {
                "codes": " / ".join(self.codes),
                "m2": self.area_m2,
                "where": where,
            }
        return _("%(codes)s: %(m2).1f m² lies outside the parent area, around %(where)s") % {
            "codes": " → ".join(self.codes),
            "m2": self.area_m2,
            "where": where,
        }

    def as_dict(self):
        return asdict(self) | {"codes": list(self.codes), "message": self.describe()}


def _m2(g):
    return (
        f"(ST_Area({g}) * (111412.84 * cos(radians(ST_Y(ST_PointOnSurface({g})))))"
        f" * (111132.92 - 559.82 * cos(radians(2 * ST_Y(ST_PointOnSurface({g}))))))"
    )


# Every statement checks the current areas (valid_on_sql: no generation retired them) and takes the
# subtree's code prefix (%(prefix)s, with the LIKE wildcard) and the tolerance in m². Areas are
# compared only with their own parent or siblings, through the stored parent foreign key, so each
# statement is a join on indexed keys plus a bounding-box test.
_INVALID_SQL = """
    SELECT ARRAY[code], ST_X(p), ST_Y(p), 0.0, reason
    FROM (
        SELECT code, ST_IsValidReason(geom) AS reason, (ST_IsValidDetail(geom)).location AS p
        FROM grids_area WHERE code LIKE %(prefix)s AND {current:grids_area} AND NOT ST_IsValid(geom)
    ) bad
    ORDER BY code
"""

_GAP_SQL = """
    WITH parents AS (
        SELECT p.id, p.code, p.geom, ST_Union(c.geom) FILTER (WHERE ST_IsValid(c.geom)) AS covered
        FROM grids_area p JOIN grids_area c ON c.parent_id = p.id AND {current:c}
        WHERE p.code LIKE %(prefix)s AND {current:p} AND ST_IsValid(p.geom)
        GROUP BY p.id
        -- an invalid child is reported as invalid; its parent's coverage cannot be judged until mended
        HAVING bool_and(ST_IsValid(c.geom))
    ), pieces AS (
        SELECT code, (ST_Dump(ST_CollectionExtract(ST_Difference(geom, covered), 3))).geom AS g
        FROM parents
    )
    SELECT ARRAY[code], ST_X(ST_PointOnSurface(g)), ST_Y(ST_PointOnSurface(g)), {m2}, ''
    FROM pieces WHERE {m2} >= %(tolerance)s
    ORDER BY code, 4 DESC
"""

_OVERLAP_SQL = """
    WITH pairs AS (
        SELECT a.code AS a, b.code AS b,
               ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3) AS shared
        FROM grids_area a JOIN grids_area b
          ON a.parent_id = b.parent_id AND a.code < b.code AND a.geom && b.geom
        WHERE a.code LIKE %(prefix)s AND b.code LIKE %(prefix)s AND {current:a} AND {current:b}
          AND ST_IsValid(a.geom) AND ST_IsValid(b.geom)
          AND ST_Relate(a.geom, b.geom, '2********')
    ), pieces AS (SELECT a, b, (ST_Dump(shared)).geom AS g FROM pairs)
    SELECT ARRAY[a, b], ST_X(ST_PointOnSurface(g)), ST_Y(ST_PointOnSurface(g)), {m2}, ''
    FROM pieces WHERE {m2} >= %(tolerance)s
    ORDER BY a, b
"""

_OUTSIDE_SQL = """
    WITH pieces AS (
        SELECT p.code AS parent, c.code AS child,
               (ST_Dump(ST_CollectionExtract(ST_Difference(c.geom, p.geom), 3))).geom AS g
        FROM grids_area c JOIN grids_area p ON c.parent_id = p.id
        WHERE c.code LIKE %(prefix)s AND {current:c} AND {current:p} AND ST_IsValid(p.geom) AND ST_IsValid(c.geom)
          AND NOT ST_CoveredBy(c.geom, p.geom)
    )
    SELECT ARRAY[parent, child], ST_X(ST_PointOnSurface(g)), ST_Y(ST_PointOnSurface(g)), {m2}, ''
    FROM pieces WHERE {m2} >= %(tolerance)s
    ORDER BY child
"""


def _rendered(sql):
    sql = re.sub(r"\{current:(\w+)\}", lambda match: valid_on_sql(match[1]), sql)
    return sql.replace("{m2}", _m2("g"))


CHECKS = tuple(
    (kind, _rendered(sql))
    for kind, sql in (
        ("invalid", _INVALID_SQL),
        ("gap", _GAP_SQL),
        ("overlap", _OVERLAP_SQL),
        ("outside", _OUTSIDE_SQL),
    )
)


def validate_area(code, tolerance_m2=None):
    """All problems in the area with this code and in everything inside it."""
    tolerance = settings.GRID_TOLERANCE_M2 if tolerance_m2 is None else tolerance_m2
    params = {"prefix": code + "%", "tolerance": tolerance}
    problems = []
    with connection.cursor() as cursor:
        for kind, sql in CHECKS:
            cursor.execute(sql, params)
            for codes, lon, lat, area_m2, detail in cursor.fetchall():
                detail = explain_invalid(detail) if detail else ""
                problems.append(Problem(kind, tuple(codes), lon, lat, round(area_m2, 2), detail))
    return problems


def lock_boundaries():
    """Serialise boundary changes: taken inside the writing transaction and held until it ends.

    Two imports (or an import and an admin edit) checked against their own snapshots could each
    pass and together overlap; with this lock the second one checks what the first committed.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('govgrid.area_boundaries'))")


# GEOS's reasons for an invalid geometry, by their opening words, so they can be translated.
_INVALID_REASONS = {
    "Ring Self-intersection": gettext_lazy("ring self-intersection"),
    "Self-intersection": gettext_lazy("self-intersection"),
    "Too few points in geometry component": gettext_lazy("too few points"),
    "Hole lies outside shell": gettext_lazy("a hole lies outside its shell"),
    "Nested holes": gettext_lazy("nested holes"),
    "Interior is disconnected": gettext_lazy("the interior is disconnected"),
    "Nested shells": gettext_lazy("nested shells"),
    "Duplicate Rings": gettext_lazy("duplicate rings"),
    "Invalid Coordinate": gettext_lazy("an invalid coordinate"),
    "Ring is not closed": gettext_lazy("a ring is not closed"),
}


def explain_invalid(reason):
    """'Self-intersection[112.1 32.7]' → 'self-intersection at (112.1, 32.7)', in the user's language."""
    for words, translated in _INVALID_REASONS.items():
        if reason.startswith(words):
            place = reason[len(words) :].strip("[] ")
            if place:
                return _("%(reason)s at (%(place)s)") % {"reason": translated, "place": ", ".join(place.split())}
            return str(translated)
    return reason


def problems_if_saved(*areas, tolerance_m2=None):
    """The topology problems the database would have if `areas` were saved as they are now.

    Saves inside a savepoint, checks the subtree of each area's parent (its siblings and the parent's
    coverage) or its own subtree for a district, and rolls the savepoint back, so nothing is kept.
    Used by the admin to refuse an edit that would open a gap or an overlap.
    """
    with transaction.atomic():
        lock_boundaries()
        scopes = set()
        for area in areas:
            candidate = copy(area)
            candidate.save()
            scopes.add(candidate.parent.code if candidate.parent_id else candidate.code)
        problems = []
        for scope in sorted(scopes):
            # A scope inside another one already checked would report its problems twice.
            if not any(scope != wider and scope.startswith(wider) for wider in scopes):
                problems += validate_area(scope, tolerance_m2)
        transaction.set_rollback(True)
    return problems


# A boundary posted back within this distance of the stored one, vertex by vertex, is the stored one:
# 1e-6 degrees is at most 11 cm on the ground. Any serialiser that rounds to 6 decimals (Leaflet's
# default, GeoJSON files from many tools) moves a vertex by at most 5e-7 degrees, so such a round
# trip is recognised; and a deliberate move is larger, since one screen pixel at zoom 18 (closer than
# the admin map opens a grid at) is about 0.5 m. Django's own GeometryField.has_changed uses 1e-6 too.
UNCHANGED_BOUNDARY_DEGREES = 1e-6

# A piece whose planar area in degrees² is below this is floating-point noise (1e-12 deg² is about
# 0.01 m², a hundred times below GRID_TOLERANCE_M2's default).
NOISE_DEGREES2 = 1e-12


def same_boundary(submitted, stored, tolerance=UNCHANGED_BOUNDARY_DEGREES):
    """True when `submitted` is `stored` up to rounding: the same vertices within `tolerance`, in
    any starting vertex and ring orientation (normalised first)."""
    if submitted is None or stored is None:
        return submitted is stored
    return submitted.normalize(clone=True).equals_exact(stored.normalize(clone=True), tolerance)


def as_multipolygon(geom):
    """The polygons of any GEOS result (Polygon, MultiPolygon or a collection) as one MultiPolygon."""
    polygons = []
    for part in geom if geom.geom_type in ("MultiPolygon", "GeometryCollection") else [geom]:
        if part.geom_type == "Polygon" and not part.empty and part.area > NOISE_DEGREES2:
            polygons.append(part)
        elif part.geom_type == "MultiPolygon":
            polygons += [poly for poly in part if poly.area > NOISE_DEGREES2]
    return MultiPolygon(polygons, srid=geom.srid)


def _shared_border_length(piece, area_geom):
    return piece.boundary.intersection(area_geom).length


def areas_after_border_move(area, old_geom, neighbours):
    """The areas to rewrite, besides `area` (whose new boundary is `area.geom`), so that its border
    with `neighbours` moves and nothing else.

    Each neighbour gives up what the area now covers, and takes back each piece the area gave up that
    borders it (a piece bordering several goes to the one it shares the longest border with).
    Neighbours not listed are left alone: if the new boundary reaches into them, the topology check
    reports the overlap. When a piece changes hands between two communities (or streets, or
    districts), the parents follow, level by level, since every parent is the union of its children
    and covers them: a parent gives up the pieces its children lost to another parent and takes those
    they gained from one.
    """
    new_geom = area.geom
    given_up = list(as_multipolygon(old_geom.difference(new_geom)))
    takers = {}
    for piece in given_up:
        lengths = [(_shared_border_length(piece, n.geom), n.pk) for n in neighbours]
        length, taker = max(lengths, default=(0.0, None))
        if length > 0:
            takers.setdefault(taker, []).append(piece)
    changes = {area.pk: (area, old_geom, new_geom)}
    rewritten = []
    for neighbour in neighbours:
        before = neighbour.geom
        after = before.difference(new_geom)
        for piece in takers.get(neighbour.pk, []):
            after = after.union(piece)
        if _same_area(before, after):
            continue  # ticked, but the move does not reach it: left exactly as stored
        neighbour.geom = as_multipolygon(after)
        changes[neighbour.pk] = (neighbour, before, neighbour.geom)
        rewritten.append(neighbour)
    while changes:
        changes = _parents_after(changes)
        rewritten += [parent for parent, _before, _after in changes.values()]
    return rewritten


def _parents_after(changes):
    """{pk: (parent, before, after)} for the parents whose children's changes do not cancel out
    among themselves (a piece moved between two children of the same parent leaves it as it was)."""
    from .models import Area

    by_parent = {}
    for child, before, after in changes.values():
        if child.parent_id is not None:
            by_parent.setdefault(child.parent_id, []).append((before, after))
    result = {}
    for parent in Area.objects.filter(pk__in=by_parent):
        lost = gained = None
        for before, after in by_parent[parent.pk]:
            lost = _union(lost, before.difference(after))
            gained = _union(gained, after.difference(before))
        net_lost, net_gained = lost.difference(gained), gained.difference(lost)
        if _same_area(net_lost, net_gained):
            continue
        before = parent.geom
        parent.geom = as_multipolygon(before.difference(net_lost).union(net_gained))
        result[parent.pk] = (parent, before, parent.geom)
    return result


def _same_area(a, b):
    """True when `a` and `b` cover the same ground up to floating-point noise."""
    return a.difference(b).area <= NOISE_DEGREES2 and b.difference(a).area <= NOISE_DEGREES2


def _union(a, b):
    return b if a is None else a.union(b)
