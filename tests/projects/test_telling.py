"""Who is told what of a project: its reviewers of progress to review, the project's side of a
milestone verified or returned and of the project closed off, and of a milestone fallen overdue
once, by the worker's sweep; never the one who made the change."""

import pytest
from django.utils import timezone

from notifications.messages import render
from notifications.models import Notification
from projects import services, telling

from .conftest import milestones_of, register, report, verify

pytestmark = pytest.mark.django_db


def told(cast, kind):
    """{name of the cast told: the notification} for notifications of `kind`."""
    names = {user.pk: name for name, user in cast.items()}
    return {names[n.user_id]: n for n in Notification.objects.filter(kind=kind) if n.user_id in names}


def test_progress_reported_tells_the_street_s_reviewers_but_not_the_reporter(cast):
    project = register(cast)
    report(cast, project, milestones_of(project)[0], by="zhao")
    assert set(told(cast, "project:reported")) == {"qian"}  # zhao reported it himself
    report(cast, project, milestones_of(project)[1], by="chen")
    assert {n.user_id for n in Notification.objects.filter(kind="project:reported")} >= {
        cast["zhao"].pk, cast["qian"].pk
    }  # fmt: skip
    notification = told(cast, "project:reported")["qian"]
    assert notification.url == f"/projects/{project.pk}/"
    assert render(notification) == ("待审核的进展：红色物业", "成立红色物业联盟")


def test_a_return_and_a_verification_tell_the_project_s_side(cast):
    project = register(cast, milestones=1)
    only = milestones_of(project)[0]
    report(cast, project, only)
    only.refresh_from_db()
    services.return_(cast["zhao"], project.pk, only.pk, only.version, "缺少签到表")
    assert set(told(cast, "project:returned")) == {"wang", "chen"}
    report(cast, project, only, by="chen")
    verify(cast, project, only)
    assert set(told(cast, "project:verified")) == {"wang", "chen"}
    project.refresh_from_db()
    services.close_off(cast["qian"], project.pk, project.version)
    assert set(told(cast, "project:closed_off")) == {"wang", "chen"}


def test_a_milestone_fallen_overdue_is_told_once_to_the_project_s_side(cast):
    project = register(cast)  # its first milestone was due two weeks ago
    now = timezone.now()
    telling.tell_overdue(now)
    telling.tell_overdue(now)
    overdue = Notification.objects.filter(kind="project:overdue", source__startswith="project-milestone:")
    mine = [n for n in overdue if n.params["project"] == project.pk]
    assert sorted(n.user_id for n in mine) == sorted([cast["wang"].pk, cast["chen"].pk])
    assert {n.params["milestone"] for n in mine} == {milestones_of(project)[0].title}
