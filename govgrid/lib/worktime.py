"""Deadlines in working time: working hours on working days, with China's public holidays and the
make-up working days (调休) that move weekends, from the maintained `chinese-calendar` package.

A working day runs from WORKDAY_START for WORKDAY_HOURS (settings; 09:00 for 8 hours by default).
For a year the package has no data for yet, Monday to Friday are working days and the fallback is
logged once, so the gap is visible rather than silent.
"""

import datetime as dt
import logging
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings

log = logging.getLogger(__name__)
_MAX_DAYS = 3660  # bound the walk: ten years of days


@lru_cache(maxsize=4096)
def is_workday(day):
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        _warn_once(day.year)
        return day.weekday() < 5


@lru_cache(maxsize=64)
def _warn_once(year):
    log.warning("no holiday data for %s: counting Monday to Friday as working days", year)


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
