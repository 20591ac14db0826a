"""The register's rules through its services: who registers, reports, verifies (销号) and closes off;
a milestone with no report cannot be verified; nobody verifies their own evidence; overdue is flagged."""

from datetime import timedelta

import pytest
from django.utils import timezone

from govgrid.lib.errors import Conflict, GovgridError, NotFound
from grids.scopes import Forbidden, Scope
from projects import rules, services
from projects.models import Milestone, Project, ProjectEvent, Verification

from .conftest import give_back, milestones_of, plan, register, report, verify

pytestmark = pytest.mark.django_db


def test_the_community_secretary_registers_a_project_with_its_milestones(cast):
    project = register(cast)
    assert project.status == Project.Status.OPEN and project.area == cast.a
    assert [m.position for m in milestones_of(project)] == [1, 2]
    actions = list(project.events.values_list("action", flat=True))
    assert actions == ["registered", "milestone_added", "milestone_added"]


def test_the_street_registers_a_project_of_its_own_and_the_district_leader_reviews_it(cast):
    project = register(cast, by="zhao", area=cast.street, owner="zhao")
    first = milestones_of(project)[0]
    report(cast, project, first, by="zhao")
    with pytest.raises(Forbidden):
        verify(cast, project, first, by="qian")  # the street's own staff are not above the street
    verify(cast, project, first, by="li")
    first.refresh_from_db()
    assert first.status == Milestone.Status.CLOSED_OFF


def test_a_grid_worker_may_not_register_a_project_in_the_community(cast):
    with pytest.raises(NotFound):  # the community is not in the grid worker's scope
        register(cast, by="zhou")
    assert not Project.objects.filter(area=cast.a).exists()


def test_a_project_belongs_to_a_street_or_a_community_not_a_grid(cast):
    grid = cast.city.grids_of(cast.a)[0]
    with pytest.raises(GovgridError) as refused:
        register(cast, area=grid)
    assert refused.value.field == "area"


def test_a_milestone_due_outside_the_project_leaves_nothing_written(cast):
    from projects.services import MilestonePlan

    bad = plan(cast)
    bad.milestones.append(MilestonePlan("逾期节点", bad.ends_on + timedelta(days=1), "照片"))
    with pytest.raises(GovgridError) as refused:
        services.register(cast["wang"], bad)
    assert refused.value.field == "milestones[2].due_on"
    assert not Project.objects.filter(area=cast.a).exists() and not ProjectEvent.objects.filter(project__area=cast.a)


def test_the_owner_with_a_login_reports_progress_and_the_street_verifies_it(cast):
    project = register(cast)
    first = milestones_of(project)[0]
    report(cast, project, first, by="chen")
    verify(cast, project, first, by="zhao", note="材料齐全")
    first.refresh_from_db()
    assert first.status == Milestone.Status.CLOSED_OFF and first.closed_at is not None
    verification = Verification.objects.get(milestone=first)
    assert verification.by == cast["zhao"] and verification.report.reported_by == cast["chen"]


def test_a_milestone_with_no_progress_report_cannot_be_verified(cast):
    project = register(cast)
    with pytest.raises(Conflict) as refused:
        verify(cast, project, milestones_of(project)[0])
    assert refused.value.extra["code"] == "not_reported"


def test_the_community_secretary_may_not_verify_her_own_community_s_project(cast):
    project = register(cast)
    first = milestones_of(project)[0]
    report(cast, project, first, by="chen")
    with pytest.raises(Forbidden):
        verify(cast, project, first, by="wang")


def test_another_community_s_staff_do_not_find_the_project(cast):
    project = register(cast)
    with pytest.raises(NotFound):
        services.seen_project(Scope.for_user(cast["sun"]), project.pk)


def test_a_reviewer_who_reported_the_evidence_is_refused_and_another_verifies_it(cast):
    project = register(cast)
    first = milestones_of(project)[0]
    report(cast, project, first, by="zhao")  # the street's staff may report a community's progress
    with pytest.raises(Forbidden):
        verify(cast, project, first, by="zhao")
    verify(cast, project, first, by="qian")


def test_a_returned_milestone_is_reported_again_then_verified(cast):
    project = register(cast)
    first = milestones_of(project)[0]
    report(cast, project, first)
    give_back(cast, project, first, reason="缺少签到表")
    first.refresh_from_db()
    assert first.status == Milestone.Status.RETURNED
    with pytest.raises(Conflict):
        verify(cast, project, first)  # nothing new reported yet
    report(cast, project, first, text="补充签到表")
    verify(cast, project, first)
    decisions = list(first.verifications.values_list("decision", "note"))
    assert decisions == [("returned", "缺少签到表"), ("verified", "")]


def test_a_return_needs_a_reason(cast):
    project = register(cast)
    first = milestones_of(project)[0]
    report(cast, project, first)
    with pytest.raises(GovgridError) as refused:
        give_back(cast, project, first, reason="  ")
    assert refused.value.field == "reason"


def test_a_project_is_closed_off_only_when_every_milestone_is(cast):
    project = register(cast)
    first, second = milestones_of(project)
    report(cast, project, first)
    verify(cast, project, first)
    project.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        services.close_off(cast["zhao"], project.pk, project.version)
    assert refused.value.extra["code"] == "milestones_open"
    report(cast, project, second)
    verify(cast, project, second)
    project.refresh_from_db()
    services.close_off(cast["qian"], project.pk, project.version, "验收通过")
    project.refresh_from_db()
    assert project.status == Project.Status.CLOSED_OFF
    assert project.events.order_by("-at", "-id").first().action == "closed_off"


def test_the_community_may_not_close_off_its_own_project(cast):
    project = register(cast, milestones=1)
    only = milestones_of(project)[0]
    report(cast, project, only)
    verify(cast, project, only)
    project.refresh_from_db()
    with pytest.raises(Forbidden):
        services.close_off(cast["wang"], project.pk, project.version)


def test_a_reviewer_who_reported_evidence_of_the_project_may_not_close_it_off(cast):
    project = register(cast, milestones=1)
    only = milestones_of(project)[0]
    report(cast, project, only, by="zhao")
    verify(cast, project, only, by="qian")
    project.refresh_from_db()
    with pytest.raises(Forbidden):
        services.close_off(cast["zhao"], project.pk, project.version)


def test_a_stale_version_is_refused_with_the_current_one(cast):
    project = register(cast)
    first = milestones_of(project)[0]
    report(cast, project, first)
    first.refresh_from_db()
    services.verify(cast["zhao"], project.pk, first.pk, first.version)
    with pytest.raises(Conflict) as refused:
        services.return_(cast["qian"], project.pk, first.pk, first.version, "再看看")
    assert refused.value.extra["code"] == "stale" and refused.value.extra["version"] == first.version + 1


def test_a_project_is_withdrawn_with_a_reason_before_anything_was_verified(cast):
    project = register(cast)
    report(cast, project, milestones_of(project)[0])
    services.withdraw(cast["wang"], project.pk, project.version, "并入街道项目")
    project.refresh_from_db()
    assert project.status == Project.Status.WITHDRAWN and project.withdrawn_reason == "并入街道项目"
    assert Project.objects.filter(pk=project.pk).exists()  # nothing is deleted


def test_a_project_with_a_verified_milestone_cannot_be_withdrawn(cast):
    project = register(cast)
    first = milestones_of(project)[0]
    report(cast, project, first)
    verify(cast, project, first)
    project.refresh_from_db()
    with pytest.raises(Conflict):
        services.withdraw(cast["wang"], project.pk, project.version, "不做了")


def test_a_milestone_past_its_due_date_and_not_closed_off_is_overdue(cast):
    project = register(cast)
    first, second = milestones_of(project)  # due two weeks ago, and in two weeks
    today = timezone.localdate()
    assert rules.is_overdue(first, today) and not rules.is_overdue(second, today)
    assert set(Milestone.objects.filter(rules.overdue_q(today), project=project)) == {first}
    report(cast, project, first)
    verify(cast, project, first)
    first.refresh_from_db()
    assert not rules.is_overdue(first, today)
    assert not Milestone.objects.filter(rules.overdue_q(today), project=project).exists()


def test_an_edit_keeps_the_facts_before_and_after_in_the_history(cast):
    project = register(cast)
    services.edit(cast["wang"], project.pk, project.version, {"title": "红色物业联盟", "budget": 50000})
    event = project.events.get(action="edited")
    assert event.before == {"title": "红色物业", "budget": None}
    assert event.after == {"title": "红色物业联盟", "budget": "50000.00"}
