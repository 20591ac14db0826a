"""The weeks due and done kept (grids.visited_weeks: the changes of weeks due per area and Monday,
the visits done per community and week) give the visits' figures the links and visits themselves
give (volunteers.figures counted from them), at every level from the community up and for any
period, after each kind of change to visits and household links and after seeded random sequences
of them; and the kept rows are those a rebuild from scratch makes."""

import random
import uuid
from datetime import date, timedelta

import pytest
from django.db import connection

from grids import visited_weeks
from grids.models import CommunityWeek, DueWeekChange, HouseholdLink, Visit, VisitedWeek
from volunteers.figures import volunteer_figures, volunteer_totals

FIRST = date(2026, 3, 2)  # a Monday
PERIODS = (
    (FIRST, FIRST + timedelta(days=70)),
    (FIRST + timedelta(days=3), FIRST + timedelta(days=40)),  # from a Thursday to a Saturday
    (FIRST + timedelta(days=14), FIRST + timedelta(days=15)),  # one Monday
)
LEVELS = ("district", "street", "community")


@pytest.fixture
def city(drawn_city):
    """The drawn city (two communities in each of its streets) with two members."""
    drawn_city.members = [drawn_city.person("张党员"), drawn_city.person("李党员")]
    return drawn_city


def visit(link, day):
    return Visit.objects.create(
        client_id=uuid.uuid4(), link=link, person=link.person, grid=link.grid, visited_on=day, households_reached=1
    )


def assert_kept_equals_counted(city):
    for since, until in PERIODS:
        for level in LEVELS:
            kept = volunteer_figures([city.code], level, since, until)
            counted = volunteer_figures([city.code], level, since, until, kept=False)
            assert kept == counted, (level, since, until)
        for prefix in (city.code, city.communities[0].code):
            assert volunteer_totals([prefix], since, until) == volunteer_totals([prefix], since, until, kept=False)


def kept_rows():
    weeks = set(VisitedWeek.objects.values_list("link_id", "monday", "visits", "counted_in"))
    communities = {row for row in CommunityWeek.objects.values_list("community_code", "monday", "done") if row[2]}
    due = {row for row in DueWeekChange.objects.values_list("length", "code", "monday", "change") if row[3]}
    return weeks, communities, due


def assert_kept_rows_are_a_rebuilds():
    kept = kept_rows()
    visited_weeks.rebuild()
    assert kept_rows() == kept


def done(city, since=FIRST, until=FIRST + timedelta(days=70), prefix=None):
    return volunteer_totals([prefix or city.code], since, until)["visits_done"]


def test_a_visit_counts_once_a_week_and_only_in_a_week_due(city):
    link = city.link(city.members[0], city.grids[0], 3, starts_on=FIRST + timedelta(days=2))  # a Wednesday
    visit(link, FIRST + timedelta(days=3))  # its first week is not due: taken up on its Wednesday
    assert done(city) == 0
    visit(link, FIRST + timedelta(days=7))
    visit(link, FIRST + timedelta(days=9))  # the same week again
    assert done(city) == 1
    assert_kept_equals_counted(city)
    assert_kept_rows_are_a_rebuilds()


def test_a_links_dates_changed_move_its_weeks_in_and_out_of_due(city):
    link = city.link(city.members[0], city.grids[0], 3, starts_on=FIRST)
    for week in range(4):
        visit(link, FIRST + timedelta(days=7 * week + 1))
    assert done(city) == 4
    HouseholdLink.objects.filter(pk=link.pk).update(ends_on=FIRST + timedelta(days=16))  # ends on a Wednesday
    assert done(city) == 2
    HouseholdLink.objects.filter(pk=link.pk).update(starts_on=FIRST + timedelta(days=1), ends_on=None)
    assert done(city) == 3
    assert_kept_equals_counted(city)
    assert_kept_rows_are_a_rebuilds()


def test_a_link_moved_to_another_communitys_grid_takes_its_weeks_with_it(city):
    first, other = city.communities[0], city.communities[1]
    link = city.link(city.members[0], city.grids_of(first)[0], 3, starts_on=FIRST)
    visit(link, FIRST + timedelta(days=1))
    assert (done(city, prefix=first.code), done(city, prefix=other.code)) == (1, 0)
    HouseholdLink.objects.filter(pk=link.pk).update(grid=city.grids_of(other)[0])
    assert (done(city, prefix=first.code), done(city, prefix=other.code)) == (0, 1)
    assert_kept_equals_counted(city)


def test_a_visit_moved_to_another_link_or_deleted_leaves_its_week(city):
    one = city.link(city.members[0], city.grids[0], 3, starts_on=FIRST)
    two = city.link(city.members[1], city.grids[1], 3, starts_on=FIRST)
    made = visit(one, FIRST + timedelta(days=1))
    Visit.objects.filter(pk=made.pk).update(link=two)
    assert [row[0] for row in kept_rows()[0]] == [two.pk]
    made.delete()
    assert kept_rows()[:2] == (set(), set())
    assert done(city) == 0


def test_visits_truncated_empty_the_kept_weeks(city):
    link = city.link(city.members[0], city.grids[0], 3, starts_on=FIRST)
    visit(link, FIRST + timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the visit's deferred checks, done before
        cursor.execute("TRUNCATE grids_visit CASCADE")
    assert kept_rows()[:2] == (set(), set())
    assert_kept_equals_counted(city)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE grids_householdlink CASCADE")
    assert kept_rows() == (set(), set(), set())


def test_the_weeks_due_follow_links_added_ended_moved_and_deleted(city):
    first, other = city.communities[0], city.communities[1]

    def due(prefix):
        return volunteer_totals([prefix], FIRST, FIRST + timedelta(days=70))["visits_due"]

    link = city.link(city.members[0], city.grids_of(first)[0], 3, starts_on=FIRST - timedelta(days=30))
    assert (due(city.code), due(first.code), due(other.code)) == (10, 10, 0)
    HouseholdLink.objects.filter(pk=link.pk).update(ends_on=FIRST + timedelta(days=20))  # a Sunday: 2 weeks
    assert due(city.code) == 2
    HouseholdLink.objects.filter(pk=link.pk).update(grid=city.grids_of(other)[0], ends_on=None)
    assert (due(first.code), due(other.code)) == (0, 10)
    # taken up on a Wednesday and given up on the next Thursday: no whole week
    HouseholdLink.objects.filter(pk=link.pk).update(
        starts_on=FIRST + timedelta(days=2), ends_on=FIRST + timedelta(days=10)
    )
    assert due(city.code) == 0
    HouseholdLink.objects.filter(pk=link.pk).delete()
    assert due(city.code) == 0
    assert_kept_equals_counted(city)
    assert_kept_rows_are_a_rebuilds()


@pytest.mark.parametrize("seed", range(4))
def test_random_sequences_of_changes_keep_the_weeks_equal_to_the_visits(city, seed):
    rng = random.Random(seed)
    links, visits = [], []

    def some_day():
        return FIRST - timedelta(days=14) + timedelta(days=rng.randrange(100))

    def maybe_end(starts):
        return None if rng.random() < 0.5 else starts + timedelta(days=1 + rng.randrange(40))

    for step in range(120):
        choice = rng.random()
        if not links or choice < 0.15:
            links.append(city.link(rng.choice(city.members), rng.choice(city.grids), 2, starts_on=some_day()))
        elif choice < 0.6:
            visits.append(visit(rng.choice(links), some_day()))
        elif choice < 0.7 and visits:
            visits.pop(rng.randrange(len(visits))).delete()
        elif choice < 0.78 and visits:
            made, moved_to = rng.choice(visits), rng.choice(links)
            Visit.objects.filter(pk=made.pk).update(link=moved_to, visited_on=some_day())
            made.link_id = moved_to.pk
        elif choice < 0.9:
            starts = some_day()
            HouseholdLink.objects.filter(pk=rng.choice(links).pk).update(starts_on=starts, ends_on=maybe_end(starts))
        elif choice < 0.97:
            HouseholdLink.objects.filter(pk=rng.choice(links).pk).update(grid=rng.choice(city.grids))
        else:  # a link no visit was recorded against
            unvisited = [link for link in links if not any(v.link_id == link.pk for v in visits)]
            if unvisited:
                gone = rng.choice(unvisited)
                links.remove(gone)
                HouseholdLink.objects.filter(pk=gone.pk).delete()
        if step % 30 == 29:
            assert_kept_equals_counted(city)
    assert_kept_rows_are_a_rebuilds()
    assert done(city) > 0
