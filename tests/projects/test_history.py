"""The history is append-only: PostgreSQL refuses UPDATE and DELETE on the events (and on the
reports, their evidence and the verifications), and only a purge of whole data gets through."""

import pytest
from django.db import connection, transaction
from django.db.utils import InternalError

from projects.models import ProjectEvent, Verification, purge_projects

from .conftest import milestones_of, register, report, verify

pytestmark = pytest.mark.django_db


def refused(statement, params):
    with pytest.raises(InternalError) as error, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
    return str(error.value)


def test_the_database_refuses_to_update_an_event(cast):
    event = register(cast).events.first()
    message = refused("UPDATE projects_projectevent SET note = 'rewritten' WHERE id = %s", [event.pk])
    assert "append-only" in message
    event.refresh_from_db()
    assert event.note == ""


def test_the_database_refuses_to_delete_an_event(cast):
    event = register(cast).events.first()
    assert "append-only" in refused("DELETE FROM projects_projectevent WHERE id = %s", [event.pk])
    assert ProjectEvent.objects.filter(pk=event.pk).exists()


def test_the_database_refuses_to_rewrite_a_verification(cast):
    project = register(cast)
    first = milestones_of(project)[0]
    report(cast, project, first)
    verify(cast, project, first)
    done = Verification.objects.get(milestone=first)
    assert "append-only" in refused(
        "UPDATE projects_verification SET by_id = %s WHERE id = %s", [cast["wang"].pk, done.pk]
    )


def test_the_events_agree_with_the_states(cast):
    project = register(cast, milestones=1)
    only = milestones_of(project)[0]
    report(cast, project, only)
    verify(cast, project, only)
    actions = list(project.events.values_list("action", "milestone_id", "actor__username"))
    assert actions == [
        ("registered", None, cast["wang"].username),
        ("milestone_added", only.pk, cast["wang"].username),
        ("reported", only.pk, cast["wang"].username),
        ("verified", only.pk, cast["zhao"].username),
    ]


def test_a_purge_of_whole_data_gets_through(cast):
    project = register(cast)
    report(cast, project, milestones_of(project)[0])
    assert purge_projects(cast.city.code) == 1
    assert not ProjectEvent.objects.filter(project_id=project.pk).exists()


def test_the_admin_reads_the_history_and_changes_none_of_it(cast):
    from django.contrib.auth import get_user_model
    from django.test import Client

    project = register(cast)
    admin = Client()
    admin.force_login(get_user_model().objects.get(username="admin"))
    listed = admin.get("/admin/projects/projectevent/")
    assert listed.status_code == 200 and '<td class="field-action">新增节点</td>' in listed.content.decode()
    event = project.events.first()
    assert admin.get(f"/admin/projects/projectevent/{event.pk}/change/").status_code == 200
    assert admin.post(f"/admin/projects/projectevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin.get("/admin/projects/projectevent/add/").status_code == 403
    assert admin.get(f"/admin/projects/project/{project.pk}/change/").status_code == 200
    assert ProjectEvent.objects.filter(pk=event.pk).exists()
