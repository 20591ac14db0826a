"""A rebuild of the coverage table (the day turning, the rules changed) keeps no writer waiting
while it judges every grid, the readers read the table as it was (kept up to date by the writers)
meanwhile, and what was written meanwhile is in the table when it is done.

The city is committed and every step runs on a connection of its own, as the worker and the
writers do."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from grids import coverage_table
from grids.coverage import Thresholds
from grids.models import Role
from tests.conftest import DRAWN_DISTRICT, draw_city

from .test_coverage_table import WITH_DUTIES, assert_table_equals_rules, rule_of


@pytest.fixture
def every_rule_counted(settings):
    settings.COVERAGE_RULES = WITH_DUTIES
    settings.COVERAGE_MIN_TEAM = 3


def in_own_connection(work, *args):
    """`work(*args)` in a thread of its own, on its own connection, each statement committed as it
    goes (the test's own connection holds a transaction that the others could not see into)."""
    outcome = {}

    def run():
        try:
            outcome["value"] = work(*args)
        except BaseException as error:  # noqa: BLE001 - raised again in the test's thread
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def forget(city):
    city.erase()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM grids_coveragestate")
        cursor.execute("DELETE FROM grids_coveragepending")


@pytest.fixture
def city(db, every_rule_counted):
    """A drawn city committed, so that every connection sees it; the table's state goes with it."""
    city = in_own_connection(draw_city, DRAWN_DISTRICT, 1, 0, 1)
    yield city
    in_own_connection(forget, city)


def judging_every_grid_held_open(judging, release):
    """The rebuild's long step, in its own connection, its transaction kept open until `release`."""
    try:
        with transaction.atomic():
            coverage_table.judge_all()
            judging.set()
            release.wait(120)
    finally:
        connection.close()


def appoint_a_grid_worker_waiting_at_most_3_s(city, grid):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '3s'")
        city.serve(city.person("王新"), Role.GRID_WORKER, grid)


def pending_grids():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM grids_coveragepending")
        return cursor.fetchone()[0]


def test_a_grid_worker_appointed_while_every_grid_is_judged_waits_for_nothing_shows_at_once_and_stays(city):
    grid, thresholds, today = city.grids[0], Thresholds.from_settings(), timezone.localdate()
    in_own_connection(coverage_table.rebuild)
    assert in_own_connection(rule_of, grid, "grid_workers") == 0

    in_own_connection(coverage_table.begin_rebuild, today, thresholds)
    judging, release = threading.Event(), threading.Event()
    judge = threading.Thread(target=judging_every_grid_held_open, args=(judging, release))
    judge.start()
    try:
        assert judging.wait(120), "the long step did not start"
        # the long step holds every row of its own table, none of the readers'
        in_own_connection(appoint_a_grid_worker_waiting_at_most_3_s, city, grid)
        assert in_own_connection(rule_of, grid, "grid_workers") == 1, "the readers' table judged by the writer"
        assert in_own_connection(coverage_table.serves, thresholds), "and read meanwhile"
    finally:
        release.set()
        judge.join()

    # the long step judged the grid before the appointment: its last step judges it again
    assert in_own_connection(pending_grids) == 1
    in_own_connection(coverage_table.finish_rebuild, today, thresholds)
    assert in_own_connection(coverage_table.is_current, thresholds)
    assert in_own_connection(rule_of, grid, "grid_workers") == 1
    in_own_connection(assert_table_equals_rules, city)
    assert in_own_connection(pending_grids) == 0


def yesterdays_table_read_while_todays_is_judged(city, thresholds, today):
    yesterday = today - timedelta(days=1)
    coverage_table.rebuild(yesterday, thresholds)
    serves_before = coverage_table.serves(thresholds)
    coverage_table.begin_rebuild(today, thresholds)
    coverage_table.judge_all()
    serves_meanwhile = coverage_table.serves(thresholds), coverage_table.is_current(thresholds)
    coverage_table.finish_rebuild(today, thresholds)
    return serves_before, serves_meanwhile, coverage_table.is_current(thresholds)


def test_yesterdays_table_is_read_until_todays_is_made(city):
    thresholds, today = Thresholds.from_settings(), timezone.localdate()
    before, meanwhile, after = in_own_connection(yesterdays_table_read_while_todays_is_judged, city, thresholds, today)
    assert before, "the day has turned, the worker has not judged today's table yet"
    assert meanwhile == (True, False), "read, not today's"
    assert after
    in_own_connection(assert_table_equals_rules, city)


def a_truncate_during_a_rebuild(thresholds, today):
    coverage_table.begin_rebuild(today, thresholds)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE grids_partymeeting CASCADE")
    coverage_table.judge_all()
    coverage_table.finish_rebuild(today, thresholds)
    return coverage_table.serves(thresholds)


def test_a_table_the_rules_read_truncated_during_a_rebuild_calls_it_off(city):
    thresholds, today = Thresholds.from_settings(), timezone.localdate()
    in_own_connection(coverage_table.rebuild)
    assert not in_own_connection(a_truncate_during_a_rebuild, thresholds, today), "read live"
    assert in_own_connection(coverage_table.keep_current) >= len(city.grids), "until the worker judges it again"
    assert in_own_connection(coverage_table.is_current, thresholds)


def a_rebuild_for_yesterday_overtaken_by_todays(thresholds, today):
    yesterday = today - timedelta(days=1)
    coverage_table.begin_rebuild(yesterday, thresholds)
    coverage_table.judge_all()
    coverage_table.begin_rebuild(today, thresholds)
    coverage_table.finish_rebuild(yesterday, thresholds)
    overtaken_ready = coverage_table.serves(thresholds)
    coverage_table.judge_all()
    coverage_table.finish_rebuild(today, thresholds)
    return overtaken_ready, coverage_table.is_current(thresholds)


def test_a_rebuild_overtaken_by_one_for_another_day_leaves_the_table_to_it(city):
    thresholds, today = Thresholds.from_settings(), timezone.localdate()
    overtaken_ready, ready = in_own_connection(a_rebuild_for_yesterday_overtaken_by_todays, thresholds, today)
    assert not overtaken_ready, "yesterday's rebuild does not mark the table ready"
    assert ready
    in_own_connection(assert_table_equals_rules, city)
