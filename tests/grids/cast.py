"""The drawn city's cast (tests/conftest.py: DrawnCity.staff) with the demo's password, for tests
that log in by username and password (the token endpoint, the login page, the admin's login).

The password is hashed once per run and the hash given to every account: hashing costs a third of a
second, and a test checks it once more when it logs in."""

import uuid
from contextlib import contextmanager
from functools import cache

import pytest
from django.contrib.auth.hashers import make_password

from tests.conftest import DEMO_PASSWORD, committed_city, draw_city

# The smallest city the cast fits in: two streets (grid_worker_2 works in the second), one community
# each, and two grids in each community (a grid beside grid_worker's).
CAST_LAYOUT = {"streets": 2, "towns": 0, "communities": 1, "grids": (1, 2)}


@cache
def hashed_demo_password():
    return make_password(DEMO_PASSWORD)


def with_demo_password(city):
    """The city, its cast now logging in with DEMO_PASSWORD."""
    for user in city.users.values():
        user.password = hashed_demo_password()
        user.save(update_fields=["password"])
    return city


@pytest.fixture
def cast(db):
    """A small drawn city (CAST_LAYOUT) staffed with the demo's cast, who log in with DEMO_PASSWORD."""
    return with_demo_password(draw_city(**CAST_LAYOUT).staff())


@contextmanager
def committed_cast(django_db_blocker, code, **layout):
    """A drawn city (CAST_LAYOUT unless told) with the cast, who log in with DEMO_PASSWORD, committed
    for the served app and a browser and erased when the block ends (for a module-scoped fixture).
    `code` is the city's own district code, so that it meets no other drawn city."""

    def staff(city):
        with_demo_password(city.staff())

    with committed_city(django_db_blocker, staff, code=code, **(CAST_LAYOUT | layout)) as city:
        yield city


@pytest.fixture
def usernames(cast):
    """{"grid_worker": its login name, …} for the cast of the `cast` city (`{code}_{name}`)."""
    return {name: user.username for name, user in cast.users.items()}


def report_case(city, name="grid_worker", description="井盖缺失", grid=None):
    """A case one of the cast reports through the intake (in the test's transaction), in the grid
    they work (or in `grid`): the Incident."""
    from incidents.intake import Report, report_incident

    point = (grid or city.grid_of(name)).geom.point_on_surface
    report = Report(client_id=uuid.uuid4(), category="0301", description=description, lon=point.x, lat=point.y)
    return report_incident(city.users[name], report)[0]
