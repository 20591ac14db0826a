"""Generations: a draft re-division of a drawn community (split, merge, carve, a moved border), its
check, its dry run and its activation, which moves the work and leaves the old grids queryable."""

import uuid
from datetime import timedelta

import pytest
from django.contrib.gis.geos import LineString, Point, Polygon
from django.utils import timezone

from govgrid.lib.errors import Conflict, NotFound, Unprocessable
from grids import generations
from grids.models import Area, Assignment, DraftGrid, Generation, HouseholdLink, PartyOrg, Role, Succession
from incidents.intake import Report, report_incident
from incidents.models import IncidentEvent
from tests.conftest import DRAWN_CELL

pytestmark = pytest.mark.django_db


def first_community(city):
    return city.communities[0]


def west_grid(city):
    return city.grids_of(first_community(city))[0]


def cut_down_the_middle(grid):
    """A line from south to north through the middle of a square grid, a little beyond its borders."""
    x0, y0, x1, y1 = grid.geom.extent
    middle = (x0 + x1) / 2
    return LineString((middle, y0 - 0.001), (middle, y1 + 0.001), srid=4326)


def test_a_split_gives_two_grids_under_new_codes_with_the_households_divided_by_ground(drawn_city):
    grid = west_grid(drawn_city)
    draft = generations.start_draft(drawn_city.code)
    made = generations.split(draft.id, grid.code, cut_down_the_middle(grid))
    community = first_community(drawn_city)
    # the community had grids 001 and 002: the new ones come after the highest code ever used
    assert [d.code for d in made] == [community.code + "003", community.code + "004"]
    assert sorted(d.households for d in made) == [50, 50]
    assert sum(d.population for d in made) == grid.population
    assert list(draft.retires.values_list("code", flat=True)) == [grid.code]
    assert Generation.objects.get(district=drawn_city.district, number=1).status == Generation.Status.ACTIVE
    assert Area.objects.filter(code=grid.code).exists(), "a draft leaves the areas alone"


def test_a_line_that_does_not_cross_the_grid_is_refused_naming_the_line(drawn_city):
    grid = west_grid(drawn_city)
    draft = generations.start_draft(drawn_city.code)
    x0, y0, x1, y1 = grid.geom.extent
    with pytest.raises(Unprocessable) as refused:
        generations.split(draft.id, grid.code, LineString((x0 + 0.0005, y0 + 0.0005), (x0 + 0.001, y0 + 0.001)))
    assert refused.value.field == "line"
    assert not DraftGrid.objects.filter(generation=draft).exists()


def test_only_adjacent_grids_of_one_community_merge(drawn_city):
    draft = generations.start_draft(drawn_city.code)
    one, other = drawn_city.communities[0], drawn_city.communities[1]
    with pytest.raises(Unprocessable) as refused:
        generations.merge(draft.id, [drawn_city.grids_of(one)[0].code, drawn_city.grids_of(other)[0].code])
    assert refused.value.field == "grids"
    merged = generations.merge(draft.id, [g.code for g in drawn_city.grids_of(one)], name="合并网格")
    assert len(merged) == 1 and merged[0].households == 200 and merged[0].name == "合并网格"
    assert len(merged[0].geom) == 1


def test_a_stale_version_or_a_finished_generation_is_refused(drawn_city):
    grid = west_grid(drawn_city)
    draft = generations.start_draft(drawn_city.code)
    with pytest.raises(Conflict) as stale:
        generations.split(draft.id, grid.code, cut_down_the_middle(grid), version=draft.version + 1)
    assert stale.value.as_dict()["code"] == "stale_version"
    generations.discard(draft.id)
    with pytest.raises(Conflict) as finished:
        generations.split(draft.id, grid.code, cut_down_the_middle(grid))
    assert finished.value.as_dict()["code"] == "wrong_status"
    with pytest.raises(NotFound):
        generations.split(draft.id + 999, grid.code, cut_down_the_middle(grid))


def test_a_market_carved_out_becomes_a_dedicated_grid_and_a_moved_border_replaces_both_grids(drawn_city):
    community = first_community(drawn_city)
    west, east = drawn_city.grids_of(community)
    x0, y0, x1, y1 = east.geom.extent
    market = Polygon.from_bbox((x0 + 0.001, y0 + 0.001, x0 + 0.002, y0 + 0.002))
    market.srid = 4326
    draft = generations.start_draft(drawn_city.code)
    made = generations.carve(draft.id, market, community.code, name="农贸市场专属网格", kind="market")
    kinds = {d.name: d.kind for d in made}
    assert kinds["农贸市场专属网格"] == "market" and len(made) == 2
    assert sum(d.households for d in made) == east.households
    # a border moved: a strip of the east grid along their shared border goes to the west grid
    strip = Polygon.from_bbox((x0 - 0.0001, y0, x0 + 0.0005, y1))
    strip.srid = 4326
    moved = generations.carve(draft.id, strip, community.code, into=west.code)
    assert {d.how for d in moved} == {"border"}
    view = generations.community_view(draft, community)
    assert west.code not in view and east.code not in view and len(view) == 3
    assert generations.check(draft.id) == []


def staff_the_west_grid(city):
    grid = west_grid(city)
    worker = city.person("网格员甲")
    city.serve(worker, Role.GRID_WORKER, grid)
    leader = city.person("党小组长甲")
    city.serve(leader, Role.PARTY_GROUP_LEADER, grid)
    city.party_group(grid, leader)
    member = city.person("党员甲")
    city.link(member, grid, 31)
    station = city.station("西站", grid, at=(grid.geom.extent[0] + 0.0005, grid.geom.extent[1] + 0.0005))
    return worker, member, station


def a_case_at(city, user, point):
    report = Report(client_id=uuid.uuid4(), category="0301", description="井盖缺失", lon=point[0], lat=point[1])
    return report_incident(user, report)[0]


def test_activating_moves_the_work_and_keeps_the_old_grid_for_yesterday(staffed_city):
    city = staffed_city
    grid = west_grid(city)
    worker, member, station = staff_the_west_grid(city)
    x0, y0, x1, y1 = grid.geom.extent
    east_half_point = (x1 - DRAWN_CELL / 8, (y0 + y1) / 2)
    case = a_case_at(city, city.users["grid_worker"], east_half_point)
    assert case.grid_id == grid.id

    draft = generations.start_draft(city.code, name="2026年网格调整")
    generations.split(draft.id, grid.code, cut_down_the_middle(grid))
    plan = generations.activate(draft.id, user=city.users["admin"])

    today = timezone.localdate()
    assert plan.problems == [] and plan.retired == [grid.code] and len(plan.added) == 2
    west_half, east_half = sorted(Area.objects.filter(code__in=plan.added), key=lambda a: a.geom.extent[0])
    # the old grid is retired today and queryable as of yesterday
    assert not Area.objects.filter(code=grid.code).exists()
    old = Area.every.get(code=grid.code)
    assert old.valid_to == today
    point = Point(*east_half_point, srid=4326)
    assert Area.every.as_of(today - timedelta(days=1)).grids().filter(geom__covers=point).get() == old
    assert Area.objects.grid_at(point) == east_half
    # the old→new table: each half holds half of the old grid
    shares = sorted(Succession.objects.filter(old=old).values_list("share", flat=True))
    assert shares == pytest.approx([0.5, 0.5], abs=1e-6)
    # the open case moved to the half covering its point, with an event naming both grids
    case.refresh_from_db()
    assert case.grid == east_half and case.area_code == east_half.code and case.version == 2
    event = IncidentEvent.objects.filter(incident=case).latest("id")
    assert event.action == "regrid" and event.note == f"{grid.code} → {east_half.code}"
    # people: the old assignment ends today and a new one starts in the grid holding most (a tie: the lower code)
    ended = Assignment.objects.get(person=worker, area=old)
    assert ended.ends_on == today
    assert Assignment.objects.get(person=worker, ends_on__isnull=True).area == west_half
    # the household link's 31 households are divided 16 / 15 between the halves
    links = HouseholdLink.objects.filter(person=member, ends_on__isnull=True).order_by("grid__code")
    assert sorted(link.households for link in links) == [15, 16]
    # the station goes to the half that covers it; each half gets a Party group
    station.refresh_from_db()
    assert station.area == west_half
    assert PartyOrg.objects.filter(area__in=[west_half, east_half]).count() == 2
    # the conflicts name what the administrator must settle: the east half has no grid worker
    assert {(c["kind"], c["grid"]) for c in plan.conflicts} >= {("no_grid_worker", east_half.code)}
    assert any(c["kind"] == "one_leader_for_several_groups" for c in plan.conflicts)
    draft.refresh_from_db()
    assert draft.status == Generation.Status.ACTIVE and draft.valid_from == today and draft.plan["counts"]["case"] == 1
    first = Generation.objects.get(district=city.district, number=1)
    assert first.status == Generation.Status.PAST and first.valid_to == today


def test_a_dry_run_lists_the_same_moves_and_writes_nothing(staffed_city):
    city = staffed_city
    grid = west_grid(city)
    staff_the_west_grid(city)
    draft = generations.start_draft(city.code)
    generations.split(draft.id, grid.code, cut_down_the_middle(grid))
    areas_before = Area.every.count()
    links_before = list(HouseholdLink.objects.values_list("id", "grid_id", "households", "ends_on"))
    dry = generations.activate(draft.id, dry_run=True)
    assert Area.every.count() == areas_before
    assert list(HouseholdLink.objects.values_list("id", "grid_id", "households", "ends_on")) == links_before
    draft.refresh_from_db()
    assert draft.status == Generation.Status.DRAFT and not Succession.objects.exists()
    real = generations.activate(draft.id)
    assert [(m.kind, m.what, m.old) for m in dry.moves] == [(m.kind, m.what, m.old) for m in real.moves]
    assert dry.conflicts == real.conflicts


def test_a_draft_that_leaves_a_gap_is_refused_with_the_problem_and_nothing_is_written(drawn_city):
    grid = west_grid(drawn_city)
    draft = generations.start_draft(drawn_city.code)
    made = generations.split(draft.id, grid.code, cut_down_the_middle(grid))
    made[0].delete()  # a piece lost: its ground is a gap in the community
    with pytest.raises(Unprocessable) as refused:
        generations.activate(draft.id)
    assert refused.value.extra["problems"][0]["kind"] == "gap"
    assert Area.objects.filter(code=grid.code).exists()
    assert Generation.objects.get(pk=draft.pk).status == Generation.Status.DRAFT


def test_a_second_generation_on_the_same_day_waits_for_the_next(drawn_city):
    grid = west_grid(drawn_city)
    draft = generations.start_draft(drawn_city.code)
    generations.split(draft.id, grid.code, cut_down_the_middle(grid))
    generations.activate(draft.id)
    again = generations.start_draft(drawn_city.code)
    assert again.number == 3
    east = drawn_city.grids_of(first_community(drawn_city))[1]
    generations.split(again.id, east.code, cut_down_the_middle(east))
    with pytest.raises(Conflict) as refused:
        generations.activate(again.id)
    assert refused.value.as_dict()["code"] == "too_early" and refused.value.field == "on"
