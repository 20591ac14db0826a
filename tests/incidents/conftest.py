"""Fixtures of the incidents tests: a controlled clock for the workflow and intake."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone as django_timezone

from incidents.intake import Report, report_incident
from incidents.models import Incident
from incidents.workflow import act
from tests.conftest import worker_grid

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
    monkeypatch.setattr("incidents.intake.timezone", frozen)
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


def user(name):
    return get_user_model().objects.get(username=name)


def new_incident(description="井盖缺失"):
    """A case grid_worker reports in its grid through the intake (in the test's transaction); its code."""
    point = worker_grid().geom.point_on_surface
    report = Report(client_id=uuid.uuid4(), category="0301", description=description, lon=point.x, lat=point.y)
    return report_incident(user("grid_worker"), report)[0].code


def step(code, username, action, **fields):
    """`username` takes `action` on the case at its current version."""
    return act(user(username), code, action, Incident.objects.get(code=code).version, **fields)
