"""Fixtures of the working calendar's tests."""

import datetime as dt

import pytest

from workcalendar.calendar import working_calendar


@pytest.fixture(autouse=True)
def _recheck_calendar():
    """A test's edits are rolled back with its transaction: the process's copy of the calendar is
    checked against the database again at the next use, so no test sees another's days."""
    yield
    working_calendar.check_soon()


class Today:
    """Stands in for django.utils.timezone in the notice's template tag: `localdate()` is what the
    test set (time-machine is not among the project's dependencies)."""

    def __init__(self, date):
        self.date = date

    def localdate(self):
        return self.date


@pytest.fixture
def today(monkeypatch):
    """today.date = <date> sets the day the missing-arrangement notice sees."""
    frozen = Today(dt.date(2026, 12, 6))
    monkeypatch.setattr("workcalendar.templatetags.workcalendar.timezone", frozen)
    return frozen
