"""Deadlines in working time (09:00–17:00 on working days, the defaults), across weekends, public
holidays and make-up working days. The 2026 dates are the State Council's published schedule
(National Day 1–7 October with 10 October worked; the Spring Festival with 14 February worked)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from govgrid.lib.worktime import add_working_hours, deadline, is_workday

pytestmark = pytest.mark.django_db  # the calendar is in the database (workcalendar), seeded from the package
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (at(2026, 11, 23, 10), 4, at(2026, 11, 23, 14)),  # within a Monday
        (at(2026, 11, 23, 7), 2, at(2026, 11, 23, 11)),  # reported before opening time
        (at(2026, 11, 27, 15), 4, at(2026, 11, 30, 11)),  # Friday afternoon, over the weekend
        (at(2026, 9, 30, 16), 8, at(2026, 10, 8, 16)),  # one hour, then the National Day week off
        (at(2026, 10, 9, 15), 4, at(2026, 10, 10, 11)),  # Saturday 10 October is a make-up working day
        (at(2026, 2, 13, 16), 3, at(2026, 2, 14, 11)),  # so is Saturday 14 February, before the festival
        (at(2026, 11, 23, 10), 24, at(2026, 11, 26, 10)),  # three working days of 8 hours
    ],
)
def test_working_hours_skip_nights_weekends_and_holidays_and_count_make_up_days(start, hours, due):
    assert add_working_hours(start, hours) == due.astimezone(dt.UTC)


def test_the_holiday_calendar_knows_the_2026_national_day_week():
    assert not is_workday(dt.date(2026, 10, 1)) and not is_workday(dt.date(2026, 10, 7))
    assert is_workday(dt.date(2026, 10, 8)) and is_workday(dt.date(2026, 10, 10))


def test_a_year_without_an_arrangement_counts_monday_to_friday_besides_its_statutory_holidays():
    assert is_workday(dt.date(2027, 6, 4)) and not is_workday(dt.date(2027, 6, 5))
    assert add_working_hours(at(2027, 6, 4, 16), 2) == at(2027, 6, 7, 10).astimezone(dt.UTC)


def test_urgent_categories_count_calendar_hours():
    assert deadline(at(2026, 9, 30, 16), 8, calendar_time=True) == at(2026, 10, 1, 0)
