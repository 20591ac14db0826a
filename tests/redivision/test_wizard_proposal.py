"""The wizard's proposal on a drawn community with households spread unevenly: contiguous grids
within the community that cover its basic ground exactly, the dedicated grid kept whole, and a
smaller spread of households per grid than before."""

import pytest
from django.contrib.gis.geos import LineString, MultiLineString, Polygon

from grids import generations
from grids.models import DraftGrid, GridKind
from redivision.wizard import Target, propose
from tests.conftest import draw_city

pytestmark = pytest.mark.django_db

UNEVEN = [40, 620, 90, 810, 150, 300, 70, 980, 210, 55, 460, 35, 720, 130, 260, 95, 540, 60, 880, 175]


def uneven_community():
    """One community of 4 × 5 drawn grids whose households run from 35 to 980; its grid 008 is a market."""
    city = draw_city(streets=1, towns=0, communities=1, grids=(4, 5))
    community = city.communities[0]
    for grid, households in zip(city.grids_of(community), UNEVEN, strict=True):
        grid.households = households
        grid.population = households * 3
        grid.save(update_fields=["households", "population"])
    market = city.grids_of(community)[7]
    market.kind = GridKind.MARKET
    market.save(update_fields=["kind"])
    return city, community, market


def test_the_proposal_is_contiguous_within_the_community_and_keeps_the_market_whole():
    city, community, market = uneven_community()
    draft = generations.start_draft(city.code)
    proposal = propose(draft, community, Target.of(households_min=300, households_max=500))
    assert proposal.keep == [market.code]
    assert all(len(grid.geom) == 1 for grid in proposal.grids), "each new grid is one polygon"
    for grid in proposal.grids:
        assert community.geom.buffer(1e-7).contains(grid.geom)
        assert grid.geom.intersection(market.geom).area < 1e-12
    print(proposal.summary())


def test_the_accepted_proposal_covers_the_basic_ground_exactly_with_no_topology_problem():
    city, community, market = uneven_community()
    draft = generations.start_draft(city.code)
    proposal = propose(draft, community, Target.of(households_min=300, households_max=500))
    proposal.accept()
    assert generations.check(draft.id) == []
    made = DraftGrid.objects.filter(generation=draft)
    assert made.count() == len(proposal.grids)
    basic = sum(g.geom.area for g in city.grids_of(community) if g.code != market.code)
    assert sum(d.geom.area for d in made) == pytest.approx(basic, rel=1e-9)
    assert sum(d.households for d in made) == sum(UNEVEN) - UNEVEN[7]
    assert set(draft.retires.values_list("code", flat=True)) == {g.code for g in city.grids_of(community)} - {
        market.code
    }


def test_the_spread_of_households_per_grid_is_smaller_after_than_before():
    city, community, _market = uneven_community()
    draft = generations.start_draft(city.code)
    proposal = propose(draft, community, Target.of(households_min=300, households_max=500))
    before, after = proposal.before["households"], proposal.after["households"]
    assert after["cv"] < before["cv"] / 3
    assert after["total"] == pytest.approx(before["total"], abs=proposal.after["grids"])
    assert proposal.after["within_target"] >= proposal.after["grids"] - 1
    assert proposal.before["within_target"] <= 3


def test_the_new_border_follows_a_road_across_a_grid():
    """One grid of 100 households cut in two for 40–60 households a grid: along the diagonal road
    drawn through it, the cut follows the road; with no road, it does not."""
    city = draw_city(streets=1, towns=0, communities=1, grids=(1, 1))
    community = city.communities[0]
    x0, y0, x1, y1 = city.grids[0].geom.extent
    road = MultiLineString(LineString((x0 - 0.001, y0 - 0.001), (x1 + 0.001, y1 + 0.001)), srid=4326)
    south_east = Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y0)), srid=4326)
    draft = generations.start_draft(city.code)
    target = Target.of(households_min=40, households_max=60)

    def off_the_road(proposal):
        return min(grid.geom.sym_difference(south_east).area for grid in proposal.grids) / south_east.area

    along = propose(draft, community, target, roads=road)
    assert along.after["grids"] == 2
    assert off_the_road(along) < 0.01
    assert off_the_road(propose(draft, community, target)) > 0.2
