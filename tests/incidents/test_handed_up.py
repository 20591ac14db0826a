"""Whoever acted on a case and handed it on keeps reading it: the case page and its API, read-only,
and the "handed up" (已提级) list on /dispatch/. Seen in Chromium on a phone and a desktop."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from incidents.models import Incident
from tests.incidents.browsing import act_via, report_via, token_of
from tests.incidents.conftest import new_incident, step, user


def codes_on(html):
    return re.findall(r'data-code="([^"]+)"', html)


@pytest.mark.django_db
def test_a_dispatcher_who_escalates_from_the_page_lands_on_the_case_not_a_404(city):
    code = new_incident(city=city)
    step(code, "grid_worker", "escalate", city=city, reason="需社区协调")
    dispatcher = city.client("community_dispatcher")
    version = Incident.objects.get(code=code).version
    response = dispatcher.post(
        f"/dispatch/{code}/", {"action": "escalate", "version": version, "reason": "需街道协调"}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="read-only"' in html and 'name="action"' not in html
    assert '<dd id="case-status">已提级</dd>' in html
    assert Incident.objects.get(code=code).level == "street"


@pytest.mark.django_db
def test_the_cases_i_handed_up_are_listed_as_handed_up_and_nowhere_else_mine(city):
    escalated, kept = new_incident(city=city), new_incident(city=city)
    step(escalated, "grid_worker", "escalate", city=city, reason="需社区协调")
    step(escalated, "community_dispatcher", "escalate", city=city, reason="需街道协调")
    step(kept, "grid_worker", "escalate", city=city, reason="需社区协调")
    dispatcher = city.client("community_dispatcher")
    handed = dispatcher.get("/dispatch/", {"view": "handed"}).content.decode()
    assert codes_on(handed) == [escalated]
    assert escalated not in codes_on(dispatcher.get("/dispatch/").content.decode())
    # The grid worker handed both up (one through the community to the street).
    assert set(codes_on(city.client("grid_worker").get("/dispatch/", {"view": "handed"}).content.decode())) == {
        escalated,
        kept,
    }


@pytest.mark.django_db
def test_the_api_gives_a_handed_up_case_to_read_and_refuses_acting_on_it_with_403(city):
    code = new_incident(city=city)
    step(code, "grid_worker", "escalate", city=city, reason="需社区协调")
    step(code, "community_dispatcher", "accept", city=city)
    step(code, "community_dispatcher", "escalate", city=city, reason="需街道协调")
    dispatcher = city.client("community_dispatcher")
    answer = dispatcher.get(f"/api/v1/incidents/{code}/")
    assert answer.status_code == 200 and answer.json()["level"] == "street"
    assert dispatcher.get(f"/api/v1/incidents/{code}/timeline/").status_code == 200
    assert code in [c["code"] for c in dispatcher.get("/api/v1/incidents/").json()["results"]]
    version = Incident.objects.get(code=code).version
    refused = dispatcher.post(
        f"/api/v1/incidents/{code}/accept/", {"version": version}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused.json()["field"] == "action" and code in refused.json()["detail"]
    assert Incident.objects.get(code=code).version == version


@pytest.mark.django_db
def test_someone_who_never_acted_on_a_case_outside_their_scope_still_gets_404(city):
    code = new_incident(city=city)
    step(code, "grid_worker", "escalate", city=city, reason="需社区协调")
    stranger = city.client("grid_worker_2")
    assert stranger.get(f"/dispatch/{code}/").status_code == 404
    assert stranger.get(f"/api/v1/incidents/{code}/").status_code == 404
    assert code not in codes_on(stranger.get("/dispatch/", {"view": "handed"}).content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("screen_name", ["phone", "desktop"])
def test_the_handed_up_list_and_its_case_in_chromium(served_app, served_city, screen, forget_reports, screen_name):
    worker_name, dispatcher_name = (
        served_city.users[name].username for name in ("grid_worker", "community_dispatcher")
    )
    worker, dispatcher = token_of(served_app, worker_name), token_of(served_app, dispatcher_name)
    point = served_city.grid_of("grid_worker").geom.point_on_surface
    code = report_via(served_app, worker, forget_reports, f"路面塌陷 {uuid.uuid4().hex[:6]}", point)
    act_via(served_app, worker, code, "escalate", reason="需社区协调")
    act_via(served_app, dispatcher, code, "escalate", reason="需街道协调")

    shown = screen(screen_name)
    shown.log_in(served_app, dispatcher_name, "/dispatch/")
    page = shown.page
    page.click("#handed-up-tab")
    row = page.locator(f'tr[data-code="{code}"]')
    expect(row).to_contain_text("已提级")
    expect(row).to_contain_text("街道")
    assert shown.overflow() == 0
    shown.shoot("test_the_handed_up_list")
    row.locator("a").click()
    expect(page.locator("#read-only")).to_be_visible()
    expect(page.locator("#case-status")).to_have_text("已提级")
    assert page.locator("form.actions").count() == 0
    expect(page.locator('.timeline li[data-action="escalate"]')).to_have_count(2)
    assert shown.overflow() == 0
    shown.shoot("test_a_handed_up_case")
    assert shown.blocked == [] and shown.console_errors == []


@pytest.mark.django_db
def test_a_dispatcher_who_left_their_post_no_longer_reads_the_cases_they_handed_on(city):
    from datetime import timedelta

    from django.utils import timezone

    from grids.models import Assignment
    from grids.scopes import Scope

    code = new_incident(city=city)
    step(code, "grid_worker", "escalate", city=city, reason="需社区协调")
    step(code, "community_dispatcher", "escalate", city=city, reason="需街道协调")
    dispatcher = user("community_dispatcher", city)
    assert Scope.for_user(dispatcher).sees_incident(Incident.objects.get(code=code))

    yesterday = timezone.localdate() - timedelta(days=1)
    Assignment.objects.filter(person__user=dispatcher).update(starts_on=yesterday - timedelta(days=30))
    Assignment.objects.filter(person__user=dispatcher).update(ends_on=yesterday)

    scope = Scope.for_user(dispatcher)
    assert not scope.sees_incident(Incident.objects.get(code=code))
    assert not scope.incidents(Incident.objects.filter(code=code)).exists()
    assert not scope.handed_on(Incident.objects.filter(code=code)).exists()
    assert city.client("community_dispatcher").get(f"/api/v1/incidents/{code}/").status_code == 404
