"""The calendar seeded from the chinese-calendar package: every year the package covers that the
database does not have yet, with the package's days off and make-up working days, marked entered.

Run after every `migrate` (post_migrate), so upgrading the package and migrating adds the years it
newly covers. A year already in the database is left alone: an administrator may have entered or
corrected it, and what they entered wins over the package.
"""

from importlib.metadata import version

from chinese_calendar import constants
from django.db import connections, transaction

from .models import Day, Kind, Source, Year

CHINESE_NAMES = {holiday.value: holiday.chinese for holiday in constants.Holiday}


def package_days():
    """{year: [(date, kind, name)]} of every day the package lists."""
    years = {}
    for days, kind in ((constants.holidays, Kind.OFF), (constants.workdays, Kind.WORK)):
        for date, holiday in days.items():
            years.setdefault(date.year, []).append((date, kind, CHINESE_NAMES.get(holiday, holiday)))
    return years


def seed_from_package(using="default"):
    """Add the package's years missing from the database; returns the years added."""
    by_year = package_days()
    with transaction.atomic(using=using):
        known = set(Year.objects.using(using).values_list("year", flat=True))
        new_years = sorted(set(by_year) - known)
        note = f"chinese-calendar {version('chinese-calendar')}"
        Year.objects.using(using).bulk_create(
            [Year(year=y, arrangement_entered=True, note=note) for y in new_years], ignore_conflicts=True
        )
        Day.objects.using(using).bulk_create(
            [
                Day(year_id=y, date=date, kind=kind, name=name, source=Source.PACKAGE)
                for y in new_years
                for date, kind, name in by_year[y]
            ],
            ignore_conflicts=True,
        )
    return new_years


def seed_after_migrate(using="default", **kwargs):
    # Migrating backwards or part-way can leave the tables absent.
    if {"workcalendar_year", "workcalendar_day"} <= set(connections[using].introspection.table_names()):
        seed_from_package(using)
