"""Two reviewers verifying or returning one milestone at once, through real concurrent connections to
gunicorn: one succeeds, the other is told it is stale (409), and the milestone has one decision."""

import threading
from contextlib import contextmanager

import psycopg2
import pytest

from projects.models import Verification
from tests.conftest import post_json
from tests.incidents.browsing import token_of
from tests.incidents.test_escalate_overdue import waiting_for_a_row_lock

from .conftest import milestones_of, register, report, served_cast

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def reported(django_db_blocker):
    """A project of community A whose two milestones 王芳 reported."""

    def add(cast):
        cast.project = register(cast)
        cast.milestones = milestones_of(cast.project)
        for milestone in cast.milestones:
            report(cast, cast.project, milestone)
            milestone.refresh_from_db()

    with served_cast(django_db_blocker, "990083", (114.6, 33.5), add) as cast:
        yield cast


@contextmanager
def milestone_held(django_db_blocker, milestone):
    """The milestone's row locked from another session while the block runs, so that the requests
    sent meanwhile all arrive before any of them can change it: the race made certain, not likely."""
    from django.db import connection

    with django_db_blocker.unblock():
        db = connection.settings_dict
        holder = psycopg2.connect(
            host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"]
        )
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT id FROM projects_milestone WHERE id = %s FOR UPDATE", [milestone.pk])
        yield
    finally:
        holder.rollback()
        holder.close()


def at_once(base, sends, held):
    """Each (path, body, token) sent while `held` keeps the milestone; their (status, answer) in order."""
    answers, started = [None] * len(sends), threading.Barrier(len(sends) + 1)

    def send(index, path, body, token):
        started.wait()
        answers[index] = post_json(base, path, body, token)

    threads = [threading.Thread(target=send, args=(i, *each)) for i, each in enumerate(sends)]
    with held:
        for thread in threads:
            thread.start()
        started.wait()
        # Both requests reach the milestone and wait for it (as long as a slow machine needs, no longer).
        waiting_for_a_row_lock(sessions=len(sends))
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_two_reviewers_verifying_one_milestone_at_once_one_succeeds_the_other_gets_409(
    served_app, reported, django_db_blocker
):
    cast, first = reported, reported.milestones[0]
    path = f"/api/v1/projects/{cast.project.pk}/milestones/{first.pk}/verify/"
    tokens = [token_of(served_app, cast[name].username) for name in ("zhao", "qian")]
    sends = [(path, {"version": first.version}, token) for token in tokens]
    answers = at_once(served_app, sends, milestone_held(django_db_blocker, first))
    assert sorted(status for status, _ in answers) == [200, 409], answers
    refused = next(answer for status, answer in answers if status == 409)
    assert refused["code"] == "stale" and refused["field"] == "version"
    with django_db_blocker.unblock():
        assert Verification.objects.filter(milestone=first).count() == 1


def test_a_verification_and_a_return_at_once_never_both_succeed(served_app, reported, django_db_blocker):
    cast, second = reported, reported.milestones[1]
    base = f"/api/v1/projects/{cast.project.pk}/milestones/{second.pk}"
    zhao, qian = (token_of(served_app, cast[name].username) for name in ("zhao", "qian"))
    answers = at_once(
        served_app,
        [
            (f"{base}/verify/", {"version": second.version}, zhao),
            (f"{base}/return/", {"version": second.version, "reason": "签到表不全"}, qian),
        ],
        milestone_held(django_db_blocker, second),
    )
    assert sorted(status for status, _ in answers) == [200, 409], answers
    with django_db_blocker.unblock():
        assert Verification.objects.filter(milestone=second).count() == 1
