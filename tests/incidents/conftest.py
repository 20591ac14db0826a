"""Fixtures of the incidents tests: a small staffed drawn city, a controlled clock for the workflow
and intake, and helpers that report and act on cases as one of the cast."""

import datetime as dt
import uuid
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone as django_timezone

from incidents.intake import Report, report_incident
from incidents.models import Incident
from incidents.workflow import act
from tests.conftest import DEMO_PASSWORD, committed_city, draw_city, worker_grid

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


# The smallest city the cast fits in: two streets of one community of one grid each, so that
# grid_worker_2's grid lies in another street and another community than grid_worker's.
SMALL_CITY = {"streets": 2, "towns": 0, "communities": 1, "grids": (1, 1)}


@pytest.fixture
def city(db):
    """A small drawn city (SMALL_CITY) with the demo's cast of accounts (tests/conftest.py:
    DrawnCity.staff), drawn in the test's transaction."""
    return draw_city(**SMALL_CITY).staff()


# A committed city for the served app lies beside the tests' own drawn city (DRAWN_ORIGIN), not on
# it, so that a point of one is in no grid of the other.
SERVED_CITY = {**SMALL_CITY, "code": "990013", "origin": (112.70, 32.50)}
SERVED_ACCOUNTS = ("grid_worker", "community_dispatcher", "street_dispatcher")


@pytest.fixture(scope="module")
def served_city(django_db_setup, django_db_blocker):
    """A small drawn city with the cast, committed for one module (for the served app, the browser
    and other processes); grid_worker, community_dispatcher and street_dispatcher log in with the
    demo's password."""
    with committed_city(django_db_blocker, served_cast(*SERVED_ACCOUNTS), **SERVED_CITY) as city:
        yield city


@cache
def demo_password_hash():
    """The demo's password hashed once for the run (hashing costs a third of a second)."""
    return make_password(DEMO_PASSWORD)


def served_cast(*names):
    """`add_people` for committed_city: the cast, the accounts `names` with the demo's password so
    that they log in to the served app."""

    def add(city):
        city.staff()
        for name in names:
            account = city.users[name]
            account.password = demo_password_hash()
            account.save(update_fields=["password"])

    return add


def user(name, city=None):
    """One of the cast: of the drawn `city`, else the demo's account of that name."""
    return city.users[name] if city else get_user_model().objects.get(username=name)


def new_incident(description="井盖缺失", city=None, **report_fields):
    """A case grid_worker reports in its grid through the intake (in the test's transaction), in
    the drawn `city` or else in the demo; its code."""
    grid = city.grid_of("grid_worker") if city else worker_grid()
    point = grid.geom.point_on_surface
    report = Report(
        client_id=uuid.uuid4(), category="0301", description=description, lon=point.x, lat=point.y, **report_fields
    )
    return report_incident(user("grid_worker", city), report)[0].code


def step(code, username, action, city=None, **fields):
    """`username` (of the drawn `city`, else of the demo) takes `action` on the case at its current version."""
    return act(user(username, city), code, action, Incident.objects.get(code=code).version, **fields)


@pytest.fixture(scope="module")
def dispatching_city(django_db_setup, django_db_blocker):
    """A committed city (its own code and place) with the cast, 城管 competent in it with a handler,
    all logging in with the demo's password, for the served app and the browser."""
    from grids.models import Assignment, Department, Role
    from incidents.models import Category, Route, purge_incidents
    from tests.conftest import STARTED

    def people(city):
        served_cast("grid_worker", "community_dispatcher", "street_dispatcher", "street_closer", "leader")(city)
        item = Category.objects.get(code="0301")
        for code, name, handler_name, route in (
            ("t-cg-served", "城市管理局", "cg_handler", item),
            ("t-hb-served", "住房和城乡建设局", "hb_handler", item.parent),
        ):
            department = Department.objects.create(code=code, name=name, district=city.district)
            Route.objects.create(category=route, department=department)
            handler = city.person(f"{name}办理员")
            handler.user = get_user_model().objects.create_user(f"{city.code}_{handler_name}")
            handler.user.password = demo_password_hash()
            handler.user.save()
            handler.save()
            Assignment.objects.create(
                person=handler,
                role=Role.DEPARTMENT_HANDLER,
                area=city.district,
                department=department,
                starts_on=STARTED,
            )
            city.users[handler_name] = handler.user
        for name, account in city.users.items():  # everyone is told by e-mail too
            account.email = f"{name}@{city.code}.example.test"
            account.save(update_fields=["email"])

    with committed_city(django_db_blocker, people, code="990021", origin=(113.2, 32.5)) as city:
        try:
            yield city
        finally:  # the cases that name the department, then it with its routes, before the city goes
            with django_db_blocker.unblock():
                purge_incidents(Incident.objects.filter(grid__code__startswith=city.code))
                served = ("t-cg-served", "t-hb-served")
                Assignment.objects.filter(department__code__in=served).delete()
                Department.objects.filter(code__in=served).delete()
