"""The notice that a year's arrangement is missing: for this year, and for next year from
CALENDAR_NOTICE_DAYS (60) before it begins; on the dashboard and on the admin."""

import datetime as dt
import re

import pytest

from workcalendar.calendar import years_missing_arrangement
from workcalendar.models import Year

pytestmark = pytest.mark.django_db
NOTICE = re.compile(r'class="[^"]*calendar-notice[^"]*"[^>]*data-year="(\d{4})"')


def notices(response):
    assert response.status_code == 200
    return [int(y) for y in NOTICE.findall(response.content.decode())]


@pytest.mark.parametrize(
    ("today", "missing"),
    [
        (dt.date(2026, 6, 1), []),
        (dt.date(2026, 11, 1), []),  # 61 days before 2027
        (dt.date(2026, 11, 2), [2027]),  # 60 days before
        (dt.date(2027, 3, 1), [2027]),
        (dt.date(2027, 12, 1), [2027, 2028]),
    ],
)
def test_this_year_and_next_year_within_sixty_days_are_asked_for(today, missing):
    assert years_missing_arrangement(today) == missing


def test_leila_the_leader_sees_on_the_dashboard_that_2027_is_missing(staffed_city, today):
    response = staffed_city.client("leader").get("/")
    assert notices(response) == [2027]
    page = response.content.decode()
    assert "2027年国务院节假日安排尚未录入" in page
    assert "/admin/workcalendar/" not in page  # she may not edit it: no link


def test_the_notice_speaks_english_on_request(staffed_city, today):
    client = staffed_city.client("leader")
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The State Council's holiday arrangement for 2027 has not been entered" in page


def test_no_notice_once_2027_is_entered_or_far_from_its_start(staffed_city, today):
    today.date = dt.date(2026, 6, 1)
    assert notices(staffed_city.client("leader").get("/")) == []
    today.date = dt.date(2026, 12, 6)
    Year.objects.create(year=2027, arrangement_entered=True)
    assert notices(staffed_city.client("leader").get("/")) == []


ADMIN_PAGES = [
    "/admin/",
    "/admin/workcalendar/year/",
    "/admin/workcalendar/year/2026/change/",
    "/admin/workcalendar/day/",
]


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_the_administrator_sees_the_notice_with_a_link_on_the_admin(staffed_city, today, page):
    response = staffed_city.client("admin").get(page)
    assert notices(response) == [2027]
    assert 'href="/admin/workcalendar/year/add/?year=2027"' in response.content.decode()


def test_the_link_opens_the_years_page_once_it_has_one(staffed_city, today):
    Year.objects.create(year=2027)
    assert 'href="/admin/workcalendar/year/2027/change/"' in staffed_city.client("admin").get("/").content.decode()
