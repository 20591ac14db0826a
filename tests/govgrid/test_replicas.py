"""Read replicas on a real hot standby: scripts/standby.sh copies the test cluster with
pg_basebackup and streams from it; gunicorn serves the test database with the standby as its
replica (GOVGRID_DATABASE_REPLICA_URLS). Which server answered is read from each server's own
statement counts (pg_stat_statements), the primary's left out of nothing but the health check.

One standby for the module: copying the cluster takes seconds."""

import csv
import io
import json
import math
import os
import subprocess
import sys
import time
import uuid

import psycopg2
import pytest
from django.db import connection

from govgrid import replicas
from tests.conftest import ROOT, _free_port, database_url, gunicorn, worker_grid
from tests.govgrid.visitors import Visitor
from tests.incidents.browsing import token_of

pytestmark = [
    pytest.mark.skipif(
        bool(os.environ.get("DATABASE_URL")), reason="scripts/standby.sh copies the local cluster (scripts/pg.sh)"
    ),
    pytest.mark.django_db,  # the test database, which the served app and the standby hold
]

CHECK_SECONDS = 0.2  # the served app's GOVGRID_REPLICA_CHECK_SECONDS
# The application's tables, the sessions' and the users' included: every read a page makes.
APP_STATEMENTS = r"(incidents_|grids_|maps_|django_session|auth_user|authtoken_)"
YEAR = "since=2026-01-01T00:00:00Z&until=2027-01-01T00:00:00Z"
COVERAGE_SUMMARY = "/api/v1/coverage/summary/?within=411381"
READ_PAGES = ("/", f"/api/v1/figures/?within=411381&level=street&{YEAR}", COVERAGE_SUMMARY)
# Every kind of page a replica answers: the dashboard and the figures above, the maps, a tile, the
# exports (their statement in a transaction of the replica's, exports.plan) and the volunteers'
# figures (volunteers.figures, also in a transaction: the dashboard's ranking reads them).
EVERY_KIND = (
    *READ_PAGES,
    "/maps/coverage/?area=411381001",
    "/maps/density/?area=411381001",
    "/maps/exports/",
    "/api/v1/export/incidents.csv?area=411381001",
    "/api/v1/export/coverage.csv?area=411381001",
    f"/api/v1/figures/departments/?within=411381&by=street&{YEAR}",
)


def grid_tile(z=12):
    """The vector tile of the grids holding the grid worker's grid."""
    point = worker_grid().geom.point_on_surface
    n = 2**z
    x = int((point.x + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(point.y))) / math.pi) / 2 * n)
    return f"/maps/tiles/grids/{z}/{x}/{y}.pbf"


def standby_script(command, port):
    env = dict(os.environ, GOVGRID_PG_PORT=str(connection.settings_dict["PORT"]), GOVGRID_STANDBY_PORT=str(port))
    done = subprocess.run(["scripts/standby.sh", command], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def standby(django_db_setup, django_db_blocker):
    """A hot standby of the test cluster on a free loopback port; removed (slot and data) at the end."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SHOW shared_preload_libraries")
        if "pg_stat_statements" not in cursor.fetchone()[0]:
            pytest.skip("the cluster predates pg_stat_statements in scripts/pg.sh; make it again to run this")
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    port = _free_port()
    try:
        standby_script("start", port)
        yield port
    finally:
        standby_script("remove", port)
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("DROP EXTENSION IF EXISTS pg_stat_statements")


@pytest.fixture(scope="module")
def served(standby, tmp_path_factory):
    """gunicorn on the test database, reading from the standby; a lag bound long enough for a test
    that pauses the standby's replay to still use it for others."""
    env = {
        "DATABASE_URL": database_url(),
        "GOVGRID_DATABASE_REPLICA_URLS": database_url(standby),
        "GOVGRID_REPLICA_CHECK_SECONDS": str(CHECK_SECONDS),
        "GOVGRID_REPLICA_MAX_LAG_SECONDS": "120",
        "GOVGRID_MEDIA_ROOT": str(tmp_path_factory.mktemp("replica-media")),
    }
    with gunicorn(env, tmp_path_factory.mktemp("replica-log") / "gunicorn.log", "--workers", "2") as base:
        yield base


def on_server(port, sql, row=False):
    db = connection.settings_dict
    with psycopg2.connect(
        host="127.0.0.1", port=port, dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"]
    ) as conn:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(sql)
            if not cursor.description:
                return None
            return cursor.fetchone() if row else cursor.fetchone()[0]


def statements(port):
    """{statement: calls} of the statements on the application's tables this server has run in the
    test database."""
    return dict(
        on_server(
            port,
            "SELECT coalesce(json_agg(json_build_array(query, calls)), '[]') FROM pg_stat_statements s "
            "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database() "
            f"AND s.query ~ '{APP_STATEMENTS}' AND s.query !~ 'pg_stat_statements'",
        )
    )


def ran_since(before, port):
    """The statements this server ran since `before` was read, with how many times."""
    now = statements(port)
    return {query: calls - before.get(query, 0) for query, calls in now.items() if calls > before.get(query, 0)}


def caught_up(standby):
    """Wait until the standby has replayed all the primary has written, and the app has seen it."""
    primary_port = connection.settings_dict["PORT"]
    target = on_server(primary_port, "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
    deadline = time.monotonic() + 20
    while on_server(standby, "SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn") < target:
        assert time.monotonic() < deadline, "the standby did not catch up"
        time.sleep(0.05)
    time.sleep(3 * CHECK_SECONDS)


def exported_cases(visitor, grid):
    status, body = visitor.get(f"/api/v1/export/incidents.csv?area={grid}")
    assert status == 200
    return {row["code"]: row for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))}


def test_the_leaders_pages_are_read_from_the_replica_and_not_from_the_primary(served, standby):
    paths = (*EVERY_KIND, grid_tile())  # before counting: the test's own reads are the primary's
    leader = Visitor(served)
    leader.log_in("leader")
    caught_up(standby)
    primary, replica = statements(connection.settings_dict["PORT"]), statements(standby)
    for path in paths:
        assert leader.get(path)[0] == 200, path
    assert ran_since(primary, connection.settings_dict["PORT"]) == {}
    assert ran_since(replica, standby)


def test_a_page_that_is_not_marked_read_only_reads_from_the_primary(served, standby):
    leader = Visitor(served)
    leader.log_in("leader")
    caught_up(standby)
    primary, replica = statements(connection.settings_dict["PORT"]), statements(standby)
    assert leader.get("/dispatch/")[0] == 200
    assert ran_since(primary, connection.settings_dict["PORT"])
    assert ran_since(replica, standby) == {}


def test_the_grid_worker_reads_the_case_just_reported_and_accepted_while_the_replica_is_behind(
    served, standby, forget_reports
):
    grid = worker_grid().code
    point = worker_grid().geom.point_on_surface
    worker = Visitor(served, token_of(served, "grid_worker"))
    leader = Visitor(served, token_of(served, "leader"))  # a token and no write: no cookie
    on_server(standby, "SELECT pg_wal_replay_pause()")
    try:
        report = {"client_id": str(uuid.uuid4()), "category": "0301", "description": "楼道堆物", "lon": point.x}
        report["lat"] = point.y
        forget_reports.append(report["client_id"])
        status, body = worker.send("POST", "/api/v1/incidents/", report)
        assert status == 201
        code = json.loads(body)["code"]
        assert worker.send("POST", f"/api/v1/incidents/{code}/accept/", {"version": 1})[0] == 200
        time.sleep(3 * CHECK_SECONDS)  # the app has checked the replica since: still behind the write

        assert exported_cases(worker, grid)[code]["status"] == "accepted"  # from the primary
        assert code not in exported_cases(leader, grid)  # the replica, paused before the report
    finally:
        on_server(standby, "SELECT pg_wal_replay_resume()")
    caught_up(standby)
    assert exported_cases(leader, grid)[code]["status"] == "accepted"


def replica_verdict(standby):
    """What govgrid.replicas makes of the standby now: its replayed position, or None when skipped."""
    primary = on_server(connection.settings_dict["PORT"], replicas.PRIMARY_POSITION)
    return replicas.usable_position(primary, on_server(standby, replicas.REPLICA_STATE, row=True))


def test_a_replica_further_behind_than_the_bound_is_skipped_until_it_has_caught_up(standby, settings):
    settings.REPLICA_MAX_LAG_SECONDS = 0.5
    caught_up(standby)
    on_server(standby, "SELECT pg_wal_replay_pause()")
    try:
        on_server(connection.settings_dict["PORT"], "SELECT txid_current()")  # a transaction committed
        time.sleep(1)
        assert replica_verdict(standby) is None
    finally:
        on_server(standby, "SELECT pg_wal_replay_resume()")
    # Its last replayed transaction is old now, but it has replayed all there is: usable again. Another
    # database of the cluster may be writing meanwhile (a long transaction moves the primary's WAL on
    # with no commit to replay, and the standby is rightly behind): tried again until it is quiet.
    deadline = time.monotonic() + 30
    while True:
        caught_up(standby)
        time.sleep(1)
        verdict = replica_verdict(standby)
        if verdict is not None or time.monotonic() > deadline:
            break
    assert verdict is not None


def test_the_primary_itself_is_no_replica():
    primary_port = connection.settings_dict["PORT"]
    primary = on_server(primary_port, replicas.PRIMARY_POSITION)
    assert replicas.usable_position(primary, on_server(primary_port, replicas.REPLICA_STATE, row=True)) is None


def test_a_standby_stopped_between_two_requests_costs_no_failed_request(served, standby):
    leader = Visitor(served)
    leader.log_in("leader")
    caught_up(standby)
    assert leader.get(READ_PAGES[1])[0] == 200
    primary = statements(connection.settings_dict["PORT"])
    standby_script("stop", standby)
    try:
        for _ in range(3):  # both workers, the checks' next rounds
            for path in READ_PAGES:
                assert leader.get(path)[0] == 200, path
        assert ran_since(primary, connection.settings_dict["PORT"])
    finally:
        standby_script("start", standby)


def rebuild_coverage_table():
    """The maintained coverage table judged today, committed (manage.py, as the worker would)."""
    env = dict(os.environ, DATABASE_URL=database_url(connection.settings_dict["PORT"]))
    done = subprocess.run(
        [sys.executable, "manage.py", "rebuild_coverage"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


# Full and no coverage swapped in the table's rows: the same statement undoes it.
SWAP_FULL_AND_NONE = (
    "UPDATE grids_gridcoverage SET status = CASE status WHEN 'full' THEN 'none' ELSE 'full' END "
    "WHERE status IN ('full', 'none')"
)


def test_a_replica_whose_coverage_table_is_days_old_answers_from_the_live_rules(served, standby):
    primary_port = connection.settings_dict["PORT"]
    rebuild_coverage_table()
    leader = Visitor(served)
    leader.log_in("leader")
    caught_up(standby)
    replica = statements(standby)
    status, from_table = leader.get(COVERAGE_SUMMARY)
    assert status == 200
    assert any("grids_gridcoverage c" in query for query in ran_since(replica, standby))
    district = json.loads(from_table)["areas"][0]
    assert district["full"] != district["none"]  # so the swap below changes the answer

    # The primary's table judged two days ago, its rows wrong: the replica must not believe them.
    on_server(primary_port, "UPDATE grids_coveragestate SET judged_on = judged_on - 2")
    on_server(primary_port, SWAP_FULL_AND_NONE)
    try:
        caught_up(standby)
        primary, replica = statements(primary_port), statements(standby)
        status, live = leader.get(COVERAGE_SUMMARY)
        assert status == 200
        assert json.loads(live) == json.loads(from_table)
        assert not any("grids_gridcoverage c" in query for query in ran_since(replica, standby))
        assert ran_since(primary, primary_port) == {}
    finally:
        on_server(primary_port, SWAP_FULL_AND_NONE)
        on_server(primary_port, "UPDATE grids_coveragestate SET judged_on = judged_on + 2")
