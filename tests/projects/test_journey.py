"""The register walked through in Chromium, served by gunicorn: 王芳, a community secretary,
registers a project with two milestones on a desktop and reports progress with a photo from her
phone; 赵强, the street's reviewer, returns it with a reason; it is reported again and verified; 赵强
reports the second milestone himself and is refused when he verifies it, 钱进 verifies it and closes
the project off. Then the register shows it closed off, in English too, on a phone and a desktop."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from projects.models import Milestone, Project, ProjectEvent
from tests.incidents.test_photo_metadata import camera_jpeg

from .conftest import register, served_cast

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def journey_cast(django_db_blocker):
    """The cast, and beside the journey's project another of community A whose first milestone was
    due two weeks ago (`late`)."""

    def add(cast):
        cast.late = register(cast, title="网格议事厅建设")

    with served_cast(django_db_blocker, "990084", (114.8, 33.7), add) as cast:
        yield cast


def logged_in(screen, served_app, cast, name, path, kind="desktop", **options):
    shown = screen(kind, **options)
    shown.log_in(served_app, cast[name].username, path)
    return shown


def milestone(page, position):
    return page.locator(f"#milestones li.milestone:nth-child({position})")


def fits_and_stays_home(shown):
    assert shown.overflow() == 0, shown.name
    assert not shown.blocked and not shown.console_errors, (shown.blocked, shown.console_errors)


def register_on_a_desktop(screen, served_app, cast):
    today = timezone.localdate()
    desk = logged_in(screen, served_app, cast, "wang", "/projects/new/")
    page = desk.page
    page.select_option("select[name=area]", cast.a.code)
    page.select_option("select[name=kind]", "party_building")
    page.fill("input[name=title]", "红色物业")
    page.fill("textarea[name=goal]", "党建引领物业服务，解决小区停车难")
    page.select_option("select[name=owner]", str(cast.person["wang"].pk))
    page.fill("input[name=budget]", "50000")
    page.fill("input[name=starts_on]", str(today - timedelta(days=10)))
    page.fill("input[name=ends_on]", str(today + timedelta(days=120)))
    for row, (title, days) in enumerate([("成立红色物业联盟", 20), ("完成楼道改造", 80)]):
        page.fill(f"input[name=m{row}_title]", title)
        page.fill(f"input[name=m{row}_due]", str(today + timedelta(days=days)))
        page.fill(f"input[name=m{row}_evidence]", "会议照片与签到表")
    fits_and_stays_home(desk)
    desk.shoot("project-new")
    with page.expect_navigation():
        page.click("#register")
    expect(page.locator("#project-status")).to_have_text("进行中")
    expect(page.locator("#milestones li.milestone")).to_have_count(2)
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def report_from_the_phone(phone, text):
    page = phone.page
    form = milestone(page, 1).locator("form.report-form")
    form.locator("textarea[name=text]").fill(text)
    form.locator("input[name=files]").set_input_files(
        [{"name": "meeting.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg()}]
    )
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(milestone(page, 1)).to_have_attribute("data-status", "reported")


def test_a_project_from_registration_to_closing_off(served_app, journey_cast, screen, django_db_blocker):
    cast = journey_cast
    pk = register_on_a_desktop(screen, served_app, cast)
    path = f"/projects/{pk}/"

    phone = logged_in(screen, served_app, cast, "wang", path, kind="phone")
    report_from_the_phone(phone, "已召开成立大会，照片附后")
    photo = milestone(phone.page, 1).locator(".files img")
    expect(photo).to_have_count(1)
    phone.page.wait_for_function("(i) => i.complete && i.naturalWidth > 0", arg=photo.element_handle())
    fits_and_stays_home(phone)
    phone.shoot("project-reported")

    zhao = logged_in(screen, served_app, cast, "zhao", path)
    first = milestone(zhao.page, 1)
    first.locator("form.return-form input[name=reason]").fill("照片中看不到签到表")
    with zhao.page.expect_navigation():
        first.locator("form.return-form button").click()
    expect(milestone(zhao.page, 1)).to_have_attribute("data-status", "returned")
    expect(milestone(zhao.page, 1).locator(".decision.returned")).to_contain_text("照片中看不到签到表")

    phone.page.reload()
    report_from_the_phone(phone, "补充签到表照片")

    zhao.page.reload()
    with zhao.page.expect_navigation():
        milestone(zhao.page, 1).locator("form.verify-form button").click()
    expect(milestone(zhao.page, 1)).to_have_attribute("data-status", "closed_off")

    # 赵强 reports the second milestone himself: he may not verify his own evidence.
    second = milestone(zhao.page, 2)
    second.locator("textarea[name=text]").fill("楼道改造完成，验收单附后")
    with zhao.page.expect_navigation():
        second.locator("form.report-form button").click()
    with zhao.page.expect_navigation():
        milestone(zhao.page, 2).locator("form.verify-form button").click()
    expect(zhao.page.locator(".message.error")).to_contain_text("另一位")
    expect(milestone(zhao.page, 2)).to_have_attribute("data-status", "reported")
    fits_and_stays_home(zhao)

    qian = logged_in(screen, served_app, cast, "qian", path, kind="phone")
    with qian.page.expect_navigation():
        milestone(qian.page, 2).locator("form.verify-form button").click()
    expect(milestone(qian.page, 2)).to_have_attribute("data-status", "closed_off")
    with qian.page.expect_navigation():
        qian.page.click("#close-off-form button")
    expect(qian.page.locator("#project-status")).to_have_text("已销号")
    expect(qian.page.locator("#history li")).to_have_count(10)
    fits_and_stays_home(qian)
    qian.shoot("project-closed-off")

    with django_db_blocker.unblock():
        project = Project.objects.get(pk=pk)
        assert project.status == Project.Status.CLOSED_OFF and project.owner == cast.person["wang"]
        assert set(project.milestones.values_list("status", flat=True)) == {Milestone.Status.CLOSED_OFF}
        actions = list(ProjectEvent.objects.filter(project=project).values_list("action", flat=True))
        assert actions == [
            "registered", "milestone_added", "milestone_added", "reported", "returned", "reported",
            "verified", "reported", "verified", "closed_off",
        ]  # fmt: skip


def test_the_register_shows_the_figures_and_the_projects_in_english_on_a_phone(served_app, journey_cast, screen):
    cast, late = journey_cast, journey_cast.late
    for kind in ("phone", "phone414", "desktop"):
        shown = logged_in(screen, served_app, cast, "zhao", "/projects/", kind=kind, locale="en-US")
        page = shown.page
        assert page.locator("html").get_attribute("lang") == "en"
        expect(page.locator("h1")).to_have_text("Project register")
        row = page.locator(f"#project-figures tr[data-code='{cast.a.code}']")
        expect(row.locator("td[data-figure=milestones_overdue]")).to_have_text("1")
        expect(page.locator(f"#project-list li[data-id='{late.pk}'] .flag.overdue")).to_have_text("1 milestone overdue")
        fits_and_stays_home(shown)
        shown.shoot("project-register")


def test_the_new_project_form_fits_a_phone(served_app, journey_cast, screen):
    phone = logged_in(screen, served_app, journey_cast, "wang", "/projects/new/", kind="phone")
    expect(phone.page.locator("#project-form .milestone-row")).to_have_count(4)
    fits_and_stays_home(phone)
    phone.shoot("project-new")
