"""Deadlines in working time: working hours on working days, with China's public holidays and the
make-up working days (调休) that move weekends.

A working day runs from WORKDAY_START for WORKDAY_HOURS (settings; 09:00 for 8 hours by default).
Which days are working days is the working calendar's to say: the workcalendar app keeps it in the
database (seeded from the chinese-calendar package, edited by administrators, computed by the
statutory rules for a year not entered yet) and installs its `is_workday` here when Django starts
(`use_calendar`). This module stays a pure helper below the apps: it imports none of them, and it
asks the calendar about each day it walks, so the calendar must answer from memory (it does, see
workcalendar.calendar for how an edit reaches every process).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

_MAX_DAYS = 3660  # bound the walk: ten years of days
_calendar = None


def use_calendar(is_workday_of_day):
    """Install the calendar: a function of a date, True on a working day."""
    global _calendar
    _calendar = is_workday_of_day


def is_workday(day):
    if _calendar is None:
        raise RuntimeError("no working calendar installed: add workcalendar to INSTALLED_APPS")
    return _calendar(day)


def add_working_hours(start, hours):
    """The moment `hours` working hours after `start` (an aware datetime); returned in UTC."""
    zone = ZoneInfo(settings.TIME_ZONE)
    moment = start.astimezone(zone)
    remaining = dt.timedelta(hours=hours)
    open_at = dt.time(*divmod(int(settings.WORKDAY_START * 60), 60))
    length = dt.timedelta(hours=settings.WORKDAY_HOURS)
    for _ in range(_MAX_DAYS):
        day = moment.date()
        if is_workday(day):
            window_start = dt.datetime.combine(day, open_at, tzinfo=zone)
            window_end = window_start + length
            begin = max(moment, window_start)
            if begin < window_end:
                if remaining <= window_end - begin:
                    return (begin + remaining).astimezone(dt.UTC)
                remaining -= window_end - begin
        moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    raise ValueError(f"{hours} working hours from {start} is more than ten years away")


def deadline(start, hours, calendar_time=False):
    """A category's deadline: calendar hours for urgent categories, working hours otherwise."""
    if calendar_time:
        return start + dt.timedelta(hours=hours)
    return add_working_hours(start, hours)
