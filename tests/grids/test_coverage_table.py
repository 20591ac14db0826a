"""The maintained coverage table equals the live rules of grids.coverage for every grid after each
kind of change (people, roles, links, stations, visits, meetings, Party groups, a re-division, a
deletion), after the day turns, and after seeded random sequences of changes; and the readers use
it only while it is today's."""

import random
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from grids import coverage_table, generations
from grids.coverage import RULES, Thresholds, grid_coverage, grid_results, grid_rules, summary
from grids.duty_weeks import monday_of
from grids.models import Assignment, HouseholdLink, PartyMeeting, Person, Role, ServiceStation, Visit
from maps.queries import coverage_totals

from .test_coverage import staff_completely
from .test_generations import cut_down_the_middle

WITH_DUTIES = (*RULES, "visits", "analysis")


@pytest.fixture(autouse=True)
def every_rule_counted(settings):
    settings.COVERAGE_RULES = WITH_DUTIES
    settings.COVERAGE_MIN_TEAM = 3
    settings.COVERAGE_HOUSEHOLD_PERCENT = 80
    settings.COVERAGE_STATION_METRES = 1000
    settings.COVERAGE_VISIT_WEEKS = 4
    settings.COVERAGE_VISIT_PERCENT = 80


@pytest.fixture
def city(drawn_city):
    """The drawn city with its first grid staffed completely and the table built."""
    staff_completely(drawn_city, drawn_city.grids[0])
    coverage_table.rebuild()
    return drawn_city


def rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) r ORDER BY code", params)
        columns = [c.name for c in cursor.description]
        return {row[1]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}


def assert_table_equals_rules(city, today=None):
    stored = rows(*coverage_table.table_sql(city.code))
    live = rows(*grid_rules(city.code, today=today))
    assert stored.keys() == live.keys()
    for code, row in live.items():
        assert {k: stored[code][k] for k in coverage_table.STORED} == {k: row[k] for k in coverage_table.STORED}, code


def add_visit(link, day):
    return Visit.objects.create(
        client_id=uuid.uuid4(), link=link, person=link.person, grid=link.grid, visited_on=day, households_reached=1
    )


def rule_of(grid, column):
    return rows(*coverage_table.table_sql(grid.code))[grid.code][column]


# --- each kind of change ---------------------------------------------------------------------------


def test_a_grid_worker_assigned_and_then_ended_shows_in_the_table_at_once(city):
    grid = city.grids[1]
    served = city.serve(city.person("王网格"), Role.GRID_WORKER, grid)
    assert rule_of(grid, "grid_workers") == 1
    assert_table_equals_rules(city)
    served.ends_on = timezone.localdate()
    served.save()
    assert rule_of(grid, "grid_workers") == 0
    assert_table_equals_rules(city)


def test_a_household_link_moved_between_grids_refreshes_both(city):
    first, second = city.grids[0], city.grids[1]
    assert rule_of(first, "ok_households") and rule_of(second, "linked_households") == 0
    link = HouseholdLink.objects.filter(grid=first).first()
    HouseholdLink.objects.filter(id=link.id).update(grid=second)  # SQL, as the movers write
    assert not rule_of(first, "ok_households") and rule_of(second, "linked_households") == 30
    assert_table_equals_rules(city)


def test_a_station_added_moved_and_removed_changes_the_nearest_station_of_the_grids_around(city):
    far = city.grids[-1]
    station = city.station("东站", far)
    assert rule_of(far, "station_id") == station.id
    assert_table_equals_rules(city)
    station.location = city.grids[5].geom.point_on_surface
    station.save()
    assert_table_equals_rules(city)
    station.delete()
    assert_table_equals_rules(city)
    ServiceStation.objects.all().delete()
    assert rule_of(far, "station_id") is None
    assert_table_equals_rules(city)


def test_a_visit_and_an_analysis_recorded_refresh_the_duty_rules(city):
    grid = city.grids[0]
    assert not rule_of(grid, "ok_analysis")
    last_month = timezone.localdate().replace(day=1) - timedelta(days=3)
    PartyMeeting.objects.create(client_id=uuid.uuid4(), area=grid, kind="analysis", held_on=last_month)
    assert rule_of(grid, "ok_analysis")
    add_visit(grid.household_links.first(), monday_of(timezone.localdate()) - timedelta(days=5))
    assert rule_of(grid, "visit_weeks_done") == 1
    assert_table_equals_rules(city)


def test_a_member_who_leaves_the_party_no_longer_counts_in_the_service_team(city):
    grid = city.grids[0]
    Person.objects.filter(name="陈二").update(is_party_member=False)
    assert rule_of(grid, "team_members") == 2
    assert_table_equals_rules(city)


def test_a_person_deleted_takes_their_roles_links_and_group_leadership_out_of_the_table(city):
    grid = city.grids[0]
    Person.objects.get(name="陈一").delete()  # the Party group's leader, in the team, linking 30 households
    row = rows(*coverage_table.table_sql(grid.code))[grid.code]
    assert (row["has_group_leader"], row["team_members"], row["linked_households"]) == (False, 2, 60)
    assert_table_equals_rules(city)


def test_a_grid_split_by_a_generation_gives_the_new_grids_rows_and_drops_the_old_one(city):
    grid = city.grids[0]
    draft = generations.start_draft(city.code)
    generations.split(draft.id, grid.code, cut_down_the_middle(grid))
    plan = generations.activate(draft.id)
    table = rows(*coverage_table.table_sql(city.code))
    assert grid.code not in table and set(plan.added) <= table.keys()
    assert_table_equals_rules(city)


def test_a_grid_whose_households_change_is_judged_again(city):
    grid = city.grids[0]
    grid.households = 1000
    grid.save()
    assert not rule_of(grid, "ok_households")
    assert_table_equals_rules(city)


# --- the day turning -------------------------------------------------------------------------------


def test_the_week_turning_counts_this_weeks_visits_once_the_worker_has_rebuilt_the_table(city):
    grid = city.grids[0]
    this_monday = monday_of(timezone.localdate())
    for link in grid.household_links.all():
        add_visit(link, this_monday)  # this week: not counted until it is a full week behind
    assert rule_of(grid, "visit_weeks_done") == 0
    assert coverage_table.keep_current() == 0, "today's table is left as it is"
    next_monday = this_monday + timedelta(days=7)
    assert coverage_table.keep_current(today=next_monday) >= len(city.grids)
    assert rule_of(grid, "visit_weeks_done") == 3
    assert_table_equals_rules(city, today=next_monday)


def test_a_role_starting_tomorrow_counts_from_tomorrows_rebuild(city):
    grid, tomorrow = city.grids[1], timezone.localdate() + timedelta(days=1)
    city.serve(city.person("明网格"), Role.GRID_WORKER, grid, starts_on=tomorrow)
    assert rule_of(grid, "grid_workers") == 0
    coverage_table.keep_current(today=tomorrow)
    assert rule_of(grid, "grid_workers") == 1
    assert_table_equals_rules(city, today=tomorrow)


# --- the readers -----------------------------------------------------------------------------------


def test_the_readers_use_the_table_only_while_it_is_of_the_settings_and_today_or_yesterdays(city, settings):
    assert "grids_gridcoverage" in grid_results(city.code)[0]
    assert "grids_gridcoverage" not in grid_results(city.code, today=timezone.localdate())[0], "as_of: live"
    settings.COVERAGE_MIN_TEAM = 4
    assert "grids_gridcoverage" not in grid_results(city.code)[0], "other thresholds: live until rebuilt"
    assert coverage_table.keep_current() >= len(city.grids)
    assert "grids_gridcoverage" in grid_results(city.code)[0]
    coverage_table.keep_current(today=timezone.localdate() + timedelta(days=1))
    assert "grids_gridcoverage" not in grid_results(city.code)[0], "another day's table: live"
    coverage_table.keep_current(today=timezone.localdate() - timedelta(days=1))
    assert "grids_gridcoverage" in grid_results(city.code)[0], "yesterday's, until the worker judges today's"
    coverage_table.keep_current(today=timezone.localdate() - timedelta(days=2))
    assert "grids_gridcoverage" not in grid_results(city.code)[0], "older: live"


def test_a_truncated_input_table_sends_the_readers_back_to_the_live_rules(city):
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE grids_partymeeting CASCADE")
    assert not coverage_table.is_current(Thresholds.from_settings())


def test_the_summary_the_grids_and_the_dashboards_totals_read_from_the_table_equal_the_live_ones(city):
    def figures():
        return summary(city.code, "street"), grid_coverage(city.code), coverage_totals([city.code])

    from_table = figures()
    coverage_table.suspend()
    assert not coverage_table.is_current(Thresholds.from_settings())
    assert figures() == from_table
    assert coverage_table.keep_current() >= len(city.grids), "the worker judges it again"


# --- random sequences --------------------------------------------------------------------------------


def random_change(rng, city, today):
    grids = city.grids
    kind = rng.choice(["serve", "end", "link", "end_link", "visit", "meeting", "station", "party", "households"])
    if kind == "serve":
        role = rng.choice([Role.GRID_WORKER, Role.SERVICE_TEAM_MEMBER])
        city.serve(city.person(f"随机{rng.randrange(10**6)}", party_member=rng.random() < 0.8), role, rng.choice(grids))
    elif kind == "end" and (served := Assignment.objects.filter(ends_on__isnull=True).order_by("id")):
        Assignment.objects.filter(id=rng.choice(list(served)).id).update(ends_on=today)
    elif kind == "link":
        city.link(rng.choice(city.people), rng.choice(grids), households=rng.randrange(10, 60))
    elif kind == "end_link" and (links := list(HouseholdLink.objects.filter(ends_on__isnull=True).order_by("id"))):
        HouseholdLink.objects.filter(id=rng.choice(links).id).update(ends_on=today)
    elif kind == "visit" and (links := list(HouseholdLink.objects.order_by("id"))):
        add_visit(rng.choice(links), monday_of(today) - timedelta(days=rng.randrange(1, 35)))
    elif kind == "meeting":
        held_on = today.replace(day=1) - timedelta(days=rng.randrange(1, 40))
        PartyMeeting.objects.create(client_id=uuid.uuid4(), area=rng.choice(grids), kind="analysis", held_on=held_on)
    elif kind == "station":
        x0, y0, x1, y1 = city.district.geom.extent
        at = (x0 + rng.random() * (x1 - x0) * 1.5, y0 + rng.random() * (y1 - y0))
        if ServiceStation.objects.exists() and rng.random() < 0.4:
            ServiceStation.objects.order_by("?").first().delete()
        else:
            city.station(f"站{rng.randrange(10**6)}", rng.choice(grids), at=at)
    elif kind == "party":
        person = rng.choice(city.people)
        Person.objects.filter(id=person.id).update(is_party_member=rng.random() < 0.5)
    elif kind == "households":
        grid = rng.choice(grids)
        grid.households = rng.choice([None, 0, 50, 100, 200])
        grid.save()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_sequences_of_changes_keep_the_table_equal_to_the_rules(city, seed):
    rng, today = random.Random(seed), timezone.localdate()
    for _ in range(30):
        random_change(rng, city, today)
        assert_table_equals_rules(city)
