"""Fixtures of the incidents tests: a controlled clock for the workflow and intake."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone as django_timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(year, month, day, hour, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


class Clock:
    """Stands in for django.utils.timezone in the modules that stamp a case's times (intake and the
    workflow): `now()` is what the test set, everything else is Django's. Only those modules see it,
    so the rest (such as which assignments are in force today) runs on the real date."""

    def __init__(self, at):
        self.at = at

    def now(self):
        return self.at

    def __getattr__(self, name):
        return getattr(django_timezone, name)


@pytest.fixture
def clock(monkeypatch):
    """clock.at = <aware datetime> sets the time that reports and actions see."""
    frozen = Clock(django_timezone.now())
    monkeypatch.setattr("incidents.services.timezone", frozen)
    monkeypatch.setattr("incidents.workflow.timezone", frozen)
    return frozen


def other_connection():
    """A second connection to the test database, beside the test's own (which sits in a transaction
    that is rolled back): what it commits or locks, the test's connection and subprocesses see."""
    import psycopg2
    from django.db import connection

    settings = connection.settings_dict
    other = psycopg2.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
    )
    other.autocommit = True
    return other


@pytest.fixture
def screen(browser):
    """screen("phone" | "phone414" | "desktop") → a Screen (tests/incidents/browsing.py), closed after the test."""
    from tests.incidents.browsing import screens

    made, make = screens(browser)
    yield make
    for each in made:
        each.close()
