"""A service asked for, taken and rated, in Chromium, as each person does it: a resident asks from
the QR code's page on a phone, the community's staff accept it on a desktop, it is offered to the
members linked in the grid, 李明 claims it on his phone and 张华, a moment late, is told someone else
took it, 李明 records it done with no network and it arrives once, the resident rates it, and the
ledger credits 李明's hours and points, which his school's quarterly report to its Party organisation
shows. Two members claiming at once through the server: one wins."""

import subprocess
import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from grids.models import PartyMeeting, Role, Visit
from residents.models import PlaceCode
from tests.conftest import committed_city, post_json
from tests.incidents.browsing import get_json, token_of
from tests.incidents.conftest import demo_password_hash
from volunteers.models import LedgerEntry, RequestStep, ServiceRequest, VisitFinding

from .conftest import add_cast

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def served_cast(django_db_setup, django_db_blocker):
    """The volunteers' cast in a committed city, each logging in with the demo's password, and a QR
    code for their grid."""

    def people(city):
        cast = add_cast(city)
        for user in cast.values():
            user.password = demo_password_hash()
            user.save(update_fields=["password"])
        cast.code = PlaceCode.objects.create(token="vj" + city.code, area=cast.grid)
        city.serve(cast.person["zhao"], Role.PARTY_GROUP_LEADER, cast.grid)  # 赵强 leads the grid's Party group
        city.cast = cast

    with committed_city(django_db_blocker, people, code="990043", origin=(113.5, 32.6)) as city:
        yield city.cast


def member_phone(screen, served_app, user):
    phone = screen("phone")
    phone.log_in(served_app, user.username, "/v/")
    return phone


def test_a_resident_asks_staff_accept_a_member_claims_and_the_resident_rates(served_app, served_cast, screen, tmp_path):
    cast = served_cast
    resident = screen("phone")
    page = resident.page
    page.goto(f"{served_app}/r/{cast.code.token}/")
    page.click("#service-link")
    page.click("label.kind:has(input[value=errands])")
    page.select_option("#for_whom", "elderly_alone")
    page.fill("#description", "腿脚不便，想请人帮忙买一周的菜")
    page.fill("#contact_phone", "13800005555")
    page.click("#send")
    expect(page.locator("#request-status")).to_have_attribute("data-status", "asked")
    assert resident.overflow() == 0
    resident.shoot("service-asked")
    follow_url = page.url
    asked = ServiceRequest.objects.get(description="腿脚不便，想请人帮忙买一周的菜")

    desk = screen("desktop")
    desk.log_in(served_app, cast["sun"].username, "/volunteers/requests/")
    desk.page.click(f'li[data-code="{asked.tracking_code}"] a')
    expect(desk.page.locator("#contact")).to_contain_text("13800005555")
    desk.page.click("#accept")
    expect(desk.page.locator("#request")).to_have_attribute("data-status", "offered")
    assert desk.overflow() == 0
    desk.shoot("service-request")

    li, zhang = member_phone(screen, served_app, cast["li"]), member_phone(screen, served_app, cast["zhang"])
    for phone in (li, zhang):
        expect(phone.page.locator(f'#offered li[data-code="{asked.tracking_code}"]')).to_have_count(1)
    li.shoot("member-offered")
    li.page.click(f'button[data-claim="{asked.tracking_code}"]')
    expect(li.page.locator("#network-state")).to_contain_text(asked.tracking_code)
    zhang.page.click(f'button[data-claim="{asked.tracking_code}"]')
    zhang.page.click("#tab-pending")
    expect(zhang.page.locator("#pending li[data-state=refused]")).to_contain_text("已被他人抢先接单")

    li.page.click("#tab-tasks")
    task = li.page.locator(f'#tasks li[data-code="{asked.tracking_code}"]')
    expect(task.locator("a[href^='tel:']")).to_have_text("13800005555")
    li.context.set_offline(True)  # in the lift, on the way down
    task.locator("input[name=minutes]").fill("45")
    task.locator("input[name=note]").fill("买了一周的菜送到家")
    shot = tmp_path / "groceries.jpg"
    Image.new("RGB", (40, 30), (200, 160, 60)).save(shot, "JPEG")
    task.locator("input[name=photo]").set_input_files(str(shot))  # kept on the phone with the rest
    task.locator(".done-form button").click()
    # kept on the phone with its photo (IndexedDB writes the picture to disk: a busy phone takes a while)
    expect(li.page.locator("#pending-count")).to_have_text("1", timeout=20_000)
    assert li.overflow() == 0
    li.shoot("member-task-kept")
    li.context.set_offline(False)
    li.page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(li.page.locator("#pending-count")).to_be_hidden(timeout=30_000)
    asked.refresh_from_db()
    assert (asked.status, asked.volunteer, asked.minutes) == ("done", cast.person["li"], 45)
    assert RequestStep.objects.filter(request=asked, action="done").count() == 1
    assert asked.photos.count() == 1

    page.goto(follow_url)
    page.click("label.check:has(input[value='5'])")
    page.click("#confirm-form button")
    expect(page.locator("#request-status")).to_have_attribute("data-status", "confirmed")
    expect(page.locator("#volunteer")).to_contain_text("李*")
    credited = {row.kind: row for row in LedgerEntry.objects.filter(request=asked)}
    assert credited["service_hours"].hours == credited["service_hours"].points == 0.75
    assert credited["rated_service"].person == cast.person["li"] and credited["rated_service"].work_unit == cast.school

    # the school's Party organisation reads it in its quarterly report (双报到 feedback)
    desk.page.goto(f"{served_app}/volunteers/work-units/")
    school = desk.page.locator(".unit", has_text=cast.school.name).first
    link = school.locator("a.pdf").first.get_attribute("href")
    report = desk.page.request.get(served_app + link)
    assert report.status == 200 and report.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "school.pdf"
    pdf.write_bytes(report.body())
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    line = next(line for line in text.splitlines() if "李明" in line)
    assert "0.75" in line and "2.75" in line  # 45 minutes: 0.75 hours, 0.75 + 2 points
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    page_image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    assert page_image.size[0] > page_image.size[1] and sum(page_image.histogram()[:128]) > 1000

    for screen_ in (resident, desk, li, zhang):
        assert screen_.blocked == []
    assert resident.console_errors == desk.console_errors == li.console_errors == []
    assert all("409" in error for error in zhang.console_errors)  # the browser's note of the refused claim


def test_two_members_claiming_at_once_one_wins_the_other_gets_409(served_app, served_cast, django_db_blocker):
    cast = served_cast
    staff = token_of(served_app, cast["sun"].username)
    body = {"community": cast.community.code, "grid": cast.grid.code, "client_id": str(uuid.uuid4()),
            "kind": "errands", "description": "帮忙取快递", "for_whom": "elderly"}  # fmt: skip
    status, asked = post_json(served_app, "/api/v1/service-requests/", body, staff)
    assert status == 201
    code = asked["tracking_code"]
    status, _accepted = post_json(served_app, f"/api/v1/service-requests/{code}/accept/", {"version": asked["version"]},
                                  staff)  # fmt: skip
    assert status == 200
    tokens = {name: token_of(served_app, cast[name].username) for name in ("li", "zhang")}
    answers, start = [], threading.Barrier(2)

    def claim(name):
        start.wait()
        answers.append((name, *post_json(served_app, f"/api/v1/service-requests/{code}/claim/", {},
                                         tokens[name])))  # fmt: skip

    threads = [threading.Thread(target=claim, args=(name,)) for name in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(status for _name, status, _body in answers) == [200, 409]
    loser = next(body for _name, status, body in answers if status == 409)
    assert loser["code"] == "claimed"
    with django_db_blocker.unblock():
        assert RequestStep.objects.filter(request__tracking_code=code, action="claim").count() == 1
        winner = next(name for name, status, _body in answers if status == 200)
        assert ServiceRequest.objects.get(tracking_code=code).volunteer == cast.person[winner]


def test_a_visit_recorded_with_no_network_arrives_once_and_its_problem_becomes_a_case_in_its_grid(
    served_app, served_cast, screen
):
    cast = served_cast
    li = member_phone(screen, served_app, cast["li"])
    page = li.page
    page.click("#tab-visits")
    link = page.locator("#visits li[data-link]").first
    expect(link.locator("select[name=category] option")).not_to_have_count(1)  # the categories, read and kept
    link_id = int(link.get_attribute("data-link"))
    li.context.set_offline(True)
    link.locator("input[name=households]").fill("32")
    link.locator("input[name=notes]").fill("走访了3号楼")
    link.locator("select[name=category]").select_option("0501")
    link.locator("input[name=problem]").fill("3号楼楼道堆满杂物")
    link.locator(".visit-form button").click()
    expect(page.locator("#visits-note")).to_contain_text("保存在手机上")
    expect(page.locator("#pending-count")).to_have_text("1")
    assert li.overflow() == 0
    li.shoot("member-visit-kept")
    sent = []  # what the phone sent and what it was answered, to read when this fails
    page.on("response", lambda r: r.request.method == "POST" and sent.append((r.url, r.status, r.request.post_data)))
    li.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    # Arrived: the week shows as visited (read again from the server), then the problem is sent too.
    expect(page.locator(f'#visits li[data-link="{link_id}"] .week.done').last).to_be_visible(timeout=30_000)
    expect(page.locator("#pending-count")).to_be_hidden(timeout=30_000)
    visits = Visit.objects.filter(link_id=link_id, households_reached=32)
    assert visits.count() == 1, sent
    finding = VisitFinding.objects.get(visit=visits.get())
    assert (finding.incident.grid, finding.incident.channel) == (cast.grid, "visit")
    assert finding.incident.description == "3号楼楼道堆满杂物"


def test_a_member_checks_in_at_an_activity_with_the_organisers_code_and_is_credited(served_app, served_cast, screen):
    cast = served_cast
    staff = token_of(served_app, cast["sun"].username)
    spot = cast.grid.geom.point_on_surface
    now = timezone.now()
    body = {"community": cast.community.code, "title": "小区环境清洁日", "place": "1号楼前", "lon": spot.x,
            "lat": spot.y, "starts_at": (now - timedelta(minutes=10)).isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat(), "hours": "1.50", "radius_m": 200}  # fmt: skip
    status, activity = post_json(served_app, "/api/v1/activities/", body, staff)
    assert status == 201, activity
    li = screen(
        "phone", geolocation={"latitude": spot.y, "longitude": spot.x, "accuracy": 12}, permissions=["geolocation"]
    )
    li.log_in(served_app, cast["li"].username, "/v/")
    page = li.page
    page.click("#tab-activities")
    item = page.locator(f'#activities li[data-activity="{activity["id"]}"]')
    status, shown = get_json(served_app, f"/api/v1/activities/{activity['id']}/code/", staff)
    assert status == 200
    item.locator("input[name=code]").fill(shown["code"])
    item.locator(".check-in-form button").click()
    expect(page.locator("#activities-note")).to_contain_text("1.50")
    expect(item.locator(".state.done")).to_be_visible()
    assert li.overflow() == 0
    li.shoot("member-activity")
    credited = LedgerEntry.objects.get(activity_id=activity["id"], person=cast.person["li"])
    assert (credited.kind, credited.hours) == ("activity_hours", Decimal("1.50"))


def test_the_party_group_leader_records_the_monthly_analysis_with_no_network_and_it_arrives_once(
    served_app, served_cast, screen
):
    cast = served_cast
    zhao = member_phone(screen, served_app, cast["zhao"])
    page = zhao.page
    page.click("#tab-visits")
    form = page.locator("#meeting form")
    expect(form.locator("input[name=attendee]")).not_to_have_count(0)
    zhao.context.set_offline(True)
    form.locator("input[name=topic]").fill("十二月民情研判")
    form.locator("textarea[name=issues]").fill("3号楼独居老人冬季取暖")
    form.locator("textarea[name=decisions]").fill("李明每周探望一次")
    form.locator("button[type=submit]").click()
    expect(page.locator("#meeting-note")).to_contain_text("保存在手机上")
    expect(page.locator("#pending-count")).to_have_text("1")
    assert zhao.overflow() == 0
    zhao.shoot("member-meeting-kept")
    zhao.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#pending-count")).to_be_hidden(timeout=30_000)
    meeting = PartyMeeting.objects.get(area=cast.grid, topic="十二月民情研判")
    assert (meeting.kind, meeting.recorded_by, meeting.decisions) == ("analysis", cast["zhao"], "李明每周探望一次")
    assert cast.person["zhao"] in meeting.attendees.all()
