"""Deadlines read the working calendar in the database: the package's years as seeded, the computed
holidays of 2027 (no arrangement entered), and an administrator's edit, at once in the process that
made it and within CALENDAR_CHECK_SECONDS in every other."""

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.db import connection

from govgrid.lib.worktime import add_working_hours, is_workday
from workcalendar.calendar import WorkingCalendar, working_calendar
from workcalendar.models import Day, Kind, Source, Year
from workcalendar.seeding import seed_from_package

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def test_the_seeded_years_say_what_the_package_says_about_every_day():
    day = dt.date(2004, 1, 1)
    while day.year <= 2026:
        assert is_workday(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)
    assert set(Year.objects.filter(arrangement_entered=True).values_list("year", flat=True)) == set(range(2004, 2027))


def test_a_deadline_across_new_year_2027_skips_new_years_day_and_the_weekend():
    # Thursday 31 December 2026, 16:00: one hour, then Friday 1 January (元旦) and the weekend off.
    assert add_working_hours(at(2026, 12, 31, 16), 3) == at(2027, 1, 4, 11).astimezone(dt.UTC)


def test_a_deadline_across_the_2027_spring_festival_skips_its_eve_to_the_third_day():
    # Thursday 4 February 2027, 16:00: one hour, then 除夕 (Friday 5th) to 初三 (Monday 8th) off.
    assert not any(is_workday(dt.date(2027, 2, d)) for d in (5, 6, 7, 8))
    assert add_working_hours(at(2027, 2, 4, 16), 3) == at(2027, 2, 9, 11).astimezone(dt.UTC)


def test_a_computed_year_has_no_make_up_working_days():
    assert not is_workday(dt.date(2027, 2, 20)) and not is_workday(dt.date(2027, 10, 9))  # Saturdays


def test_a_day_off_an_administrator_enters_moves_a_deadline_at_once(staffed_city):
    before = add_working_hours(at(2026, 12, 31, 16), 3)
    Year.objects.create(year=2027)
    response = staffed_city.client("admin").post(
        "/admin/workcalendar/day/add/", {"year": 2027, "date": "2027-01-04", "kind": "off", "name": "元旦"}
    )
    assert response.status_code == 302, response.content.decode()
    assert Day.objects.get(date=dt.date(2027, 1, 4)).source == Source.ADMIN
    assert (before, add_working_hours(at(2026, 12, 31, 16), 3)) == (
        at(2027, 1, 4, 11).astimezone(dt.UTC),
        at(2027, 1, 5, 11).astimezone(dt.UTC),
    )


def test_a_make_up_working_day_entered_in_the_year_page_counts_and_the_computed_days_stay(staffed_city):
    response = staffed_city.client("admin").post(
        "/admin/workcalendar/year/add/",
        {
            "year": 2027,
            "note": "",
            "days-TOTAL_FORMS": 1,
            "days-INITIAL_FORMS": 0,
            "days-0-date": "2027-01-03",
            "days-0-kind": "work",
            "days-0-name": "元旦",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert is_workday(dt.date(2027, 1, 3)) and not is_workday(dt.date(2027, 1, 1))
    assert add_working_hours(at(2026, 12, 31, 16), 3) == at(2027, 1, 3, 11).astimezone(dt.UTC)


def test_once_the_arrangement_is_entered_only_the_days_entered_count():
    year = Year.objects.create(year=2027)
    Day.objects.create(year=year, date=dt.date(2027, 2, 9), kind=Kind.OFF, name="春节")
    assert not is_workday(dt.date(2027, 2, 5)) and not is_workday(dt.date(2027, 2, 9))
    year.arrangement_entered = True
    year.save()
    assert is_workday(dt.date(2027, 2, 5)) and not is_workday(dt.date(2027, 2, 9))


def test_a_make_up_working_day_on_a_weekday_is_refused(staffed_city):
    Year.objects.create(year=2027)
    response = staffed_city.client("admin").post(
        "/admin/workcalendar/day/add/", {"year": 2027, "date": "2027-01-05", "kind": "work", "name": "元旦"}
    )
    assert response.status_code == 200 and not Day.objects.filter(date=dt.date(2027, 1, 5)).exists()


def test_another_process_sees_an_edit_at_its_next_check_and_asks_nothing_in_between(
    settings, monkeypatch, django_assert_num_queries
):
    other = WorkingCalendar()  # another gunicorn worker's copy
    settings.CALENDAR_CHECK_SECONDS = 10
    monkeypatch.setattr("workcalendar.calendar.monotonic", lambda: 1000.0)
    assert not other.is_workday(dt.date(2027, 1, 1))
    with connection.cursor() as cursor:  # plain SQL: no signal reaches either copy
        cursor.execute(
            "INSERT INTO workcalendar_year (year, arrangement_entered, note, changed_at) VALUES (2027, true, '', now())"
        )
    monkeypatch.setattr("workcalendar.calendar.monotonic", lambda: 1009.0)
    with django_assert_num_queries(0):
        assert not other.is_workday(dt.date(2027, 1, 1)) and other.is_workday(dt.date(2027, 1, 4))
    monkeypatch.setattr("workcalendar.calendar.monotonic", lambda: 1010.0)
    assert other.is_workday(dt.date(2027, 1, 1))  # entered with no days: Friday 1 January is worked


def test_seeding_again_adds_nothing_and_keeps_what_an_administrator_changed():
    Day.objects.filter(date=dt.date(2026, 10, 7)).delete()
    assert seed_from_package() == []
    assert not Day.objects.filter(date=dt.date(2026, 10, 7)).exists()
    Year.objects.filter(year=2026).delete()
    assert seed_from_package() == [2026]
    assert Day.objects.get(date=dt.date(2026, 10, 7)).source == Source.PACKAGE
    assert working_calendar.current(fresh=True).days_of(2026)[dt.date(2026, 10, 10)].kind == Kind.WORK


def test_an_administrator_starts_2027_from_the_computed_days_then_marks_it_entered(staffed_city):
    Year.objects.create(year=2027)
    admin_client = staffed_city.client("admin")
    changelist = "/admin/workcalendar/year/"
    response = admin_client.post(changelist, {"action": "fill_in_by_rules", "_selected_action": [2027]})
    assert response.status_code == 302
    assert Day.objects.filter(year=2027, source=Source.RULES).count() == 13
    Day.objects.filter(date=dt.date(2027, 9, 15)).delete()  # say 中秋 moved in the published arrangement
    response = admin_client.post(changelist, {"action": "mark_entered", "_selected_action": [2027]})
    assert response.status_code == 302 and Year.objects.get(year=2027).arrangement_entered
    assert is_workday(dt.date(2027, 9, 15)) and not is_workday(dt.date(2027, 2, 5))


def test_a_year_outside_the_calendars_range_is_refused_in_the_admin(staffed_city):
    response = staffed_city.client("admin").post(
        "/admin/workcalendar/year/add/", {"year": 2100, "note": "", "days-TOTAL_FORMS": 0, "days-INITIAL_FORMS": 0}
    )
    assert response.status_code == 200 and not Year.objects.filter(year=2100).exists()
