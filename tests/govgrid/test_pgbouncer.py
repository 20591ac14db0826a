"""govgrid behind a real PgBouncer in transaction mode (Debian's pgbouncer, configured from
scripts/pgbouncer.ini.in), with GOVGRID_DATABASE_POOLED=transaction: three gunicorn workers share
two server connections, so anything a connection kept from one transaction to the next (a prepared
statement, a session setting, a cursor held open) would meet another client's."""

import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from govgrid import databases
from incidents.models import Incident
from tests.conftest import ROOT, _free_port, database_url, gunicorn, post_json, worker_grid
from tests.govgrid.visitors import Visitor
from tests.incidents.browsing import token_of

PGBOUNCER = "/usr/sbin/pgbouncer"
POOL_SIZE = 2  # server connections, fewer than the gunicorn workers that share them
WORKERS = 3
REPORTS = 6

pytestmark = [
    pytest.mark.skipif(not os.path.exists(PGBOUNCER), reason="scripts/setup.sh --test installs pgbouncer"),
    pytest.mark.django_db,  # the test database, which the served app reaches through PgBouncer
]


def pgbouncer_ini(run_dir, port):
    """scripts/pgbouncer.ini.in for the test database, on loopback; the replica's line names the
    primary too (no replica here)."""
    db = connection.settings_dict
    names = {
        "DB": db["NAME"],
        "PRIMARY_HOST": "127.0.0.1",
        "PRIMARY_PORT": str(db["PORT"]),
        "REPLICA_HOST": "127.0.0.1",
        "REPLICA_PORT": str(db["PORT"]),
        "LISTEN_ADDR": "127.0.0.1",
        "LISTEN_PORT": str(port),
        "RUN_DIR": str(run_dir),
        "POOL_SIZE": str(POOL_SIZE),
    }
    text = (ROOT / "scripts" / "pgbouncer.ini.in").read_text()
    for name, value in names.items():
        text = text.replace(f"@{name}@", value)
    assert not re.findall(r"@[A-Z_]+@", text)
    return text


def role_settings(django_db_blocker, statement):
    """The session settings govgrid's connections no longer send, on the role in the test database."""
    db = connection.settings_dict
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for name, value in (databases.SESSION_SETTINGS | {"timezone": "UTC"}).items():
            sql = f'ALTER ROLE "{db["USER"]}" IN DATABASE "{db["NAME"]}" '
            cursor.execute(sql + (f"SET {name} = '{value}'" if statement == "set" else f"RESET {name}"))


def waiting_for(port, process, log):
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("pgbouncer did not start:\n" + log.read_text()) from None
            time.sleep(0.1)


@pytest.fixture(scope="module")
def pgbouncer(django_db_setup, django_db_blocker):
    """PgBouncer on a free loopback port in front of the test database; stopped and its files removed."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT rolpassword FROM pg_authid WHERE rolname = current_user")
        secret = cursor.fetchone()[0]
    role_settings(django_db_blocker, "set")
    run_dir = Path(tempfile.mkdtemp(prefix="govgrid-pgbouncer-"))
    port = _free_port()
    (run_dir / "pgbouncer.ini").write_text(pgbouncer_ini(run_dir, port))
    (run_dir / "userlist.txt").write_text(f'"{connection.settings_dict["USER"]}" "{secret}"\n')
    command = [PGBOUNCER, str(run_dir / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        shutil.chown(run_dir, "postgres")
        for path in run_dir.iterdir():
            shutil.chown(path, "postgres")
        command += ["-u", "postgres"]
    log = run_dir / "pgbouncer.log"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        waiting_for(port, process, log)
        yield port
    finally:
        process.send_signal(signal.SIGINT)  # PgBouncer's immediate shutdown
        process.wait(timeout=20)
        shutil.rmtree(run_dir, ignore_errors=True)
        role_settings(django_db_blocker, "reset")


@pytest.fixture(scope="module")
def served(pgbouncer, tmp_path_factory):
    """gunicorn, WORKERS sync workers, reaching the test database only through PgBouncer."""
    env = {
        "DATABASE_URL": database_url(pgbouncer),
        "GOVGRID_DATABASE_POOLED": "transaction",
        "GOVGRID_MEDIA_ROOT": str(tmp_path_factory.mktemp("pooled-media")),
    }
    log = tmp_path_factory.mktemp("pooled-log") / "gunicorn.log"
    with gunicorn(env, log, "--workers", str(WORKERS)) as base:
        yield base, log


def at_once(work, items):
    """work(item) for every item, each in its own thread, all started together; their results."""
    results, start = {}, threading.Barrier(len(items))

    def run(item):
        start.wait()
        results[item] = work(item)

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return [results.get(item) for item in items]


def test_reports_actions_figures_and_exports_answer_right_through_pgbouncer(served, forget_reports):
    base, log = served
    token = token_of(base, "grid_worker")
    grid = worker_grid()
    point = grid.geom.point_on_surface

    def report(number):
        body = {"client_id": str(uuid.uuid4()), "category": "0301", "description": f"堆物 {number}"}
        forget_reports.append(body["client_id"])
        return post_json(base, "/api/v1/incidents/", body | {"lon": point.x, "lat": point.y}, token)

    reported = at_once(report, list(range(REPORTS)))
    assert [status for status, _ in reported] == [201] * REPORTS, reported
    codes = [answer["code"] for _, answer in reported]
    assert len(set(codes)) == REPORTS

    accepted = at_once(lambda code: post_json(base, f"/api/v1/incidents/{code}/accept/", {"version": 1}, token), codes)
    assert [(status, answer["status"]) for status, answer in accepted] == [(200, "accepted")] * REPORTS, accepted
    assert Incident.objects.filter(code__in=codes, status="accepted").count() == REPORTS

    leader = Visitor(base)
    leader.log_in("leader")  # a session written and read through the pooler
    year = "since=2026-01-01T00:00:00Z&until=2027-01-01T00:00:00Z"
    pages = ["/", "/maps/coverage/", f"/api/v1/figures/?within={grid.code[:9]}&level=community&{year}"]
    assert [leader.get(path)[0] for path in pages] == [200] * len(pages)
    status, body = leader.get(pages[-1])
    community = next(row for row in json.loads(body) if row["code"] == grid.code[:12])
    assert community["received"] >= REPORTS

    # An export reads through a server-side cursor inside its transaction: one server connection.
    status, body = leader.get(f"/api/v1/export/incidents.csv?area={grid.code}")
    assert status == 200
    rows = {row["code"]: row["status"] for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))}
    assert {code: rows.get(code) for code in codes} == {code: "accepted" for code in codes}
    assert "Traceback" not in log.read_text()


def test_a_connection_through_pgbouncer_has_the_roles_settings_not_sent_ones(pgbouncer):
    db = connection.settings_dict
    with (
        psycopg2.connect(
            host="127.0.0.1", port=pgbouncer, dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"]
        ) as conn,
        conn.cursor() as cursor,
    ):
        cursor.execute("SELECT current_setting('plan_cache_mode'), current_setting('jit'), current_setting('TimeZone')")
        assert cursor.fetchone() == ("force_generic_plan", "off", "UTC")
