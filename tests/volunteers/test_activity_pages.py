"""The organiser's pages in Chromium: the code page held up on a phone to a crowd and shown on a
desktop projector (its digits are the server's code of the moment, its QR code holds them, and it
moves on by itself when the code changes), and the staff's list where a member without a phone is
recorded present by hand."""

import io
import re

import pytest
import segno
from django.test import Client
from playwright.sync_api import expect

from tests.conftest import SERVED_ACTIVITY_CODE_SECONDS
from volunteers import activities, attendance_codes
from volunteers.models import Attendance, LedgerEntry

from .activity_helpers import publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _the_served_apps_code_step(settings):
    """The codes this process computes change as often as the served app's (tests/conftest.py)."""
    settings.ACTIVITY_CODE_SECONDS = SERVED_ACTIVITY_CODE_SECONDS


@pytest.fixture(scope="module")
def served_activity(django_db_setup, django_db_blocker):
    """The cast in a committed city (the served app sees it); sun logs in with the demo's password.
    An activity under way for ten minutes, with 李明 signed up."""
    from datetime import timedelta

    from tests.conftest import committed_city
    from tests.incidents.conftest import demo_password_hash

    from .conftest import add_cast

    def people(city):
        city.cast = add_cast(city)
        city.cast["sun"].password = demo_password_hash()
        city.cast["sun"].save(update_fields=["password"])
        city.activity = publish(city.cast, starts_in=-timedelta(minutes=10), title="清理楼道小广告", capacity=10)
        activities.sign_up(city.cast["li"], city.activity.pk)

    with committed_city(django_db_blocker, people, code="990073", origin=(114.0, 32.9)) as city:
        yield city


def codes_now(activity):
    """The codes a page may show at this moment: the current step's, or the one before (a page
    asked a moment ago)."""
    from django.utils import timezone

    step = attendance_codes.step_at(timezone.now())
    return {attendance_codes.code_for(activity.secret, s) for s in (step, step - 1)}


def on_the_code_page(screen, served_app, city, name, **options):
    shown = screen(name, **options)
    path = f"/volunteers/activities/{city.activity.pk}/code/"
    shown.log_in(served_app, city.cast["sun"].username, path)
    expect(shown.page.locator("#code-page")).to_have_attribute("data-state", "open")
    return shown


def qr_loaded(page):
    return page.evaluate("() => { const q = document.getElementById('qr'); return q.complete && q.naturalWidth > 0; }")


def test_the_organiser_holds_up_the_code_on_a_phone(served_app, served_activity, screen):
    city = served_activity
    phone = on_the_code_page(screen, served_app, city, "phone")
    page = phone.page
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    code = page.locator("#code").get_attribute("data-code")
    assert code in codes_now(city.activity)
    assert page.locator("#code").inner_text().replace(" ", "").replace("\n", "") == code
    page.wait_for_function(
        "() => { const q = document.getElementById('qr'); return q.complete && q.naturalWidth > 0; }"
    )
    # The QR code the page shows holds the digits it shows.
    step = int(page.locator("#qr").get_attribute("data-step"))
    svg = page.request.get(f"{served_app}/volunteers/activities/{city.activity.pk}/code/{step}.svg")
    expected = io.BytesIO()
    segno.make(code, error="q", boost_error=False, micro=False).save(
        expected, kind="svg", scale=10, border=4, omitsize=True, xmldecl=False, dark="#000", light="#fff"
    )
    assert svg.ok and svg.body() == expected.getvalue()
    # Held up to a crowd: the digits and the code fill the width, nothing sideways, all from the app.
    digits, qr = page.locator("#code").bounding_box(), page.locator("#qr").bounding_box()
    width = page.viewport_size["width"]
    assert digits["width"] > width * 0.6 and qr["width"] > width * 0.5 and qr["y"] > digits["y"]
    assert phone.overflow() == 0 and not phone.blocked and not phone.console_errors
    phone.shoot("activity-code")


def test_on_a_projector_the_code_sits_beside_its_qr_and_moves_on_by_itself(served_app, served_activity, screen):
    city = served_activity
    desk = on_the_code_page(screen, served_app, city, "desktop", locale="en-US")
    page = desk.page
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("#code-label")).to_have_text("Attendance code")
    digits, qr = page.locator("#code").bounding_box(), page.locator("#qr").bounding_box()
    assert qr["x"] >= digits["x"] + digits["width"] and qr["height"] > page.viewport_size["height"] * 0.3
    first = page.locator("#code").get_attribute("data-code")
    first_step = page.locator("#qr").get_attribute("data-step")
    left = int(page.locator("#code-seconds").inner_text())
    assert 0 <= left <= attendance_codes.step_seconds()
    # When the step ends the page asks again: a new code, its own QR code, the count starting over.
    page.wait_for_function(
        "(step) => document.getElementById('qr').dataset.step !== step", arg=first_step, timeout=(left + 10) * 1000
    )
    second = page.locator("#code").get_attribute("data-code")
    assert second != first and second in codes_now(city.activity)
    page.wait_for_function(
        "() => { const q = document.getElementById('qr'); return q.complete && q.naturalWidth > 0; }"
    )
    assert int(page.locator("#code-seconds").inner_text()) > attendance_codes.step_seconds() - 10
    # With no network it says so and keeps trying.
    desk.context.set_offline(True)
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    expect(page.locator("#code-offline")).to_be_visible()
    desk.context.set_offline(False)
    expect(page.locator("#code-offline")).to_be_hidden(timeout=10_000)
    assert desk.overflow() == 0 and not desk.blocked
    desk.shoot("activity-code")


@pytest.mark.parametrize("name", ["phone", "desktop"])
def test_staff_see_who_signed_up_and_record_a_member_present_by_hand(served_app, served_activity, screen, name,
                                                                      django_db_blocker):  # fmt: skip
    city = served_activity
    shown = screen(name)
    shown.log_in(served_app, city.cast["sun"].username, f"/volunteers/activities/?within={city.cast.community.code}")
    page = shown.page
    item = page.locator(f'#activity-list li[data-id="{city.activity.pk}"]')
    expect(item.locator("h2")).to_contain_text("清理楼道小广告")
    expect(item.locator(".code-link")).to_have_attribute("href", re.compile(f"/{city.activity.pk}/code/$"))
    assert shown.overflow() == 0
    shown.shoot("activity-list")
    li = city.cast.person["li"]
    absent = item.locator(f'ul.absent li[data-person="{li.pk}"]')
    if absent.count():  # the first screen records him; the second finds him recorded
        with page.expect_navigation():
            absent.locator("button").click()
        expect(page.locator(".message")).to_be_visible()
    expect(item.locator(f'ul.attendances li[data-person="{li.pk}"]')).to_contain_text("李明")
    with django_db_blocker.unblock():
        attendance = Attendance.objects.get(activity=city.activity, person=li)
        assert attendance.recorded_by == city.cast["sun"]
        assert LedgerEntry.objects.filter(activity=city.activity, person=li).count() == 1


def test_only_the_organisers_open_the_code_page(served_activity):
    city = served_activity
    member = Client()
    member.force_login(city.cast["li"])
    assert member.get(f"/volunteers/activities/{city.activity.pk}/code/").status_code == 404
    staff = Client()
    staff.force_login(city.cast["sun"])
    answer = staff.get(f"/volunteers/activities/{city.activity.pk}/code/")
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
