"""The register's pages through Django's client: registering from the form (blank milestone rows
skipped, a refusal naming the field's label with nothing written), editing with the history showing
what changed, the changes of a milestone by their forms, and scope."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from projects.models import Milestone, Project

from .conftest import milestones_of, register

pytestmark = pytest.mark.django_db


def client_of(cast, name, language="zh-hans"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(cast[name])
    return client


def form(cast, **fields):
    today = timezone.localdate()
    return {
        "area": cast.a.code,
        "kind": "service",
        "title": "红色驿站",
        "goal": "为快递员和环卫工人提供歇脚和饮水",
        "owner": str(cast.person["wang"].pk),
        "budget": "8,000",
        "starts_on": str(today),
        "ends_on": str(today + timedelta(days=90)),
        "m0_title": "选址装修",
        "m0_due": str(today + timedelta(days=30)),
        "m0_evidence": "现场照片",
        "m2_title": "开放运营",
        "m2_due": str(today + timedelta(days=60)),
        "m2_evidence": "运营台账（PDF）",
    } | fields


def test_the_form_registers_a_project_skipping_blank_milestone_rows(cast):
    answer = client_of(cast, "wang").post("/projects/new/", form(cast))
    project = Project.objects.get(area=cast.a)
    assert answer.status_code == 302 and answer["Location"] == f"/projects/{project.pk}/"
    assert project.budget == 8000 and project.kind == "service" and project.owner == cast.person["wang"]
    assert [(m.position, m.title) for m in milestones_of(project)] == [(1, "选址装修"), (2, "开放运营")]


def test_a_refused_form_names_the_field_by_its_label_and_writes_nothing(cast):
    today = timezone.localdate()
    answer = client_of(cast, "wang").post("/projects/new/", form(cast, ends_on=str(today - timedelta(days=1))))
    assert answer.status_code == 400
    page = answer.content.decode()
    assert 'data-field="ends_on"' in page and "结束日期: 项目结束日期不能早于开始日期。" in page
    assert 'value="红色驿站"' in page  # what was typed is kept
    assert not Project.objects.filter(area=cast.a).exists()


def test_a_milestone_row_without_its_evidence_is_named_in_english(cast):
    answer = client_of(cast, "wang", "en").post("/projects/new/", form(cast, m2_evidence=""))
    assert answer.status_code == 400
    assert "evidence that closes it: This cannot be left empty." in answer.content.decode()
    assert not Project.objects.filter(area=cast.a).exists()


def test_the_edit_form_changes_the_facts_and_the_history_shows_them(cast):
    project = register(cast)
    wang = client_of(cast, "wang")
    fields = {
        "action": "edit",
        "version": "1",
        "kind": "governance",
        "title": "红色物业联盟",
        "goal": project.goal,
        "owner": str(cast.person["wang"].pk),
        "budget": "60000",
        "starts_on": str(project.starts_on),
        "ends_on": str(project.ends_on),
    }
    assert wang.post(f"/projects/{project.pk}/", fields).status_code == 302
    project.refresh_from_db()
    assert (project.title, project.kind, project.owner, project.version) == (
        "红色物业联盟", "governance", cast.person["wang"], 2
    )  # fmt: skip
    page = wang.get(f"/projects/{project.pk}/").content.decode()
    assert "项目名称: 红色物业 → 红色物业联盟" in page and "责任人: 陈静 → 王芳" in page
    assert "预算（元）: — → 60000.00" in page and "类型: 党建 → 治理" in page


def test_a_refused_change_is_shown_on_the_page_and_changes_nothing(cast):
    project = register(cast)
    first = milestones_of(project)[0]
    zhao = client_of(cast, "zhao")
    answer = zhao.post(
        f"/projects/{project.pk}/", {"action": "verify", "milestone": first.pk, "version": 1}, follow=True
    )
    assert "只有已报告的进展可以审核或退回" in answer.content.decode()
    first.refresh_from_db()
    assert first.status == Milestone.Status.PENDING


def test_the_reviewer_sees_verify_and_return_and_the_community_does_not(cast):
    project = register(cast)
    first = milestones_of(project)[0]
    client_of(cast, "wang").post(
        f"/projects/{project.pk}/", {"action": "report", "milestone": first.pk, "version": 1, "text": "已完成"}
    )
    assert "verify-form" in client_of(cast, "zhao").get(f"/projects/{project.pk}/").content.decode()
    assert "verify-form" not in client_of(cast, "wang").get(f"/projects/{project.pk}/").content.decode()


def test_another_community_s_staff_and_a_grid_worker_get_404(cast):
    project = register(cast)
    sun = client_of(cast, "sun")
    assert sun.post(f"/projects/{project.pk}/", {"action": "withdraw", "version": 1, "reason": "x"}).status_code == 404
    assert client_of(cast, "zhou").get("/projects/new/").status_code == 404
    assert client_of(cast, "zhou").get(f"/projects/{project.pk}/").status_code == 404
    project.refresh_from_db()
    assert project.status == Project.Status.OPEN


def test_the_register_filters_projects_with_an_overdue_milestone(cast):
    late = register(cast)  # its first milestone was due two weeks ago
    register(cast, title="党群服务中心提质", milestones=0)
    page = client_of(cast, "wang").get("/projects/?overdue=1").content.decode()
    assert f'data-id="{late.pk}"' in page and "党群服务中心提质" not in page
    assert "1 个节点逾期" in page
