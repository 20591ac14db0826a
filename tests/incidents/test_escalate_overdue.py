"""escalate_overdue: every overdue case up one level, once, even with two sweeps running at once."""

import os
import random
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from govgrid.lib.worktime import deadline
from incidents.models import Category, Incident, IncidentEvent
from incidents.sweep import escalate_overdue
from tests.conftest import ROOT, database_url, draw_city
from tests.incidents.conftest import other_connection


def make_case(grid, due_in_hours, level="grid", status="reported"):
    """A case straight in the database (the intake path is tested elsewhere), due in N hours."""
    now = timezone.now()
    point = grid.geom.point_on_surface
    return Incident.objects.create(
        code=f"{grid.code[:6]}-{timezone.localdate(now):%Y%m%d}-T{uuid.uuid4().hex[:7]}",  # of its day (its partition)
        client_id=uuid.uuid4(),
        fingerprint="-",
        category=Category.objects.get(code="0301"),
        description="测试",
        location=point,
        input_lon=point.x,
        input_lat=point.y,
        input_crs="wgs84",
        grid=grid,
        area_code=grid.code[: {"grid": 15, "community": 12, "street": 9}[level]],
        level=level,
        status=status,
        reported_at=now,
        received_at=now,
        due_at=now + timedelta(hours=due_in_hours),
    )


@pytest.fixture
def grid(db):
    """The one grid of a drawn city (under its community and street)."""
    return draw_city(streets=1, towns=0, communities=1, grids=(1, 1)).grids[0]


def test_an_overdue_grid_case_goes_to_its_community_with_a_new_deadline(grid):
    case = make_case(grid, -1)
    now = timezone.now()
    assert escalate_overdue(now) == 1
    case.refresh_from_db()
    assert (case.level, case.area_code, case.status, case.version) == ("community", grid.code[:12], "reported", 2)
    assert case.due_at == deadline(now, case.category.deadline_community_hours, case.category.calendar_time)
    event = IncidentEvent.objects.get(incident=case)
    assert (event.action, event.actor, event.from_level, event.to_level) == ("escalate", None, "grid", "community")


def test_cases_not_yet_due_closed_or_at_the_street_stay_where_they_are(grid):
    cases = [make_case(grid, +1), make_case(grid, -1, status="resolved"), make_case(grid, -1, level="street")]
    escalate_overdue()
    assert [Incident.objects.get(pk=c.pk).level for c in cases] == ["grid", "grid", "street"]


def test_a_second_run_escalates_nothing_more(grid):
    case = make_case(grid, -1)
    escalate_overdue()
    assert escalate_overdue() == 0
    assert IncidentEvent.objects.filter(incident=case).count() == 1


def test_an_overdue_community_case_goes_to_the_street(grid):
    case = make_case(grid, -1, level="community")
    escalate_overdue()
    case.refresh_from_db()
    assert (case.level, case.area_code) == ("street", grid.code[:9])


def django_subprocess(code, *args):
    """Run Python with Django set up on the test database in a separate process (so what it writes
    is committed and what the test's transaction wrote is not seen)."""
    env = dict(os.environ, DATABASE_URL=database_url(), DJANGO_SETTINGS_MODULE="govgrid.settings", PYTHONPATH=str(ROOT))
    prelude = "import django; django.setup()\n"
    return subprocess.Popen(
        [sys.executable, "-c", prelude + code, *map(str, args)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )


def output(process, timeout=120):
    """What a subprocess printed, once it has ended (it is killed if it has not by `timeout`)."""
    try:
        return process.communicate(timeout=timeout)[0].strip()
    except subprocess.TimeoutExpired:
        process.kill()
        raise


# Overdue cases, committed: N of them, one in each of the first N grids of a district (taken in
# turn again if it has fewer), or one in a grid worker's grid (in its community dispatcher's scope).
# Prints their ids.
MAKE_CASES = """
import sys
from grids.models import Area
from tests.conftest import worker_grid
from tests.incidents.test_escalate_overdue import make_case
which, district, worker = sys.argv[1:4]
if which == "worker":
    grids = [worker_grid(worker)]
else:
    within = list(Area.objects.within(district).grids().order_by("code")[: int(which)])
    grids = [within[i % len(within)] for i in range(int(which))]
print(",".join(str(make_case(g, -2).pk) for g in grids))
"""
PURGE = """
import sys
from incidents.models import Incident
from incidents.models import purge_incidents
purge_incidents(Incident.objects.filter(pk__in=sys.argv[1].split(",")))
"""
# A sweep that may wait at a gate before it starts and, with its transaction still open (its row
# locks held), at another before it commits; 0 for no gate. A row lock it had to wait for longer
# than the lock timeout fails it rather than hanging the test.
SWEEP = """
import sys
from django.db import connection, transaction
from incidents.sweep import escalate_overdue
start, finish = (int(key) for key in sys.argv[1:3])
with transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '20s'")
        if start:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [start])
    moved = escalate_overdue()
    if finish:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [finish])
print(moved)
"""
# A community dispatcher (by username) accepts a case it saw at version 1, and may wait at a gate
# before committing.
ACCEPT = """
import sys
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from govgrid.lib.errors import GovgridError
from incidents.workflow import act
code, finish, username = sys.argv[1], int(sys.argv[2]), sys.argv[3]
user = get_user_model().objects.get(username=username)
try:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '20s'")
        act(user, code, "accept", 1)
        if finish:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [finish])
    print("accepted")
except GovgridError as error:
    print(error.status, error.code)
"""


class Gate:
    """An advisory lock the test holds on its own connection. Subprocesses wait at it (taking it
    shared) until the test opens it; they then all go on at once."""

    def __init__(self):
        self.key = random.randint(1, 2**31 - 1)
        self.connection = other_connection()
        self.connection.cursor().execute("SELECT pg_advisory_lock(%s)", [self.key])

    def waiting(self):
        cursor = self.connection.cursor()
        cursor.execute(
            """SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = %s
               AND NOT granted""",
            [self.key],
        )
        return cursor.fetchone()[0]

    def wait_for(self, n, seconds=30):
        """True once `n` processes wait at the gate; False if they do not within `seconds`."""
        return _poll(lambda: self.waiting() >= n, seconds)

    def open(self):
        self.connection.close()  # ends the session, and with it the lock


def _poll(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def waiting_for_a_row_lock(seconds=30, sessions=1):
    """True once `sessions` sessions of the test database wait for a row another transaction has locked."""
    other = other_connection()
    try:
        cursor = other.cursor()

        def someone_waits():
            cursor.execute(
                """SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                   AND wait_event_type = 'Lock' AND wait_event IN ('transactionid', 'tuple')"""
            )
            return cursor.fetchone()[0] >= sessions

        return _poll(someone_waits, seconds)
    finally:
        other.close()


@pytest.fixture
def committed_cases():
    """make(which, district, worker) → ids of overdue cases (MAKE_CASES) committed by another
    process, by default in the demo; purged after the test."""
    made = []

    def make(which, district="411381", worker="grid_worker"):
        ids = output(django_subprocess(MAKE_CASES, which, district, worker))
        made.append(ids)
        return [int(i) for i in ids.split(",")]

    yield make
    for ids in made:
        output(django_subprocess(PURGE, ids))


def escalations(case_ids):
    """{case id: its escalate events} for these cases."""
    events = IncidentEvent.objects.filter(incident_id__in=case_ids, action="escalate")
    return {i: list(events.filter(incident_id=i).values_list("actor_id", "from_level", "to_level")) for i in case_ids}


@pytest.mark.django_db
def test_a_case_whose_row_is_locked_is_skipped_and_escalated_once_after_its_release(served_city, committed_cases):
    locked, *others = committed_cases("3", served_city.code)
    holder = other_connection()
    holder.autocommit = False  # a transaction left open, as a dispatcher's action in progress
    try:
        holder.cursor().execute("SELECT id FROM incidents_incident WHERE id = %s FOR UPDATE", [locked])
        first = int(output(django_subprocess(SWEEP, 0, 0)))  # it neither waits for the row nor fails
        assert Incident.objects.get(pk=locked).level == "grid"
        assert [Incident.objects.get(pk=i).level for i in others] == ["community", "community"]
    finally:
        holder.rollback()
        holder.close()
    second = int(output(django_subprocess(SWEEP, 0, 0)))
    assert (first, second) == (2, 1)
    assert escalations([locked, *others]) == {i: [(None, "grid", "community")] for i in [locked, *others]}
    assert Incident.objects.get(pk=locked).version == 2


@pytest.mark.django_db
def test_two_sweeps_at_once_escalate_each_case_exactly_once(served_city, committed_cases):
    case_ids = committed_cases("40", served_city.code)
    start, finish = Gate(), Gate()
    try:
        sweeps = [django_subprocess(SWEEP, start.key, finish.key) for _ in range(2)]
        assert start.wait_for(2)  # both sweeps are up and waiting: they start together
        start.open()
        # Each holds its transaction (and the rows it took) open at the finish: both get there, so
        # the second swept while the first's locks were held, and neither waited for the other.
        both_overlapped = finish.wait_for(2)
    finally:
        start.open()
        finish.open()
    moved = [int(output(sweep)) for sweep in sweeps]
    assert both_overlapped
    assert escalations(case_ids) == {i: [(None, "grid", "community")] for i in case_ids}  # once each
    assert sum(moved) == len(case_ids)  # shared between the two sweeps, none counted twice
    assert set(Incident.objects.filter(pk__in=case_ids).values_list("level", "version")) == {("community", 2)}


@pytest.mark.django_db
def test_a_dispatcher_acting_while_the_sweep_holds_the_case_is_refused_as_stale(served_city, committed_cases):
    [case_id] = committed_cases("worker", worker=served_city.users["grid_worker"].username)
    dispatcher_name = served_city.users["community_dispatcher"].username
    code = Incident.objects.get(pk=case_id).code
    finish = Gate()
    try:
        sweep = django_subprocess(SWEEP, 0, finish.key)
        assert finish.wait_for(1)  # the sweep has escalated the case and not yet committed
        dispatcher = django_subprocess(ACCEPT, code, 0, dispatcher_name)
        assert waiting_for_a_row_lock()  # the dispatcher's action waits for the sweep's row lock
    finally:
        finish.open()
    assert (output(sweep), output(dispatcher)) == ("1", "409 stale")
    incident = Incident.objects.get(pk=case_id)
    assert (incident.level, incident.status, incident.version) == ("community", "reported", 2)
    assert list(incident.events.values_list("action", "actor_id")) == [("escalate", None)]


@pytest.mark.django_db
def test_the_sweep_skips_a_case_a_dispatcher_is_acting_on_and_escalates_it_once_later(served_city, committed_cases):
    [case_id] = committed_cases("worker", worker=served_city.users["grid_worker"].username)
    dispatcher_name = served_city.users["community_dispatcher"].username
    code = Incident.objects.get(pk=case_id).code
    finish = Gate()
    try:
        dispatcher = django_subprocess(ACCEPT, code, finish.key, dispatcher_name)
        assert finish.wait_for(1)  # accepted, not yet committed: the case's row is locked
        during = output(django_subprocess(SWEEP, 0, 0))  # does not wait for the dispatcher
    finally:
        finish.open()
    assert (output(dispatcher), during) == ("accepted", "0")
    incident = Incident.objects.get(pk=case_id)
    assert (incident.level, incident.status, incident.version) == ("grid", "accepted", 2)
    # Accepting does not move the deadline: the next round escalates the case, once.
    assert output(django_subprocess(SWEEP, 0, 0)) == "1"
    assert output(django_subprocess(SWEEP, 0, 0)) == "0"
    incident.refresh_from_db()
    assert (incident.level, incident.status, incident.version) == ("community", "reported", 3)
    events = list(incident.events.order_by("id").values_list("action", "from_status", "to_status"))
    assert events == [("accept", "reported", "accepted"), ("escalate", "accepted", "reported")]
