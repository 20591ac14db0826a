"""The dispatcher pages: my queue at my level, overdue first; a case with exactly my actions."""

import re
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from incidents.models import Category, Incident
from incidents.services import Report, report_incident
from incidents.workflow import act
from tests.conftest import DEMO_PASSWORD, post_json, worker_grid


def new_case(due_in_hours=None):
    user = get_user_model().objects.get(username="grid_worker")
    point = worker_grid().geom.point_on_surface
    report = Report(
        client_id=uuid.uuid4(), category=Category.objects.get(code="0301"), description="测试", lon=point.x, lat=point.y
    )
    incident = report_incident(user, report)[0]
    if due_in_hours is not None:
        Incident.objects.filter(pk=incident.pk).update(due_at=timezone.now() + timedelta(hours=due_in_hours))
    return incident.code


def escalate(code):
    user = get_user_model().objects.get(username="grid_worker")
    act(user, code, "escalate", Incident.objects.get(code=code).version, reason="需社区协调")


def codes_on(html):
    return re.findall(r'data-code="([^"]+)"', html)


@pytest.mark.django_db
def test_the_community_queue_shows_its_level_overdue_first(login):
    later, overdue, grid_level = new_case(), new_case(), new_case()
    escalate(later)
    escalate(overdue)
    Incident.objects.filter(code=overdue).update(due_at=timezone.now() - timedelta(hours=1))
    page = login("community_dispatcher").get("/dispatch/").content.decode()
    shown = codes_on(page)
    assert shown.index(overdue) < shown.index(later) and grid_level not in shown
    everything = codes_on(login("community_dispatcher").get("/dispatch/", {"level": "all"}).content.decode())
    assert grid_level in everything


@pytest.mark.django_db
def test_a_case_page_offers_exactly_the_actions_allowed(login):
    code = new_case()

    def buttons(username):
        html = login(username).get(f"/dispatch/{code}/").content.decode()
        return re.findall(r'name="action" value="([a-z]+)"', html)

    assert buttons("community_dispatcher") == ["accept", "escalate", "reject"]
    assert buttons("leader") == []
    assert login("grid_worker_2").get(f"/dispatch/{code}/").status_code == 404


@pytest.mark.django_db
def test_acting_from_the_page_changes_the_case_and_a_stale_form_is_refused(login):
    code = new_case()
    dispatcher = login("community_dispatcher")
    response = dispatcher.post(f"/dispatch/{code}/", {"action": "accept", "version": 1}, follow=True)
    assert Incident.objects.get(code=code).status == "accepted"
    stale = dispatcher.post(f"/dispatch/{code}/", {"action": "start", "version": 1}, follow=True)
    assert "案件在您查看后已被更改" in stale.content.decode()
    assert Incident.objects.get(code=code).status == "accepted" and response.status_code == 200


@pytest.mark.django_db
def test_the_pages_work_offline_in_a_browser(served_app, offline_page, forget_reports):
    token = post_json(served_app, "/api/v1/auth/token/", {"username": "grid_worker", "password": DEMO_PASSWORD})[1][
        "token"
    ]
    point = worker_grid().geom.point_on_surface
    report = {
        "client_id": str(uuid.uuid4()),
        "category": "0301",
        "description": "浏览器测试",
        "lon": point.x,
        "lat": point.y,
    }
    forget_reports.append(report["client_id"])
    code = post_json(served_app, "/api/v1/incidents/", report, token)[1]["code"]

    page = offline_page()
    page.page.goto(served_app + "/dispatch/")
    page.page.fill("input[name=username]", "community_dispatcher")
    page.page.fill("input[name=password]", DEMO_PASSWORD)
    page.page.click("main.login button[type=submit]")
    page.page.goto(served_app + "/dispatch/?level=all")
    assert page.page.locator(f'tr[data-code="{code}"]').count() == 1
    page.page.click(f'a:text("{code}")')
    page.page.click('button[value="accept"]')
    assert page.page.locator("#case-status").inner_text() == "已受理"
    page.screenshot("dispatch-case.png")
    assert page.blocked == [] and [e for e in page.console_errors if "favicon" not in e] == []


@pytest.mark.django_db
def test_a_closed_case_past_its_deadline_is_not_called_overdue(login):
    code = new_case()
    Incident.objects.filter(code=code).update(status="closed", due_at=timezone.now() - timedelta(days=3))
    html = login("community_dispatcher").get("/dispatch/", {"level": "all", "status": "all"}).content.decode()
    row = re.search(rf'<tr class="([^"]*)" data-code="{code}"', html)
    assert row is not None and row.group(1) == ""
