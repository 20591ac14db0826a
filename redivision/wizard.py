"""The re-division wizard: a balanced new division of a community's basic grids, for a draft.

Given a community as the draft leaves it and a target (households per grid, e.g. 300–500, or cases
per year per grid worker), `propose` divides the community's basic ground into k new grids, k
following from the target, and keeps the dedicated grids (a market, a park...) whole:

1. PostGIS cuts the basic grids by a fine square lattice (and by the road lines, when given) into
   small units, on a 1e-9° grid so that neighbouring units share their edges exactly;
2. each unit weighs its grid's households spread over the grid's ground, or the cases of the last
   12 months reported inside it;
3. the units' adjacency graph weighs each shared edge by its length, INSIDE_GRID_COST times more
   inside an old grid than along an old grid's border or a road, so cuts prefer the existing lines
   and short borders (compact grids);
4. METIS (pymetis) cuts each connected piece of the basic ground into balanced contiguous parts
   (its share of k by weight), minimising the weighted cut, the best of four tries; parts that
   come out in pieces give their smaller pieces to the neighbour they share most border with, so
   every new grid is one polygon;
5. PostGIS unions the units of each part into the new grid.

The Proposal says the balance before and after (households, cases per year, ground and compactness
per grid), the time taken, and `accept` writes it into the draft (grids.generations.replace_community,
which gives new codes and divides the households by ground).

METIS is the partitioner here because it is the maintained standard for balanced k-way graph
partitioning with a contiguity option, is fast on graphs far larger than a community's, and pymetis
ships it as wheels with no system library.
"""

import math
import time
from dataclasses import dataclass, field
from datetime import timedelta

import pymetis
from django.contrib.gis.geos import GEOSGeometry, LineString, MultiLineString
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib.errors import GovgridError, NotFound, Unprocessable
from grids import generations
from grids.generations import NewGrid, community_view, replace_community
from grids.models import Area, GridKind, Level
from grids.scopes import Forbidden, Scope
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
MAX_GRIDS = 999  # a community's codes run from 001 to 999


# --- the target -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Households per grid between `households_min` and `households_max`, or `cases_per_grid` cases
    per year per grid at most."""

    households_min: int | None = None
    households_max: int | None = None
    cases_per_grid: int | None = None

    @classmethod
    def of(cls, households_min=None, households_max=None, cases_per_grid=None):
        """The target the inputs name, or a GovgridError naming the field: one of households (both
        bounds, min ≤ max) or cases per grid, each a whole number of 1 or more."""
        given = {"households_min": households_min, "households_max": households_max, "cases_per_grid": cases_per_grid}
        for name, value in given.items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise GovgridError(_("%(field)s must be a whole number of 1 or more.") % {"field": name}, field=name)
        by_households = households_min is not None or households_max is not None
        if by_households and cases_per_grid is not None:
            raise GovgridError(_("Give households per grid or cases per grid, not both."), field="cases_per_grid")
        if not by_households and cases_per_grid is None:
            raise GovgridError(
                _("Give the households per grid (households_min and households_max) or the cases per grid."),
                field="households_min",
            )
        if by_households:
            missing = "households_min" if households_min is None else "households_max" if households_max is None else ""
            if missing:
                raise GovgridError(_("Give both households_min and households_max."), field=missing)
            if households_min > households_max:
                raise GovgridError(
                    _("households_min (%(min)d) is above households_max (%(max)d).")
                    % {"min": households_min, "max": households_max},
                    field="households_max",
                )
        return cls(households_min, households_max, cases_per_grid)

    @property
    def by_cases(self):
        return self.cases_per_grid is not None

    def grids_for(self, total):
        """How many grids hold `total` households (their mean in the middle of the range, within it
        when any whole number of grids allows) or cases (none above the load)."""
        if self.by_cases:
            return max(1, math.ceil(total / self.cases_per_grid))
        fewest = max(1, math.ceil(total / self.households_max))
        most = max(fewest, math.floor(total / self.households_min))
        middle = round(total / ((self.households_min + self.households_max) / 2))
        return min(max(middle, fewest), most)

    def holds(self, households, cases):
        if self.by_cases:
            return cases <= self.cases_per_grid
        return households is not None and self.households_min <= households <= self.households_max

    def as_dict(self):
        return {k: v for k, v in self.__dict__.items() if v is not None}


# --- the proposal ---------------------------------------------------------------------------------


def balance(figures, target):
    """The balance of a division: its grids' households (min, max, mean, standard deviation,
    coefficient of variation, how many within the target), cases per year and ground."""
    households = [f["households"] for f in figures if f["households"] is not None]
    return {
        "grids": len(figures),
        "households": _spread(households),
        "cases_per_year": _spread([f["cases"] for f in figures]),
        "area_m2": _spread([f["area_m2"] for f in figures]),
        "compactness": _spread([f["compactness"] for f in figures]),
        "within_target": sum(1 for f in figures if target.holds(f["households"], f["cases"])),
    }


def _spread(values):
    if not values:
        return {"min": None, "max": None, "mean": None, "std": None, "cv": None, "total": 0}
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return {
        "min": round(min(values), 3),
        "max": round(max(values), 3),
        "mean": round(mean, 3),
        "std": round(std, 3),
        "cv": round(std / mean, 4) if mean else None,
        "total": round(sum(values), 3),
    }


@dataclass
class Proposal:
    generation: object
    community: object
    target: Target
    grids: list  # NewGrid, basic, to replace the community's basic grids
    figures: list  # per new grid: households, cases, area_m2, compactness
    keep: list  # codes of the dedicated grids kept whole
    before: dict
    after: dict
    seconds: float
    units: int
    version: int  # the draft's version the proposal was made from
    current: list = field(default_factory=list)  # per basic grid now: code, name, figures

    def accept(self):
        """Write the proposal into the draft: the basic grids replaced, the dedicated ones kept."""
        return replace_community(
            self.generation.id, self.community.code, self.grids, how="wizard", keep=self.keep, version=self.version
        )

    def summary(self):
        return {
            "generation": self.generation.id,
            "community": self.community.code,
            "target": self.target.as_dict(),
            "kept": self.keep,
            "before": self.before,
            "after": self.after,
            "seconds": round(self.seconds, 3),
            "units": self.units,
            "version": self.version,
        }

    def feature_collection(self, digits=6):
        """The proposed grids as a GeoJSON FeatureCollection, each with its figures."""
        features = []
        for number, (grid, figures) in enumerate(zip(self.grids, self.figures, strict=True), start=1):
            features.append(
                {
                    "type": "Feature",
                    "geometry": _rounded(grid.geom, digits),
                    "properties": {"number": number, "kind": grid.kind, **figures},
                }
            )
        return {"type": "FeatureCollection", "features": features}


def _rounded(geom, digits):
    return {
        "type": "MultiPolygon",
        "coordinates": [
            [[[round(x, digits), round(y, digits)] for x, y in ring] for ring in poly] for poly in geom.coords
        ],
    }


def propose(generation, community, target, roads=None):
    """A balanced new division of `community`'s basic grids as `generation` (a draft) leaves them,
    for `target`; `roads` (a (Multi)LineString) are lines the new borders should prefer."""
    started = time.perf_counter()
    version = generation.version
    view = community_view(generation, community)
    basic = [s for s in view.values() if s.kind == GridKind.BASIC]
    keep = [code for code, s in view.items() if s.kind != GridKind.BASIC]
    if not basic:
        raise Unprocessable(_("The community has no basic grid to divide."), field="community")
    if not target.by_cases and not any(s.households for s in basic):
        raise Unprocessable(
            _("The community's basic grids have no households recorded: balance them by cases."),
            field="households_min",
        )
    with transaction.atomic():
        _load_shapes(basic)
        current = _shape_figures(basic)
        total = sum(f["cases"] if target.by_cases else (f["households"] or 0) for f in current)
        k = target.grids_for(total)
        if k > MAX_GRIDS:
            raise Unprocessable(
                _("The target would need %(k)d grids: a community holds 999 at most.") % {"k": k},
                field="cases_per_grid" if target.by_cases else "households_min",
            )
        roads = _clipped_roads(roads, community)
        units = _cut_units(k, roads)
        weights = _unit_weights(units, target)
        edges = _unit_edges(roads)
        parts = _partition(units, weights, edges, k, target.by_cases)
        grids, figures = _union_parts(parts, units, weights)
        transaction.set_rollback(True)  # the work tables only
    return Proposal(
        generation=generation,
        community=community,
        target=target,
        grids=grids,
        figures=figures,
        keep=keep,
        before=balance(current, target),
        after=balance(figures, target),
        seconds=time.perf_counter() - started,
        units=len(units),
        version=version,
        current=current,
    )


def draft_and_community(user, generation_id, community_code, version=None):
    """The draft (locked, at the `version` read when given) and its community, for an
    administrator: 403 for anyone else, 404 for no such draft or community. Inside a transaction."""
    if not Scope.for_user(user).everything:
        raise Forbidden(_("Only an administrator re-divides grids."))
    # The draft rule (it exists, it is a draft, at the version read) is generations' own.
    generation = generations._draft(generation_id, version)
    community = Area.objects.filter(code=community_code, level=Level.COMMUNITY).first()
    if community is None or not community_code.startswith(generation.district.code):
        raise NotFound(
            _("The draft's district has no community with the code %(code)s.") % {"code": community_code},
            field="community",
        )
    return generation, community


def run(user, generation_id, community_code, target, roads=None, accept=False, version=None):
    """What the page and the API do: the proposal for a community of a draft, made by an
    administrator, and with `accept` written into the draft in the same transaction (the draft
    locked, at the `version` the caller read when given). Returns (proposal, the new DraftGrids)."""
    with transaction.atomic():
        generation, community = draft_and_community(user, generation_id, community_code, version)
        proposal = propose(generation, community, target, roads)
        made = proposal.accept() if accept else []
    return proposal, made


# --- the work in PostGIS ----------------------------------------------------------------------------


def _load_shapes(basic):
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


def _shape_figures(basic):
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


def _clipped_roads(roads, community):
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


def _cut_units(k, roads):
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


def _unit_weights(units, target):
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


def _unit_edges(roads):
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


def _partition(units, weights, edges, k, by_cases):
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


def _union_parts(part, units, weights):
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
