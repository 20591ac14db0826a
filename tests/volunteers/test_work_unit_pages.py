"""The work units' page in Chromium, served by gunicorn, with no internet: a work unit's contact sees
their own unit with this quarter's totals and downloads its report; a community's dispatcher on a
phone, in English, sees the units of their community's members; the page fits the phone."""

import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from grids.models import WorkUnit
from tests.conftest import committed_city
from tests.incidents.conftest import demo_password_hash

from .conftest import add_cast
from .making import attended, contact_of, served

pytestmark = pytest.mark.django_db

PAGE = "/volunteers/work-units/"


@pytest.fixture(scope="module")
def served_units_city(django_db_setup, django_db_blocker):
    """A committed city with the cast, the school's contact, another unit, and this quarter's
    credits: 李明 a service of 90 minutes rated 5 (1.5 + 2 points) and an activity of 2 hours."""

    def people(city):
        cast = add_cast(city)
        contact = contact_of(city, cast.school, "school_contact", "吴老师")
        for user in (contact, cast["sun"]):
            user.password = demo_password_hash()
            user.save(update_fields=["password"])
        WorkUnit.objects.create(name="方格市人民医院", district=city.district, party_org="方格市人民医院党总支")
        today = timezone.localdate()
        served(cast.person["li"], cast.community, cast.grid, today, 90, rating=5)
        attended(cast.person["li"], cast.community, today, 2)
        city.cast, city.contact = cast, contact

    with committed_city(django_db_blocker, people, code="990047", origin=(113.9, 32.9)) as city:
        yield city


def test_a_work_units_contact_sees_their_unit_and_downloads_its_report(served_app, served_units_city, screen, tmp_path):
    city = served_units_city
    desktop = screen("desktop")
    desktop.log_in(served_app, city.contact.username, PAGE)
    page = desktop.page
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    units = page.locator("#units > li")
    expect(units).to_have_count(1)
    unit = units.first
    assert unit.get_attribute("data-id") == str(city.cast.school.pk)
    expect(unit.locator("h2")).to_have_text("方格市第一中学")
    expect(unit.locator(".members")).to_have_text("3")
    expect(unit.locator(".hours")).to_have_text("3.50")
    expect(unit.locator(".points")).to_have_text("5.50")
    with page.expect_download() as downloading:
        unit.locator("a.pdf").first.click()
    path = tmp_path / "report.pdf"
    downloading.value.save_as(path)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    assert "李明" in text and "方格市第一中学党委" in text
    desktop.shoot("work_units_contact")
    assert desktop.blocked == [] and desktop.console_errors == []


def test_a_community_dispatcher_sees_their_members_units_on_a_phone_in_english(served_app, served_units_city, screen):
    city = served_units_city
    phone = screen("phone", locale="en-US")
    phone.log_in(served_app, city.cast["sun"].username, PAGE)
    page = phone.page
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("h1")).to_have_text("Work units")
    names = page.locator("#units > li h2")
    expect(names).to_have_text(["方格市第一中学"])  # not the hospital: none of its members is sun's
    expect(page.locator("#units .members")).to_have_text("2")  # 李明 and 张华, not 钱多 of the other community
    assert phone.overflow() == 0
    phone.shoot("work_units_dispatcher")
    assert phone.blocked == [] and phone.console_errors == []
