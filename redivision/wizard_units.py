"""The wizard's work in PostGIS and METIS (redivision.wizard describes the method): the community's
basic grids cut into small units, their weights and shared edges, the balanced contiguous parts and
their union into new grids. The work tables are temporary, dropped with the caller's transaction."""

import math
from datetime import timedelta

import pymetis
from django.contrib.gis.geos import GEOSGeometry, LineString, MultiLineString
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib.errors import GovgridError
from grids.generations import NewGrid
from grids.models import GridKind
from incidents.models import Incident

PRECISION_DEGREES = 1e-9  # the units' coordinates are snapped to this (about 0.1 mm): shared edges match exactly
UNITS_PER_GRID = 30  # lattice cells per new grid: finer follows the target more closely, coarser is faster
MIN_UNITS, MAX_UNITS = 200, 6000
# Cutting inside an old grid costs this many times cutting along a border or a road: 2 keeps the old
# lines where they serve the balance without the winding borders a higher cost gave (on the tests'
# drawn community, mean compactness 0.55 at 2 against 0.34 at 4, the balance no worse).
INSIDE_GRID_COST = 2
ROAD_DEGREES = 2e-5  # an edge within this of a road line (about 2 m) lies along the road
CASE_DAYS = 365  # the cases of the last year give the case load


# --- the work in PostGIS ----------------------------------------------------------------------------


def load_shapes(basic):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE wizard_shape (idx int, code text, name text, households float, geom geometry)"
            " ON COMMIT DROP"
        )
        cursor.executemany(
            "INSERT INTO wizard_shape VALUES (%s, %s, %s, %s, ST_GeomFromEWKB(%s))",
            [(i, s.code, s.name, s.households, memoryview(s.geom.ewkb)) for i, s in enumerate(basic)],
        )


_CASES = f"""
    SELECT DISTINCT ON (i.id) i.id, {{holder}}.{{key}} AS holder
    FROM {Incident._meta.db_table} i JOIN {{table}} {{holder}} ON ST_Covers({{holder}}.geom, i.location)
    WHERE i.reported_at >= %(since)s
    ORDER BY i.id, {{holder}}.{{key}}
"""


def _since():
    return timezone.now() - timedelta(days=CASE_DAYS)


def shape_figures(basic):
    """The basic grids now: households, cases of the last year, ground (m²) and compactness."""
    cases_sql = _CASES.format(holder="s", key="idx", table="wizard_shape")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH c AS ({cases_sql}), n AS (SELECT holder, count(*) AS cases FROM c GROUP BY holder)
            SELECT s.idx, coalesce(n.cases, 0), ST_Area(s.geom::geography),
                   4 * pi() * ST_Area(s.geom::geography) / nullif(ST_Perimeter(s.geom::geography) ^ 2, 0)
            FROM wizard_shape s LEFT JOIN n ON n.holder = s.idx ORDER BY s.idx
            """,
            {"since": _since()},
        )
        rows = cursor.fetchall()
    return [
        {
            "code": basic[idx].code,
            "name": basic[idx].name,
            "households": basic[idx].households,
            "cases": cases,
            "area_m2": round(area, 1),
            "compactness": round(compact or 0, 3),
        }
        for idx, cases, area, compact in rows
    ]


def clipped_roads(roads, community):
    if roads is None:
        return None
    if not isinstance(roads, LineString | MultiLineString):
        raise GovgridError(_("Roads are lines (a MultiLineString)."), field="roads")
    if roads.srid is None:
        roads = roads.clone()
        roads.srid = 4326
    elif roads.srid != 4326:
        roads = roads.transform(4326, clone=True)
    clipped = roads.intersection(community.geom)  # a city's roads reduced to the community's
    return None if clipped.empty else clipped


def cut_units(k, roads):
    """Cut the basic grids into units by a lattice of about UNITS_PER_GRID cells per new grid (and
    by the roads); returns [(shape index, area in degrees²)] by unit id."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(ST_Area(geom)) FROM wizard_shape")
        ground = cursor.fetchone()[0]
        wanted = min(max(UNITS_PER_GRID * k, MIN_UNITS), MAX_UNITS)
        size = math.sqrt(ground / wanted)
        # A cell wholly inside its grid needs no overlay; every piece is snapped to the same fine grid
        # (made valid in the rare case snapping folds it) so neighbours share their edges exactly. The
        # roads, when given, cut the pieces again, snapped once more the same way.
        pieces = (
            "cut"
            if roads is None
            else """(
                SELECT cut.shape,
                       (ST_Dump(ST_CollectionExtract(
                           ST_ReducePrecision(ST_Split(cut.geom, %(roads)s::geometry), %(precision)s), 3))).geom AS geom
                FROM cut)"""
        )
        cursor.execute(
            f"""
            CREATE TEMP TABLE wizard_unit ON COMMIT DROP AS
            WITH snapped AS (
                SELECT s.idx AS shape,
                       ST_SnapToGrid(CASE WHEN ST_Within(c.geom, s.geom) THEN c.geom
                                          ELSE ST_Intersection(s.geom, c.geom) END, %(precision)s) AS geom
                FROM wizard_shape s, ST_SquareGrid(%(size)s, s.geom) c
                WHERE ST_Intersects(s.geom, c.geom)
            ), cut AS (
                SELECT shape, (ST_Dump(ST_CollectionExtract(
                           CASE WHEN ST_IsValid(geom) THEN geom ELSE ST_MakeValid(geom) END, 3))).geom AS geom
                FROM snapped
            )
            SELECT (row_number() OVER (ORDER BY shape, ST_YMin(geom), ST_XMin(geom)) - 1)::int AS id, shape, geom
            FROM {pieces} AS pieces WHERE ST_Area(geom) > 0
            """,
            {"precision": PRECISION_DEGREES, "size": size, "roads": roads.ewkb if roads is not None else None},
        )
        cursor.execute("CREATE INDEX ON wizard_unit USING gist (geom)")
        cursor.execute("ANALYZE wizard_unit")
        cursor.execute("SELECT id, shape, ST_Area(geom) FROM wizard_unit ORDER BY id")
        return [(shape, area) for _id, shape, area in cursor.fetchall()]


def unit_weights(units, target):
    """Each unit's households (its grid's spread over the grid's ground) and cases of the last year."""
    cases_sql = _CASES.format(holder="u", key="id", table="wizard_unit")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH c AS ({cases_sql})
            SELECT holder, count(*) FROM c GROUP BY holder
            """,
            {"since": _since()},
        )
        cases = dict(cursor.fetchall())
        cursor.execute("SELECT idx, households, ST_Area(geom) FROM wizard_shape")
        shapes = {idx: (households or 0, area) for idx, households, area in cursor.fetchall()}
    households = [shapes[shape][0] * area / shapes[shape][1] if shapes[shape][1] else 0 for shape, area in units]
    return {"households": households, "cases": [cases.get(i, 0) for i in range(len(units))]}


def unit_edges(roads):
    """{(a, b): cost} for units sharing an edge (a < b): the edge's length in about metres, times
    INSIDE_GRID_COST inside an old grid unless it runs along a road."""
    road = "ST_Length(ST_Intersection(e.line, %(near)s::geometry))" if roads is not None else "0"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH e AS (
                SELECT a.id AS a, b.id AS b, a.shape <> b.shape AS on_border,
                       -- the units are snapped alike, so their shared edges are the same segments
                       ST_CollectionExtract(ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom)), 2) AS line
                FROM wizard_unit a JOIN wizard_unit b ON a.id < b.id AND a.geom && b.geom
                WHERE ST_Intersects(a.geom, b.geom)
            )
            SELECT a, b, on_border, ST_Length(line), {road} FROM e WHERE ST_Length(line) > 0
            """,
            {"near": roads.buffer(ROAD_DEGREES).ewkb if roads is not None else None},
        )
        rows = cursor.fetchall()
    edges = {}
    for a, b, on_border, length, along_road in rows:
        inside = 0 if on_border else length - min(along_road, length)
        metres = (length - inside) + inside * INSIDE_GRID_COST
        edges[(a, b)] = max(1, round(metres * 111_000))
    return edges


def _components(n, edges):
    neighbours = [[] for _i in range(n)]
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    seen, components = [False] * n, []
    for start in range(n):
        if seen[start]:
            continue
        seen[start], stack, members = True, [start], []
        while stack:
            v = stack.pop()
            members.append(v)
            for w in neighbours[v]:
                if not seen[w]:
                    seen[w] = True
                    stack.append(w)
        components.append(sorted(members))
    return components, neighbours


def _vertex_weights(weights, by_cases):
    """Whole-number weights for METIS: households (or cases) scaled so the total is about a million,
    plus one so a unit with none still counts."""
    values = weights["cases"] if by_cases else weights["households"]
    total = sum(values) or 1
    return [1 + round(v * 1_000_000 / total) for v in values]


def _shares(k, component_weights):
    """k grids shared among the pieces of the ground by weight (largest remainder), one at least each."""
    total = sum(component_weights) or 1
    exact = [k * w / total for w in component_weights]
    shares = [max(1, int(x)) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: exact[i] - int(exact[i]), reverse=True):
        if sum(shares) >= k:
            break
        shares[i] += 1
    return shares


def partition(units, weights, edges, k, by_cases):
    """The part of each unit: each connected piece of ground cut by METIS into its share of k
    balanced contiguous parts."""
    n = len(units)
    vweights = _vertex_weights(weights, by_cases)
    components, neighbours = _components(n, edges)
    cost = {**edges, **{(b, a): c for (a, b), c in edges.items()}}
    shares = _shares(k, [sum(vweights[v] for v in members) for members in components])
    part = [0] * n
    first = 0
    for members, share in zip(components, shares, strict=True):
        share = min(share, len(members))
        if share > 1:
            local = {v: i for i, v in enumerate(members)}
            xadj, adjncy, eweights = [0], [], []
            for v in members:
                for w in neighbours[v]:
                    adjncy.append(local[w])
                    eweights.append(cost[(v, w)])
                xadj.append(len(adjncy))
            options = pymetis.Options(seed=1, contig=1, ufactor=10, ncuts=4, niter=20)
            _cut, local_parts = pymetis.part_graph(
                share, pymetis.CSRAdjacency(xadj, adjncy), vweights=[vweights[v] for v in members],
                eweights=eweights, options=options,
            )  # fmt: skip
        else:
            local_parts = [0] * len(members)
        for v, p in zip(members, local_parts, strict=True):
            part[v] = first + p
        first += share
    _make_contiguous(part, neighbours, cost, [a for _s, a in units])
    return part


def _make_contiguous(part, neighbours, cost, areas):
    """Every part one connected piece: a part in several pieces keeps its largest, and each smaller
    piece joins the neighbouring part it shares the most border with. Repeats until none is split."""
    for _round in range(20):
        moved = False
        by_part = {}
        for v, p in enumerate(part):
            by_part.setdefault(p, []).append(v)
        for p, members in by_part.items():
            pieces = _pieces(members, neighbours, part, p)
            if len(pieces) < 2:
                continue
            pieces.sort(key=lambda piece: -sum(areas[v] for v in piece))
            for piece in pieces[1:]:
                border = {}
                for v in piece:
                    for w in neighbours[v]:
                        if part[w] != p:
                            border[part[w]] = border.get(part[w], 0) + cost[(v, w)]
                if border:
                    to = max(border, key=border.get)
                    for v in piece:
                        part[v] = to
                    moved = True
        if not moved:
            return


def _pieces(members, neighbours, part, p):
    seen, pieces = set(), []
    for start in members:
        if start in seen:
            continue
        seen.add(start)
        stack, piece = [start], []
        while stack:
            v = stack.pop()
            piece.append(v)
            for w in neighbours[v]:
                if part[w] == p and w not in seen:
                    seen.add(w)
                    stack.append(w)
        pieces.append(piece)
    return pieces


def union_parts(part, units, weights):
    """The new grids (NewGrids, west to east, south to north) and their figures."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE wizard_part (id int, part int) ON COMMIT DROP")
        cursor.executemany("INSERT INTO wizard_part VALUES (%s, %s)", list(enumerate(part)))
        cursor.execute(
            """
            WITH g AS (
                SELECT p.part, ST_Multi(ST_UnaryUnion(ST_Collect(u.geom), %(precision)s)) AS geom,
                       array_agg(u.id) AS ids
                FROM wizard_unit u JOIN wizard_part p ON p.id = u.id GROUP BY p.part
            )
            SELECT ST_AsEWKB(geom), ids, ST_Area(geom::geography),
                   4 * pi() * ST_Area(geom::geography) / nullif(ST_Perimeter(geom::geography) ^ 2, 0)
            FROM g ORDER BY ST_YMin(ST_PointOnSurface(geom)), ST_XMin(ST_PointOnSurface(geom))
            """,
            {"precision": PRECISION_DEGREES},
        )
        rows = cursor.fetchall()
    grids, figures = [], []
    for ewkb, ids, area, compact in rows:
        grids.append(NewGrid(GEOSGeometry(memoryview(ewkb)), "", GridKind.BASIC))
        figures.append(
            {
                "households": round(sum(weights["households"][i] for i in ids)),
                "cases": sum(weights["cases"][i] for i in ids),
                "area_m2": round(area, 1),
                "compactness": round(compact or 0, 3),
            }
        )
    return grids, figures
