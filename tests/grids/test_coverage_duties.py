"""The Party group's duties as coverage rules: `visits` (the link-weeks of the last full weeks
visited, by grids.duty_weeks' one rule, whose SQL and Python agree here) and `analysis` (a
situation analysis held last calendar month). Off unless COVERAGE_RULES names them; when on, the
map, the coverage API and the coverage export give the same figures."""

import itertools
import json
import uuid
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from grids.coverage import ALL_RULES, RULES, grid_coverage, last_calendar_month, summary
from grids.duty_weeks import link_weeks_sql, monday_of, week_is_done, week_is_due, weeks_back
from grids.models import PartyMeeting, Role, Visit

from .test_coverage import staff_completely

WITH_DUTIES = (*RULES, "visits", "analysis")


def add_visit(link, day):
    return Visit.objects.create(
        client_id=uuid.uuid4(), link=link, person=link.person, grid=link.grid, visited_on=day, households_reached=1
    )


def analysis(grid, held_on, kind=PartyMeeting.Kind.ANALYSIS):
    return PartyMeeting.objects.create(client_id=uuid.uuid4(), area=grid, kind=kind, held_on=held_on)


def rows_by_code(prefix, **settings):
    with override_settings(**settings):
        return {row["code"]: row for row in grid_coverage(prefix)}


@pytest.fixture
def staffed(drawn_city):
    """The drawn city's first grid staffed completely: three members linking 30 households each."""
    grid = drawn_city.grids[0]
    staff_completely(drawn_city, grid)
    return grid


def visit_weeks(grid, done_per_link):
    """Visits of the last full weeks: the n-th link of the grid visited in its first `done_per_link[n]` weeks."""
    mondays = weeks_back(timezone.localdate(), 4, include_current=False)
    for link, done in zip(grid.household_links.order_by("id"), done_per_link, strict=True):
        for monday in mondays[:done]:
            add_visit(link, monday + timedelta(days=2))


# --- the rule of a link-week, in SQL and in Python -----------------------------------------------------


def test_the_sql_of_a_link_week_says_what_its_python_twin_says(drawn_city):
    grid, member = drawn_city.grids[0], drawn_city.person("韩梅")
    first = date(2026, 3, 2)  # a Monday
    edges = [first + timedelta(days=d) for d in (-8, -1, 0, 1, 3, 6, 7, 8, 13, 14, 20, 27, 28, 40)]
    links = []
    for starts_on, ends_on in itertools.product(edges, [None, *edges]):
        if ends_on is None or ends_on > starts_on:
            links.append(drawn_city.link(member, grid, 5, starts_on=starts_on, ends_on=ends_on))
    visits = {}
    for n, link in enumerate(links):
        days = [first + timedelta(days=(n * 5 + k * 9) % 35 - 3) for k in range(n % 3)]
        days = [day for day in days if link.starts_on <= day and (link.ends_on is None or day < link.ends_on)]
        for day in days:
            add_visit(link, day)
        visits[link.pk] = days
    with connection.cursor() as cursor:
        cursor.execute(
            link_weeks_sql("SELECT * FROM grids_householdlink WHERE person_id = %(person)s", "%(first)s", "%(weeks)s"),
            {"person": member.pk, "first": first, "weeks": 4},
        )
        rows = {(link_id, week): (due, done) for link_id, _grid, _person, week, due, done in cursor.fetchall()}
    mondays = [first + timedelta(days=7 * n) for n in range(4)]
    expected = {}
    for link in links:
        if link.starts_on <= mondays[-1] + timedelta(days=6) and (link.ends_on is None or link.ends_on > first):
            for monday in mondays:
                expected[link.pk, monday] = (
                    week_is_due(link.starts_on, link.ends_on, monday),
                    week_is_done(link.starts_on, link.ends_on, monday, visits[link.pk]),
                )
    assert rows == expected
    assert {due for due, _done in rows.values()} == {True, False}
    assert {done for _due, done in rows.values()} == {True, False}


def test_a_week_is_due_only_when_the_link_holds_all_of_it():
    monday = date(2026, 3, 2)
    assert week_is_due(monday, None, monday)
    assert not week_is_due(monday + timedelta(days=1), None, monday)  # taken up on the Tuesday
    assert not week_is_due(monday - timedelta(days=30), monday + timedelta(days=6), monday)  # ends on Sunday
    assert week_is_due(monday - timedelta(days=30), monday + timedelta(days=7), monday)
    assert monday_of(date(2026, 3, 8)) == monday and monday_of(monday) == monday


# --- visits --------------------------------------------------------------------------------------------


def test_a_grid_whose_links_were_visited_in_less_than_the_percent_of_their_weeks_is_behind(staffed):
    visit_weeks(staffed, [4, 3, 2])  # 9 of 12 link-weeks: 75 %
    row = rows_by_code(staffed.code, COVERAGE_RULES=WITH_DUTIES)[staffed.code]
    assert (row["visit_weeks_due"], row["visit_weeks_done"], row["ok_visits"]) == (12, 9, False)
    assert row["status"] == "partial"
    assert rows_by_code(staffed.code, COVERAGE_RULES=WITH_DUTIES, COVERAGE_VISIT_PERCENT=75)[staffed.code]["ok_visits"]


def test_a_grid_whose_links_were_visited_often_enough_passes(staffed):
    visit_weeks(staffed, [4, 4, 2])  # 10 of 12: 83 %
    add_visit(staffed.household_links.first(), monday_of(timezone.localdate()))  # this week: not yet counted
    row = rows_by_code(staffed.code, COVERAGE_RULES=(*RULES, "visits"))[staffed.code]
    assert (row["visit_weeks_due"], row["visit_weeks_done"], row["ok_visits"]) == (12, 10, True)
    assert row["status"] == "full"


def test_the_visits_weeks_follow_the_setting(staffed):
    visit_weeks(staffed, [4, 4, 4])
    row = rows_by_code(staffed.code, COVERAGE_VISIT_WEEKS=6)[staffed.code]
    assert (row["visit_weeks_due"], row["visit_weeks_done"], row["ok_visits"]) == (18, 12, False)


def test_a_grid_without_household_links_passes_the_visits_rule_and_it_does_not_count(drawn_city):
    grid = drawn_city.grids[1]
    off = rows_by_code(grid.code)[grid.code]
    on = rows_by_code(grid.code, COVERAGE_RULES=(*RULES, "visits"))[grid.code]
    assert (on["visit_weeks_due"], on["ok_visits"]) == (0, True)
    assert (on["passed"], on["counted"], on["status"]) == (off["passed"], off["counted"], off["status"])


# --- analysis ------------------------------------------------------------------------------------------


def test_a_grid_passes_the_analysis_rule_by_a_situation_analysis_held_last_month(staffed, drawn_city):
    first, this_month = last_calendar_month(timezone.localdate())
    other = drawn_city.grids[1]
    analysis(staffed, first)
    analysis(other, this_month)  # this month's counts next month
    analysis(other, first - timedelta(days=1))  # the month before
    analysis(other, first, kind=PartyMeeting.Kind.TRAINING)  # a training is no analysis
    rows = rows_by_code(drawn_city.communities[0].code, COVERAGE_RULES=(*RULES, "analysis"))
    assert (rows[staffed.code]["ok_analysis"], rows[staffed.code]["status"]) == (True, "full")
    assert (rows[other.code]["analysis_meetings"], rows[other.code]["ok_analysis"]) == (0, False)
    assert rows_by_code(staffed.code, COVERAGE_RULES=(*RULES, "analysis"))[staffed.code]["counted"] == 6


def test_last_calendar_month_is_the_whole_month_before(db):
    assert last_calendar_month(date(2026, 3, 31)) == (date(2026, 2, 1), date(2026, 3, 1))
    assert last_calendar_month(date(2026, 1, 1)) == (date(2025, 12, 1), date(2026, 1, 1))


# --- off unless named ---------------------------------------------------------------------------------


def test_the_duty_rules_are_off_by_default_and_the_figures_stay_as_they_were(staffed, drawn_city, settings):
    assert set(settings.COVERAGE_RULES) == set(RULES)
    row = grid_coverage(staffed.code)[0]
    assert row["visit_weeks_due"] == 12 and not row["ok_visits"] and not row["ok_analysis"]
    assert row["status"] == "full" and row["counted"] == 5
    (district,) = summary(drawn_city.code, "district")
    assert list(district["failed"]) == list(RULES) and district["full"] == 1
    leader = Client()
    leader.force_login(drawn_city.account("lead", "周立德", Role.LEADER, drawn_city.district))
    feature = leader.get("/api/v1/coverage/grids/", {"within": staffed.code}).json()["features"][0]
    assert list(feature["properties"]["rules"]) == list(RULES)
    card = leader.get(f"/maps/coverage/grid/{staffed.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "grid worker" in card and "weekly household visits" not in card
    with override_settings(COVERAGE_RULES=WITH_DUTIES):
        (district,) = summary(drawn_city.code, "district")
        assert list(district["failed"]) == list(ALL_RULES) and district["full"] == 0


# --- one figure everywhere ----------------------------------------------------------------------------


def test_the_map_the_api_and_the_export_give_the_same_duty_figures(staffed, drawn_city, settings):
    # the page rendered here, without the collected files' manifest
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }
    visit_weeks(staffed, [4, 1, 0])
    analysis(drawn_city.grids[1], last_calendar_month(timezone.localdate())[0])
    community = drawn_city.communities[0].code
    analyst = Client()
    analyst.force_login(drawn_city.account("ana", "分析员", Role.ANALYST, drawn_city.district))
    with override_settings(COVERAGE_RULES=WITH_DUTIES):
        rows = {row["code"]: row for row in grid_coverage(community)}
        api = analyst.get("/api/v1/coverage/grids/", {"within": community}).json()
        response = analyst.get("/api/v1/export/coverage.geojson", {"area": community})
        body = b"".join(response.streaming_content) if response.streaming else response.content
        exported = {f["id"]: f["properties"] for f in json.loads(body)["features"]}
        summary_api = analyst.get("/api/v1/coverage/summary/", {"within": community}).json()
        card = analyst.get(f"/maps/coverage/grid/{staffed.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        page = analyst.get("/maps/coverage/", {"area": community}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert api["rules"]["counted"] == list(WITH_DUTIES)
    assert rows[staffed.code]["status"] == "partial" and not rows[staffed.code]["ok_visits"]
    assert rows[drawn_city.grids[1].code]["ok_analysis"]
    for feature in api["features"]:
        code, props = feature["id"], feature["properties"]
        assert props["rules"] == {rule: rows[code][f"ok_{rule}"] for rule in ALL_RULES}
        assert props["status"] == exported[code]["status"] == rows[code]["status"]
        for column in ("visit_weeks_due", "visit_weeks_done", "analysis_meetings"):
            assert props[column] == exported[code][column] == rows[code][column]
        assert exported[code]["ok_visits"] == props["rules"]["visits"]
        assert exported[code]["ok_analysis"] == props["rules"]["analysis"]
    (area,) = summary_api["areas"]
    assert area["failed"]["visits"] == sum(not row["ok_visits"] for row in rows.values()) == 1
    assert area["failed"]["analysis"] == sum(not row["ok_analysis"] for row in rows.values()) == 1
    assert summary_api["all_rules"] == list(ALL_RULES)
    assert "weekly household visits" in card and "5 of 12 link-weeks visited" in card
    assert "monthly situation analysis" in card
    assert "weekly household visits" in page and "monthly situation analysis" in page
