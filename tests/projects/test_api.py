"""The register's API: registering and reading in scope, refusals naming the field in Chinese by
default and in English on request, and the changes of a milestone through their endpoints."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from projects.models import Project

from .conftest import milestones_of, register

pytestmark = pytest.mark.django_db


def client_of(cast, name, **headers):
    client = Client(**headers)
    client.force_login(cast[name])
    return client


def body(cast, **fields):
    today = timezone.localdate()
    return {
        "area": cast.a.code,
        "kind": "governance",
        "title": "网格议事厅建设",
        "goal": "每个网格建成议事厅，每月议事一次",
        "owner": cast.person["chen"].pk,
        "budget": "30000",
        "starts_on": str(today - timedelta(days=10)),
        "ends_on": str(today + timedelta(days=100)),
        "milestones": [
            {"title": "选定场地", "due_on": str(today + timedelta(days=20)), "evidence_required": "场地照片"},
            {"title": "首次议事", "due_on": str(today + timedelta(days=60)), "evidence_required": "会议纪要PDF"},
        ],
    } | fields


def post(client, path, data, **extra):
    return client.post(path, json.dumps(data), content_type="application/json", **extra)


def test_the_community_secretary_registers_a_project_over_the_api(cast):
    answer = post(client_of(cast, "wang"), "/api/v1/projects/", body(cast))
    assert answer.status_code == 201, answer.json()
    project = answer.json()
    assert project["budget"] == "30000.00" and project["status"] == "open"
    assert [m["title"] for m in project["milestones"]] == ["选定场地", "首次议事"]
    assert [e["action"] for e in project["history"]] == ["registered", "milestone_added", "milestone_added"]
    assert project["may_change"] and not project["may_review"]


def test_a_bad_date_is_named_in_chinese_by_default(cast):
    answer = post(client_of(cast, "wang"), "/api/v1/projects/", body(cast, ends_on="明年"))
    assert answer.status_code == 400
    assert answer.json()["field"] == "ends_on"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in answer.json()["detail"])


def test_an_end_before_the_start_is_named_in_english_on_request(cast):
    today = timezone.localdate()
    client = client_of(cast, "wang", HTTP_ACCEPT_LANGUAGE="en")
    answer = post(client, "/api/v1/projects/", body(cast, ends_on=str(today - timedelta(days=20)), milestones=[]))
    assert answer.status_code == 400
    assert (
        answer.json()["field"] == "ends_on" and answer.json()["detail"] == "The project must end on or after its start."
    )
    assert not Project.objects.filter(area=cast.a).exists()


def test_an_owner_outside_the_areas_is_refused_naming_the_owner(cast):
    answer = post(client_of(cast, "wang"), "/api/v1/projects/", body(cast, owner=cast.person["sun"].pk))
    assert answer.status_code == 400 and answer.json()["field"] == "owner"


def test_a_milestone_without_its_evidence_is_refused_naming_it(cast):
    milestones = body(cast)["milestones"]
    milestones[1]["evidence_required"] = ""
    answer = post(client_of(cast, "wang"), "/api/v1/projects/", body(cast, milestones=milestones))
    assert answer.status_code == 400 and answer.json()["field"] == "milestones"
    assert not Project.objects.filter(area=cast.a).exists()


def test_another_community_s_staff_get_404_for_the_project_and_its_area(cast):
    project = register(cast)
    sun = client_of(cast, "sun")
    assert sun.get(f"/api/v1/projects/{project.pk}/").status_code == 404
    assert sun.get(f"/projects/{project.pk}/").status_code == 404
    assert sun.get(f"/api/v1/projects/?within={cast.a.code}").status_code == 404
    assert sun.get("/api/v1/projects/").json() == []
    assert post(sun, "/api/v1/projects/", body(cast)).status_code == 404


def test_the_street_reads_its_communities_projects_and_the_owner_reads_hers(cast):
    project = register(cast)
    for name in ("zhao", "chen", "li"):
        listed = client_of(cast, name).get("/api/v1/projects/").json()
        assert [p["id"] for p in listed] == [project.pk], name


def test_the_list_filters_by_overdue_status_and_kind(cast):
    late = register(cast)  # its first milestone was due two weeks ago
    on_time = register(cast, title="党建引领老旧小区改造", kind="governance", milestones=0)
    wang = client_of(cast, "wang")
    assert [p["id"] for p in wang.get("/api/v1/projects/?overdue=1").json()] == [late.pk]
    assert [p["id"] for p in wang.get("/api/v1/projects/?overdue=0").json()] == [on_time.pk]
    assert [p["id"] for p in wang.get("/api/v1/projects/?kind=governance").json()] == [on_time.pk]
    assert wang.get("/api/v1/projects/?status=closed_off").json() == []
    assert wang.get("/api/v1/projects/?status=finished").json()["field"] == "status"
    assert wang.get("/api/v1/projects/").json()[1]["overdue_milestones"] == 1


def test_the_milestone_flags_overdue_in_the_project(cast):
    project = register(cast)
    milestones = client_of(cast, "wang").get(f"/api/v1/projects/{project.pk}/").json()["milestones"]
    assert [m["overdue"] for m in milestones] == [True, False]


def test_report_verify_return_and_close_off_through_the_api(cast):
    project = register(cast, milestones=1)
    only = milestones_of(project)[0]
    wang, zhao = client_of(cast, "wang"), client_of(cast, "zhao")
    path = f"/api/v1/projects/{project.pk}/milestones/{only.pk}"
    answer = wang.post(f"{path}/report/", {"version": only.version, "text": "已完成"})
    assert answer.status_code == 201, answer.json()
    version = answer.json()["milestones"][0]["version"]
    assert post(zhao, f"{path}/return/", {"version": version}).json()["field"] == "reason"
    returned = post(zhao, f"{path}/return/", {"version": version, "reason": "缺照片"})
    assert returned.json()["milestones"][0]["status"] == "returned"
    version = returned.json()["milestones"][0]["version"]
    again = wang.post(f"{path}/report/", {"version": version, "text": "补充照片"})
    version = again.json()["milestones"][0]["version"]
    verified = post(zhao, f"{path}/verify/", {"version": version})
    assert verified.status_code == 200 and verified.json()["may_close_off"]
    closed = post(zhao, f"/api/v1/projects/{project.pk}/close-off/", {"version": verified.json()["version"]})
    assert closed.status_code == 200 and closed.json()["status"] == "closed_off"


def test_verifying_a_milestone_not_reported_is_409(cast):
    project = register(cast)
    first = milestones_of(project)[0]
    answer = post(
        client_of(cast, "zhao"), f"/api/v1/projects/{project.pk}/milestones/{first.pk}/verify/", {"version": 1}
    )
    assert answer.status_code == 409 and answer.json()["code"] == "not_reported"


def test_the_community_verifying_its_own_project_is_403(cast):
    project = register(cast)
    first = milestones_of(project)[0]
    client_of(cast, "chen").post(
        f"/api/v1/projects/{project.pk}/milestones/{first.pk}/report/", {"version": 1, "text": "已完成"}
    )
    answer = post(
        client_of(cast, "wang"), f"/api/v1/projects/{project.pk}/milestones/{first.pk}/verify/", {"version": 2}
    )
    assert answer.status_code == 403


def test_an_edit_over_the_api_needs_the_version_read(cast):
    project = register(cast)
    wang = client_of(cast, "wang")
    path = f"/api/v1/projects/{project.pk}/"
    stale = wang.patch(path, json.dumps({"version": 7, "title": "新名称"}), content_type="application/json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    edited = wang.patch(path, json.dumps({"version": 1, "budget": "1200.50"}), content_type="application/json")
    assert edited.status_code == 200 and edited.json()["budget"] == "1200.50"
    assert edited.json()["history"][-1]["before"] == {"budget": None}


def test_the_projects_endpoints_are_in_the_openapi_document(cast):
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in (
        "/api/v1/projects/",
        "/api/v1/projects/{id}/milestones/{milestone}/verify/",
        "/api/v1/projects/figures/",
    ):
        assert path in schema


def test_a_milestone_is_added_at_the_end_inside_the_project_s_dates(cast):
    project = register(cast)
    wang = client_of(cast, "wang")
    path = f"/api/v1/projects/{project.pk}/milestones/"
    late = {
        "version": 1,
        "title": "总结验收",
        "due_on": str(project.ends_on + timedelta(days=1)),
        "evidence_required": "验收报告",
    }
    refused = post(wang, path, late)
    assert refused.status_code == 400 and refused.json()["field"] == "due_on"
    added = post(wang, path, late | {"due_on": str(project.ends_on)})
    assert added.status_code == 201 and [m["position"] for m in added.json()["milestones"]] == [1, 2, 3]
    assert post(wang, path, late | {"due_on": str(project.ends_on)}).json()["code"] == "stale"
    assert post(client_of(cast, "zhou"), path, late | {"version": 2}).status_code == 404


def test_a_project_is_withdrawn_over_the_api_and_stays_in_the_register(cast):
    project = register(cast)
    wang = client_of(cast, "wang")
    assert post(wang, f"/api/v1/projects/{project.pk}/withdraw/", {"version": 1}).json()["field"] == "reason"
    answer = post(wang, f"/api/v1/projects/{project.pk}/withdraw/", {"version": 1, "reason": "并入街道项目"})
    assert answer.status_code == 200 and answer.json()["status"] == "withdrawn"
    assert [p["id"] for p in wang.get("/api/v1/projects/?status=withdrawn").json()] == [project.pk]
    again = post(
        wang,
        f"/api/v1/projects/{project.pk}/milestones/",
        {"version": 2, "title": "x", "due_on": str(project.ends_on), "evidence_required": "x"},
    )
    assert again.status_code == 409 and again.json()["code"] == "not_open"
