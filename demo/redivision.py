"""The demo's re-division (网格调整): a second generation of the demo city's grids, put in force on the
day the demo is loaded through grids.generations, as its administrator would: the community whose
grids hold the most households gets its two fullest grids split in two; in another, the two
neighbouring grids with the fewest households are merged; in the middle of the old town a market
straddling two grids becomes a dedicated grid (农贸市场专属网格). Its people, Party groups, household
links, stations, open cases, waiting residents' reports and service requests move with it; the day
before, every lookup still answers with the old grids. Deterministic for a city."""

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import LineString, Polygon
from django.utils import timezone

from grids import generations
from grids.models import Area, GridKind, Level

MARKET_SIDE = 0.0012  # degrees, about 110 m × 130 m here


def _basic_grids(community):
    return list(Area.objects.filter(parent=community, level=Level.GRID, kind=GridKind.BASIC).order_by("code"))


def _line_through_middle(grid):
    """A line through the grid's centre across its longer side, a little beyond its borders."""
    x0, y0, x1, y1 = grid.geom.extent
    centre = grid.geom.point_on_surface
    if x1 - x0 >= y1 - y0:  # wider than tall: cut north-south
        return LineString((centre.x, y0 - 0.001), (centre.x, y1 + 0.001), srid=4326)
    return LineString((x0 - 0.001, centre.y), (x1 + 0.001, centre.y), srid=4326)


def _neighbours(grids):
    """Pairs of grids sharing a border (a line, not a corner), fewest households first."""
    pairs = []
    for i, a in enumerate(grids):
        for b in grids[i + 1 :]:
            if a.geom.extent[0] > b.geom.extent[2] or b.geom.extent[0] > a.geom.extent[2]:
                continue  # far apart: no need to ask GEOS
            if a.geom.boundary.intersection(b.geom.boundary).length > 0:
                pairs.append(((a.households or 0) + (b.households or 0), a.code, a, b))
    return [(a, b) for _h, _code, a, b in sorted(pairs, key=lambda p: (p[0], p[1]))]


def _market_square(a, b):
    """A square around the middle of the border two grids share: a market that straddles them."""
    border = a.geom.boundary.intersection(b.geom.boundary)
    middle = border.interpolate_normalized(0.5) if border.geom_type == "LineString" else border.centroid
    half = MARKET_SIDE / 2
    square = Polygon.from_bbox((middle.x - half, middle.y - half, middle.x + half, middle.y + half))
    square.srid = 4326
    return square


def build_redivision(district_code, today=None):
    """Prepare and activate the demo's second generation; returns its Plan."""
    today = today or timezone.localdate()
    admin = get_user_model().objects.filter(username="admin").first()
    communities = list(
        Area.objects.filter(level=Level.COMMUNITY, code__startswith=district_code).exclude(code__regex=r"^.{6}[1-9]")
    )

    def fullness(community):
        grids = _basic_grids(community)
        return sum(g.households or 0 for g in grids) / max(len(grids), 1)

    by_fullness = sorted(communities, key=lambda c: (-fullness(c), c.code))
    draft = generations.start_draft(district_code, admin, "2026年网格优化调整")
    # 1. the fullest community: its two fullest basic grids each split in two
    crowded = by_fullness[0]
    for grid in sorted(_basic_grids(crowded), key=lambda g: (-(g.households or 0), g.code))[:2]:
        generations.split(draft.id, grid.code, _line_through_middle(grid))
    # 2. the emptiest community with neighbouring basic grids: its two emptiest neighbours merged
    changed = {crowded}
    for community in reversed(by_fullness[1:]):
        pairs = _neighbours(_basic_grids(community))
        if pairs:
            a, b = pairs[0]
            generations.merge(draft.id, [a.code, b.code], name=f"{a.name}（合并）")
            changed.add(community)
            break
    # 3. a market straddling two grids in the community nearest the old town's centre
    middle = Area.objects.get(code=district_code).geom.point_on_surface
    for community in sorted(communities, key=lambda c: (c.geom.distance(middle), c.code)):
        if community in changed:
            continue
        pairs = _neighbours(_basic_grids(community))
        if pairs:
            a, b = pairs[-1]  # the fullest neighbours: a busy market
            generations.carve(
                draft.id, _market_square(a, b), community.code, name=f"{community.name}农贸市场专属网格",
                kind=GridKind.MARKET,
            )  # fmt: skip
            break
    return generations.activate(draft.id, user=admin, on=today)
