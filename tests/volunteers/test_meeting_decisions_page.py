"""A situation analysis's decisions made a case and a service request from the member's page, in
Chromium: 赵强, who leads the grid's Party group, taps the buttons under his meeting's decisions on
his phone (390×844, touch, Chinese) with no network; both wait on the phone, are sent once the
network is back, and the first answer lost on the way is sent again without making a second case.
The case's code and the request's tracking code are shown under the decisions, and on a desktop in
English."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from grids.models import Role
from tests.incidents.conftest import demo_password_hash
from volunteers import duties
from volunteers.models import ServiceRequest, VisitFinding

pytestmark = pytest.mark.django_db

PHONE = {"width": 390, "height": 844}
DECISIONS = "3号楼楼道杂物由物业三日内清理；为独居的王奶奶每周买一次菜"


@pytest.fixture(scope="module")
def served_meeting(django_db_setup, django_db_blocker):
    """The cast in a committed city; 赵强 (zhao) leads the grid's Party group and recorded last
    week's situation analysis with its decisions."""
    from tests.conftest import committed_city

    from .conftest import add_cast

    def people(city):
        cast = add_cast(city)
        cast["zhao"].password = demo_password_hash()
        cast["zhao"].save(update_fields=["password"])
        city.serve(cast.person["zhao"], Role.PARTY_GROUP_LEADER, cast.grid)
        city.meeting, _created = duties.record_meeting(cast["zhao"], duties.MeetingRecord(
            client_id=uuid.uuid4(), kind="analysis", area=cast.grid.code,
            held_on=timezone.localdate() - timedelta(days=5), topic="十一月民情研判",
            attendees=[cast.person["zhao"].pk], decisions=DECISIONS,
        ))  # fmt: skip
        city.cast = cast

    with committed_city(django_db_blocker, people, code="990093", origin=(113.8, 32.2)) as city:
        yield city


def leader_phone(screen, served_app, city, name="phone", locale="zh-CN"):
    shown = screen(name, locale=locale)
    if name == "phone":
        shown.page.set_viewport_size(PHONE)
    shown.log_in(served_app, city.cast["zhao"].username, "/v/")
    shown.page.click("#tab-visits")
    return shown


def test_the_leader_makes_a_case_and_a_service_request_of_his_meetings_decisions_offline_and_each_arrives_once(
    served_app, served_meeting, screen, django_db_blocker
):
    city = served_meeting
    zhao = leader_phone(screen, served_app, city)
    page = zhao.page
    item = page.locator(f'#decisions li[data-meeting="{city.meeting.pk}"]')
    expect(item.locator(".decisions-text")).to_have_text(DECISIONS)
    expect(item.locator(".decision-case select[name=category] option")).not_to_have_count(1)  # categories read

    zhao.context.set_offline(True)
    item.locator(".decision-buttons button").first.tap()
    case_form = item.locator("form.decision-case")
    case_form.locator("select[name=category]").select_option("0501")
    case_form.locator("textarea[name=description]").fill("3号楼楼道堆满杂物，物业三日内清理")
    case_form.locator("button[type=submit]").tap()
    expect(page.locator("#decisions-note")).to_contain_text("只发送一次")
    expect(page.locator("#pending-count")).to_have_text("1")

    item = page.locator(f'#decisions li[data-meeting="{city.meeting.pk}"]')
    item.locator(".decision-buttons button").last.tap()
    request_form = item.locator("form.decision-request")
    request_form.locator("select[name=kind]").select_option("errands")
    request_form.locator("select[name=for_whom]").select_option("elderly_alone")
    request_form.locator("textarea[name=description]").fill("为独居的王奶奶每周买一次菜")
    request_form.locator("input[name=place]").fill("3号楼2单元101")
    assert zhao.overflow() == 0
    zhao.shoot("member-decision-request-form")
    request_form.locator("button[type=submit]").tap()
    expect(page.locator("#pending-count")).to_have_text("2")
    expect(item.locator(".made.waiting")).to_have_count(2)
    assert zhao.overflow() == 0
    zhao.shoot("member-decisions-kept")

    # The server takes the case but its answer is lost on the way back: the phone sends it again.
    lost = []

    def lose_the_first_answer(route):
        if not lost:
            lost.append(route.fetch().status)
            route.abort()
        else:
            route.continue_()

    page.route(f"**/api/v1/party-meetings/{city.meeting.pk}/findings/", lose_the_first_answer)
    zhao.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#pending-count")).to_be_hidden(timeout=60_000)
    assert lost == [201]

    with django_db_blocker.unblock():
        findings = VisitFinding.objects.filter(meeting=city.meeting)
        case = findings.get(incident__isnull=False).incident
        asked = findings.get(request__isnull=False).request
        assert findings.count() == 2
        assert (case.grid, case.channel) == (city.cast.grid, "meeting")
        assert case.description == "3号楼楼道堆满杂物，物业三日内清理"
        assert (asked.grid, asked.channel, asked.kind, asked.for_whom, asked.status) == (
            city.cast.grid, "meeting", "errands", "elderly_alone", ServiceRequest.Status.ASKED
        )  # fmt: skip
    item = page.locator(f'#decisions li[data-meeting="{city.meeting.pk}"]')
    expect(item.locator(".made.cases")).to_contain_text(case.code)
    expect(item.locator(".made.requests")).to_contain_text(asked.tracking_code)
    expect(item.locator(".made.waiting")).to_have_count(0)
    assert zhao.overflow() == 0 and not zhao.blocked
    zhao.shoot("member-decisions-made")

    desk = leader_phone(screen, served_app, city, name="desktop", locale="en-US")
    item = desk.page.locator(f'#decisions li[data-meeting="{city.meeting.pk}"]')
    expect(item.locator(".decision-buttons button")).to_have_text(["Make a case", "Make a service request"])
    expect(item.locator(".made.cases")).to_contain_text(f"Cases made: {case.code}")
    expect(item.locator(".made.requests")).to_contain_text(asked.tracking_code)
    assert desk.overflow() == 0 and not desk.blocked and not desk.console_errors
    desk.shoot("member-decisions")


def test_a_meetings_list_names_the_requests_its_decisions_became(served_meeting, client):
    city = served_meeting
    client.force_login(city.cast["zhao"])
    made, _created = duties.meeting_request(city.cast["zhao"], city.meeting.pk, uuid.uuid4(), {
        "kind": "errands", "description": "帮忙取药", "for_whom": "elderly"})  # fmt: skip
    listed = client.get("/api/v1/party-meetings/?kind=analysis").json()
    mine = next(meeting for meeting in listed if meeting["id"] == city.meeting.pk)
    assert made.request.tracking_code in mine["requests"]
