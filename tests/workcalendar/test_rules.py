"""The statutory holidays computed by the national rules in force (from 2025), for a year whose
arrangement is not entered, checked against the State Council's real arrangements for 2025 and 2026
as the chinese-calendar package has them."""

import datetime as dt

import chinese_calendar
import pytest

from workcalendar.rules import statutory_holidays
from workcalendar.seeding import CHINESE_NAMES


def test_2027_has_new_year_the_spring_festival_from_its_eve_and_the_other_statutory_days():
    days = statutory_holidays(2027)
    assert days[dt.date(2027, 1, 1)] == "元旦"
    assert [d for d, name in days.items() if name == "春节"] == [dt.date(2027, 2, d) for d in (5, 6, 7, 8)]
    assert {d: name for d, name in days.items() if name != "春节"} == {
        dt.date(2027, 1, 1): "元旦",
        dt.date(2027, 4, 5): "清明",
        dt.date(2027, 5, 1): "劳动节",
        dt.date(2027, 5, 2): "劳动节",
        dt.date(2027, 6, 9): "端午",
        dt.date(2027, 9, 15): "中秋",
        dt.date(2027, 10, 1): "国庆节",
        dt.date(2027, 10, 2): "国庆节",
        dt.date(2027, 10, 3): "国庆节",
    }
    assert len(days) == 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_computed_holiday_is_a_holiday_of_the_published_arrangement(year):
    for date, name in statutory_holidays(year).items():
        on_holiday, holiday = chinese_calendar.get_holiday_detail(date)
        assert on_holiday, date
        assert CHINESE_NAMES[holiday] == name, date


@pytest.mark.parametrize("year", [2025, 2026])
def test_each_published_holiday_has_its_main_days_computed(year):
    published = {CHINESE_NAMES[h] for d, h in chinese_calendar.constants.holidays.items() if d.year == year}
    assert published == set(statutory_holidays(year).values())


def test_the_2026_spring_festival_eve_and_qingming_are_those_of_the_arrangement():
    days = statutory_holidays(2026)
    assert [d for d, name in days.items() if name == "春节"] == [dt.date(2026, 2, d) for d in (16, 17, 18, 19)]
    assert [d for d, name in days.items() if name == "清明"] == [dt.date(2026, 4, 5)]
