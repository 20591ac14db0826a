"""Two reviewers verifying or returning one milestone at once, through real concurrent connections to
gunicorn: one succeeds, the other is told it is stale (409), and the milestone has one decision."""

import threading

import pytest

from projects.models import Verification
from tests.conftest import post_json
from tests.incidents.browsing import token_of

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


def at_once(base, sends):
    """Each (path, body, token) sent at the same moment; their (status, answer) in order."""
    answers, start = [None] * len(sends), threading.Barrier(len(sends))

    def send(index, path, body, token):
        start.wait()
        answers[index] = post_json(base, path, body, token)

    threads = [threading.Thread(target=send, args=(i, *each)) for i, each in enumerate(sends)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_two_reviewers_verifying_one_milestone_at_once_one_succeeds_the_other_gets_409(
    served_app, reported, django_db_blocker
):
    cast, first = reported, reported.milestones[0]
    path = f"/api/v1/projects/{cast.project.pk}/milestones/{first.pk}/verify/"
    tokens = [token_of(served_app, cast[name].username) for name in ("zhao", "qian")]
    answers = at_once(served_app, [(path, {"version": first.version}, token) for token in tokens])
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
    )
    assert sorted(status for status, _ in answers) == [200, 409], answers
    with django_db_blocker.unblock():
        assert Verification.objects.filter(milestone=second).count() == 1
