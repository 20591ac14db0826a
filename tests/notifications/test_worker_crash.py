"""The notification queue survives a kill -9 of the worker: every message arrives, none twice."""

import os
import signal
import subprocess
import sys
import time

import pytest

from notifications import outbox
from notifications.models import Delivery
from tests.conftest import ROOT, committed_city, database_url
from tests.incidents.conftest import other_connection

COUNT = 12


def _worker(port):
    env = dict(
        os.environ,
        DATABASE_URL=database_url(),
        GOVGRID_EMAIL_HOST="127.0.0.1",
        GOVGRID_EMAIL_PORT=str(port),
        GOVGRID_NOTIFY_BATCH="4",
        GOVGRID_NOTIFY_LEASE_SECONDS="3",
    )
    command = [sys.executable, "manage.py", "run_worker", "--every", "3600", "--deliver-every", "0.05"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _sent(other, ids):
    """How many of the deliveries the worker recorded as sent, read on a connection of its own (the
    test's sits in a transaction that began before the worker wrote)."""
    with other.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM notifications_delivery WHERE id = ANY(%s) AND status = 'sent'", [ids])
        return cursor.fetchone()[0]


def _wait(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def queued(django_db_setup, django_db_blocker):
    """COUNT notifications to people with e-mail addresses, committed (before the test's transaction
    begins, so the worker sees them); their delivery ids."""

    def people(city):
        for i in range(COUNT):
            city.account(f"{city.code}_crash_{i}", f"收件人{i}", "grid_worker", city.grids[0])
        for person in city.people:
            person.user.email = f"{person.user.username}@example.test"
            person.user.save(update_fields=["email"])
            outbox.queue([person.user_id], "crash-test", "test:crash", {"n": person.name})

    with committed_city(django_db_blocker, people, code="990019", origin=(113.1, 32.5)) as city:
        with django_db_blocker.unblock():
            ids = list(
                Delivery.objects.filter(notification__user__username__startswith=city.code).values_list("pk", flat=True)
            )
        yield ids


@pytest.mark.django_db  # so that the test database is set up even when this module runs alone
def test_a_killed_worker_loses_nothing_and_sends_nothing_twice(queued, smtp, django_db_blocker):
    inbox, port = smtp
    inbox.pause = 0.15  # each message takes a while: the kill lands in the middle of one
    worker = _worker(port)
    try:
        _wait(lambda: len(inbox.messages) >= 3)
        _wait(inbox.in_data.is_set)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        arrived_before = len(inbox.messages)
        assert 3 <= arrived_before < COUNT
    finally:
        if worker.poll() is None:
            worker.kill()
    inbox.pause = 0
    worker, other = _worker(port), other_connection()
    try:
        _wait(lambda: _sent(other, queued) == COUNT, seconds=90)
    finally:
        other.close()
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=10)
    ids = inbox.message_ids()
    assert len(ids) == len(set(ids)) == COUNT
    assert {f"<govgrid-delivery-{pk}@govgrid.invalid>" for pk in queued} == set(ids)
