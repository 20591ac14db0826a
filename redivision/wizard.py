"""The re-division wizard: a balanced new division of a community's basic grids, for a draft.

Given a community as the draft leaves it and a target (households per grid, e.g. 300–500, or cases
per year per grid worker), `propose` divides the community's basic ground into k new grids, k
following from the target, and keeps the dedicated grids (a market, a park...) whole:

1. PostGIS cuts the basic grids by a fine square lattice (and by the road lines, when given) into
   small units, on a 1e-9° grid so that neighbouring units share their edges exactly;
2. each unit weighs its grid's households spread over the grid's ground, or the cases of the last
   12 months reported inside it;
3. the units' adjacency graph weighs each shared edge by its length, INSIDE_GRID_COST times more
   (wizard_units) inside an old grid than along an old grid's border or a road, so cuts prefer the
   existing lines and short borders (compact grids);
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

from django.db import transaction
from django.utils.translation import gettext as _

from govgrid.lib.errors import GovgridError, Unprocessable
from grids import generations
from grids.generations import community_view, replace_community
from grids.models import GridKind
from grids.scopes import Scope

from . import wizard_units as units
from .rights import only_administrators

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
        units.load_shapes(basic)
        current = units.shape_figures(basic)
        total = sum(f["cases"] if target.by_cases else (f["households"] or 0) for f in current)
        k = target.grids_for(total)
        if k > MAX_GRIDS:
            raise Unprocessable(
                _("The target would need %(k)d grids: a community holds 999 at most.") % {"k": k},
                field="cases_per_grid" if target.by_cases else "households_min",
            )
        roads = units.clipped_roads(roads, community)
        cells = units.cut_units(k, roads)
        weights = units.unit_weights(cells, target)
        edges = units.unit_edges(roads)
        parts = units.partition(cells, weights, edges, k, target.by_cases)
        grids, figures = units.union_parts(parts, cells, weights)
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
        units=len(cells),
        version=version,
        current=current,
    )


def draft_and_community(user, generation_id, community_code, version=None):
    """The draft (locked, at the `version` read when given) and its community, for an
    administrator: 403 for anyone else, 404 for no such draft or community. Inside a transaction."""
    only_administrators(Scope.for_user(user))
    # The draft rule (it exists, it is a draft, at the version read) is generations' own.
    generation = generations.locked_draft(generation_id, version)
    return generation, generations.draft_community(generation, community_code)


def run(user, generation_id, community_code, target, roads=None, accept=False, version=None):
    """What the page and the API do: the proposal for a community of a draft, made by an
    administrator, and with `accept` written into the draft in the same transaction (the draft
    locked, at the `version` the caller read when given). Returns (proposal, the new DraftGrids)."""
    with transaction.atomic():
        generation, community = draft_and_community(user, generation_id, community_code, version)
        proposal = propose(generation, community, target, roads)
        made = proposal.accept() if accept else []
    return proposal, made
