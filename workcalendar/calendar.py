"""The working calendar as each process keeps it in memory, for deadlines (govgrid.lib.worktime),
the API and the notice of a missing arrangement.

Which days are off, for a date in year Y:

| Y's arrangement | a day entered for it | any other day |
|---|---|---|
| entered | its kind (day off or make-up working day) | Monday to Friday work |
| not entered (or no row for Y) | its kind | the statutory holidays (workcalendar.rules) off, Monday to Friday work |

So a year without its arrangement still has its holidays, and an administrator's days count at once;
ticking "arrangement entered" drops the computed days, which the published arrangement replaces.

Why a copy per process, checked against a version row: a deadline walks day by day (intake makes
one per report, bench/intake.py; the sweep one per category and level), so a query per day or per
deadline would cost intake a round trip each time. Each process reads the whole calendar once (about
a thousand rows) and answers from memory. An edit must still reach every gunicorn worker: a trigger
gives the one row of workcalendar_version a new number (from a sequence, so never one a rolled-back
change had) in the same transaction as every change to the calendar's tables (from the admin, the
shell, SQL or a migration alike), and a process computing deadlines reads that number at most every
CALENDAR_CHECK_SECONDS (default 10): one primary-key read, and a full re-read only when the number
moved. The process that made an edit drops its copy
at once (the model signals), and the API and the notices check the number on every request, so they
never answer from a stale copy. LISTEN/NOTIFY would need a listening connection per worker, and a
cache server is not part of the stack (one store, design.md).
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from time import monotonic

from django.conf import settings
from django.db import connection
from django.db.models.signals import post_delete, post_save

from .models import FIRST_YEAR, LAST_YEAR, Day, Kind, Source, Year
from .rules import statutory_holidays


@dataclass(frozen=True)
class CalendarDay:
    date: dt.date
    kind: str
    name: str
    source: str


@lru_cache(maxsize=128)
def computed_days(year):
    """{date: CalendarDay} of the statutory holidays by the rules (none outside the years served)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return {}
    return {d: CalendarDay(d, Kind.OFF, name, Source.RULES) for d, name in statutory_holidays(year).items()}


@dataclass
class Snapshot:
    """The calendar at one version: what was entered, and each year's days as they count."""

    version: int
    entered: frozenset
    stored: dict  # {year: {date: CalendarDay}} as entered in the database
    _years: dict = field(default_factory=dict)

    def days_of(self, year):
        """{date: CalendarDay} of the year's days off and make-up working days, by the table above."""
        days = self._years.get(year)
        if days is None:
            days = dict(self.stored.get(year, {}))
            if year not in self.entered:
                days = computed_days(year) | days  # an entered day wins over a computed one
            self._years[year] = days = dict(sorted(days.items()))
        return days

    def is_workday(self, day):
        entry = self.days_of(day.year).get(day)
        if entry is not None:
            return entry.kind == Kind.WORK
        return day.weekday() < 5


class WorkingCalendar:
    def __init__(self):
        self._snapshot = None
        self._next_check = 0.0

    def current(self, fresh=False):
        """The calendar, re-read when its version moved; the version is checked at most every
        CALENDAR_CHECK_SECONDS unless `fresh`."""
        now = monotonic()
        if self._snapshot is None or fresh or now >= self._next_check:
            version = _read_version()  # before the rows: an edit in between only causes one more read
            if self._snapshot is None or version != self._snapshot.version:
                self._snapshot = _load(version)
            self._next_check = now + settings.CALENDAR_CHECK_SECONDS
        return self._snapshot

    def is_workday(self, day):
        return self.current().is_workday(day)

    def check_soon(self, **kwargs):
        """Read the version at the next use (after a change made in this process)."""
        self._next_check = 0.0


working_calendar = WorkingCalendar()


def _read_version():
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(number), 0) FROM workcalendar_version")
        return cursor.fetchone()[0]


def _load(version):
    stored = {}
    for date, kind, name, source in Day.objects.values_list("date", "kind", "name", "source"):
        stored.setdefault(date.year, {})[date] = CalendarDay(date, kind, name, source)
    entered = frozenset(Year.objects.filter(arrangement_entered=True).values_list("year", flat=True))
    return Snapshot(version, entered, stored)


def connect_signals():
    for model in (Year, Day):
        post_save.connect(working_calendar.check_soon, sender=model, dispatch_uid=f"calendar-save-{model.__name__}")
        post_delete.connect(working_calendar.check_soon, sender=model, dispatch_uid=f"calendar-del-{model.__name__}")


def years_missing_arrangement(today):
    """The years whose arrangement should be entered by `today` and is not: this year, and next year
    from CALENDAR_NOTICE_DAYS before it begins (the State Council publishes it in late October or
    November: 2025's on 12 November 2024, 2026's on 4 November 2025)."""
    years = [today.year]
    if (dt.date(today.year + 1, 1, 1) - today).days <= settings.CALENDAR_NOTICE_DAYS:
        years.append(today.year + 1)
    entered = working_calendar.current(fresh=True).entered
    return [y for y in years if y not in entered and FIRST_YEAR <= y <= LAST_YEAR]
