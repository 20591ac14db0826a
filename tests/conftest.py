"""Shared fixtures.

The test database gets the demo city once per run (committed, like a real deployment), so read-only
tests and the served app see it; every test then runs in a transaction that is rolled back. Tests of
spatial rules draw their own tiny areas under district code 990001, which the demo never uses.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import Request, urlopen

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.management import call_command
from django.db import connections

from grids.models import Area, Level

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "demo-pass-for-tests"
SCREENSHOTS = ROOT / "var" / "screenshots"
# `make test` runs the suite in worker processes (pytest-xdist: gw0, gw1 …), each with its own test
# database (pytest-django adds _gw0 … to its name), its own tmp_path and its own served app on a
# free port. A file kept outside tmp_path carries the worker's name (worker_file) so that two
# workers never write the same one. See docs/testing.md.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# The served app changes an activity's attendance code every this many seconds (the setting's
# default is 60, its smallest step 10), so that the code page's test waits for one change for
# seconds, not a minute; tests/volunteers/test_activity_pages.py computes codes with the same step.
SERVED_ACTIVITY_CODE_SECONDS = 20


# How long a server a test starts (gunicorn, scripts/serve.sh) may take to answer its first request.
# It answers in a few seconds on a quiet machine; beside another worker on a busy one it took over
# 30 s, and a served app that did not start fails every test of its worker after it.
SERVER_START_SECONDS = 120


def worker_file(path):
    """var/test-gunicorn.log → var/test-gunicorn-gw0.log under a worker, unchanged otherwise."""
    path = Path(path)
    return path.with_name(f"{path.stem}-{WORKER}{path.suffix}") if WORKER else path


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    os.environ["GOVGRID_DEMO_PASSWORD"] = DEMO_PASSWORD
    with django_db_blocker.unblock():
        # No history: tests make the cases they need (a year of cases would sit next to theirs).
        call_command("load_demo", "--history", "0", "--if-empty", verbosity=0)  # --reuse-db keeps it
        _make_the_months_of_the_clocks()


def _make_the_months_of_the_clocks():
    """The months' partitions of cases that the tests' clocks reach (from 2025 on), beside the year
    ahead that the migration makes: a case of a month not made is refused (incidents.partitions)."""
    import datetime as dt

    from incidents.partitions import MONTHS_AHEAD, add_months, make_months

    make_months(dt.date(2025, 1, 1), add_months(dt.date.today(), MONTHS_AHEAD))


@pytest.fixture(scope="session", autouse=True)
def _media_of_the_session(tmp_path_factory):
    """Files the tests' own process stores (photos, the demo's pictures) go to a directory of the
    session, never to the project's var/media; a test that wants its own uses `media`."""
    from django.test.utils import override_settings

    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture(autouse=True)
def _forget_categories():
    """Each test starts with the server not yet knowing the categories (incidents.intake keeps
    them per process), so no test depends on what an earlier one left there."""
    from incidents.intake import reportable_categories

    reportable_categories.by_code = None
    yield
    reportable_categories.by_code = None


@pytest.fixture(autouse=True)
def _default_language_and_no_kept_maps():
    """Each test starts in the default language, as a request without one is served (a test
    client's request leaves the language it was served in active in this thread), and with no city
    map kept by an earlier test (maps.home keeps them per process)."""
    from django.utils import translation

    from maps import home

    translation.deactivate()
    home._city_maps.clear()
    yield
    translation.deactivate()


@pytest.fixture
def login(db):
    """login("leader") → a test client logged in as that demo account (see design.md)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    def make(username):
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return make


def worker_grid(username="grid_worker"):
    """The grid a demo grid worker is assigned to."""
    from grids.models import Assignment, Role

    return Assignment.objects.active().get(person__user__username=username, role=Role.GRID_WORKER).area


def post_json(base, path, body, token=None):
    """POST JSON to the served app over a real connection: (status, parsed answer), also for 4xx."""
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Token {token}"} if token else {})
    request = Request(base + path, data=json.dumps(body).encode(), method="POST", headers=headers)
    try:
        with urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except HTTPError as error:
        return error.code, json.loads(error.read())


def square(x0, y0, x1, y1):
    """A MultiPolygon rectangle in WGS84, counter-clockwise."""
    return MultiPolygon(Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))), srid=4326)


# The tiny city, 0.02° × 0.02° near Dengzhou (about 1.9 km × 2.2 km):
#   district 990001 ─ street 990001001 (west half) ─ community 990001001001 (south half of it)
#                                                       ├ grid …001001 (west)
#                                                       └ grid …001002 (east)
#                                                  └ community 990001001002 (north half of it)
#                   └ street 990001002 (east half)
X0, Y0 = 112.00, 32.70
D = 0.02
TINY = {
    "990001": (Level.DISTRICT, (X0, Y0, X0 + D, Y0 + D)),
    "990001001": (Level.STREET, (X0, Y0, X0 + D / 2, Y0 + D)),
    "990001002": (Level.STREET, (X0 + D / 2, Y0, X0 + D, Y0 + D)),
    "990001001001": (Level.COMMUNITY, (X0, Y0, X0 + D / 2, Y0 + D / 2)),
    "990001001002": (Level.COMMUNITY, (X0, Y0 + D / 2, X0 + D / 2, Y0 + D)),
    "990001001001001": (Level.GRID, (X0, Y0, X0 + D / 4, Y0 + D / 2)),
    "990001001001002": (Level.GRID, (X0 + D / 4, Y0, X0 + D / 2, Y0 + D / 2)),
}


@pytest.fixture
def tiny_city(db):
    """The tiny city above; returns {code: Area}."""
    areas = {}
    for code, (level, box) in TINY.items():
        parent = areas.get(code[:-3])
        kind = "basic" if level == Level.GRID else ""
        areas[code] = Area.objects.create(
            code=code, name=f"测试{code}", level=level, parent=parent, geom=square(*box), kind=kind
        )
    return areas


# --- drawn cities ----------------------------------------------------------------------------------
# (Imported here, not at the top, so that this part of the file stands on its own.)
from contextlib import contextmanager  # noqa: E402
from datetime import date  # noqa: E402

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.gis.geos import Point  # noqa: E402

from grids.models import Assignment, HouseholdLink, PartyOrg, Person, ServiceStation, is_town_code  # noqa: E402

DRAWN_DISTRICT = "990003"  # never the demo's, nor the tiny city's (990001) or the import tests' (990002)
DRAWN_ORIGIN = (112.60, 32.50)  # east of 邓州市's county boundary (it ends at 112.35° E): no demo area here
DRAWN_CELL = 0.004  # a grid's side in degrees, about 375 m × 445 m here
STARTED = date(2020, 1, 1)  # when the people of a drawn city took up their roles


class DrawnCity:
    """A hand-drawn city of square grids, for tests whose behaviour does not need the demo's 514 grids.

    `draw_city(streets=2, towns=1, communities=2, grids=(1, 2))` draws, under `DRAWN_DISTRICT`:

        district 990003, a rectangle tiled exactly by its streets (no gap, no overlap)
        ├ street 990003001, 990003002 … (urban streets, codes 001–099), then towns 990003101 … (codes 101–)
        │   each a vertical band, one column of `communities` communities stacked south to north
        │   └ community …001, …002 …: a block of rows × cols square grids of DRAWN_CELL degrees
        │       └ grid …001, …002 …: row by row from the south-west corner, kind "basic",
        │         `households` households each

    so the default city has 3 street-level areas × 2 communities × 2 grids = 12 grids, 6 communities,
    2 streets and 1 town. Nobody serves in it until a test says so: `person`, `serve`, `account` (a
    login with a role in an area), `link` (a household link), `party_group` and `station` add people,
    assignments, household links, Party groups and service stations, each started on STARTED unless
    told otherwise. `city[code]` is an Area; `city.grids`, `city.communities`, `city.streets`
    (towns included), `city.urban_streets` and `city.towns` list them in code order.

    Drawn inside a test's transaction it vanishes with it. For the served app (another process) it
    must be committed: `committed_city` draws it outside the transaction and erases it afterwards.
    """

    def __init__(self, code, areas):
        self.code = code
        self.areas = areas
        self.people = []
        self._phones = 0

    def __getitem__(self, code):
        return self.areas[code]

    def _level(self, level):
        return [area for code, area in sorted(self.areas.items()) if area.level == level]

    @property
    def district(self):
        return self.areas[self.code]

    @property
    def streets(self):
        return self._level(Level.STREET)

    @property
    def urban_streets(self):
        return [street for street in self.streets if not is_town_code(street.code)]

    @property
    def towns(self):
        return [street for street in self.streets if is_town_code(street.code)]

    @property
    def communities(self):
        return self._level(Level.COMMUNITY)

    @property
    def grids(self):
        return self._level(Level.GRID)

    def grid_codes(self):
        return {grid.code for grid in self.grids}

    # --- people ----------------------------------------------------------------------------------
    def person(self, name, party_member=True, **fields):
        """A person with a phone of their own (139 and a counter), a Party member unless told."""
        self._phones += 1
        fields.setdefault("phone", f"139{int(self.code) % 1000:03d}{self._phones:05d}")
        person = Person.objects.create(name=name, is_party_member=party_member, **fields)
        self.people.append(person)
        return person

    def serve(self, person, role, area, starts_on=STARTED, ends_on=None):
        return Assignment.objects.create(person=person, role=role, area=area, starts_on=starts_on, ends_on=ends_on)

    def account(self, username, name, role, area, password=None):
        """A login for a new person with one role in an area; without a password, tests log in with
        Client.force_login (hashing a password costs a third of a second)."""
        user = get_user_model().objects.create_user(username, password=password)
        person = self.person(name, user=user)
        self.serve(person, role, area)
        return user

    def link(self, person, grid, households, starts_on=STARTED, ends_on=None):
        return HouseholdLink.objects.create(
            person=person, grid=grid, households=households, starts_on=starts_on, ends_on=ends_on
        )

    def party_group(self, grid, leader=None):
        return PartyOrg.objects.create(
            area=grid, kind=PartyOrg.Kind.GRID_GROUP, name=f"{grid.name}党小组", leader=leader
        )

    def station(self, name, area, at=None, kind=ServiceStation.Kind.STATION):
        """A service station of an area, at a point (lon, lat) or else in the middle of the area."""
        location = Point(*at, srid=4326) if at else area.geom.point_on_surface
        return ServiceStation.objects.create(name=name, kind=kind, area=area, location=location)

    # --- the cast: the demo's accounts, in a drawn city ----------------------------------------------
    CAST = ("admin", "leader", "analyst", "street_dispatcher", "street_closer", "community_dispatcher",
            "grid_worker", "grid_worker_2")  # fmt: skip

    def staff(self):
        """The accounts the demo has, with the same roles, in this city, named `{code}_{name}` (a
        drawn city lives beside the demo's): admin (a superuser), leader and analyst (the district),
        street_dispatcher and street_closer (two dispatchers of the first street: one resolves, the
        other closes), community_dispatcher (that street's first community), grid_worker (that
        community's first grid), grid_worker_2 (the first grid of the second street). `self.users`
        holds them by name; `client`, `scope` and `grid_of` take a name. Returns the city."""
        from grids.models import Role

        street, other = self.streets[0], self.streets[1]
        community = self.communities_of(street)[0]
        roles = {
            "leader": (Role.LEADER, self.district),
            "analyst": (Role.ANALYST, self.district),
            "street_dispatcher": (Role.DISPATCHER, street),
            "street_closer": (Role.DISPATCHER, street),
            "community_dispatcher": (Role.DISPATCHER, community),
            "grid_worker": (Role.GRID_WORKER, self.grids_of(community)[0]),
            "grid_worker_2": (Role.GRID_WORKER, self.grids_of(self.communities_of(other)[0])[0]),
        }
        self.users = {"admin": get_user_model().objects.create_superuser(f"{self.code}_admin", is_staff=True)}
        for name, (role, area) in roles.items():
            self.users[name] = self.account(f"{self.code}_{name}", f"{name}·{area.name}", role, area)
        return self

    def communities_of(self, street):
        return [c for c in self.communities if c.parent_id == street.id]

    def grids_of(self, community):
        return [g for g in self.grids if g.parent_id == community.id]

    def client(self, name):
        """A test client logged in as one of the cast."""
        from django.test import Client

        client = Client()
        client.force_login(self.users[name])
        return client

    def scope(self, name):
        from grids.scopes import Scope

        return Scope.for_user(self.users[name])

    def grid_of(self, name="grid_worker"):
        """The grid a worker of the cast serves."""
        return Assignment.objects.get(person__user=self.users[name]).area

    def erase(self):
        """Everything drawn and added, for a committed city: its cases, stations, people with their
        logins, then the areas from the grids up."""
        from consultations.models import Item
        from grids.models import WorkUnit
        from incidents.models import Incident, purge_incidents
        from ratings.models import purge_district as purge_ratings
        from residents.models import ResidentReport
        from volunteers.ledger import purge_district

        purge_ratings(self.code)  # rounds, stars, schemes and committee seats
        purge_district(self.code)  # services, activities, the ledger, visits and meetings
        Item.objects.filter(community__code__startswith=self.code).delete()  # and their links to cases
        purge_incidents(Incident.objects.filter(grid__code__startswith=self.code))
        ResidentReport.objects.filter(grid__code__startswith=self.code).delete()  # those that made no case
        ServiceStation.objects.filter(area__code__startswith=self.code).delete()
        users = [person.user_id for person in self.people if person.user_id]
        users += [user.pk for user in getattr(self, "users", {}).values()]
        Person.objects.filter(pk__in=[person.pk for person in self.people]).delete()
        get_user_model().objects.filter(pk__in=users).delete()
        WorkUnit.objects.filter(district__code=self.code).delete()
        Area.objects.delete_subtree(self.code)


def draw_city(
    code=DRAWN_DISTRICT,
    streets=2,
    towns=1,
    communities=2,
    grids=(1, 2),
    households=100,
    origin=DRAWN_ORIGIN,
    cell=DRAWN_CELL,
):
    """Draw the city DrawnCity describes and return it (needs the database)."""
    rows, cols = grids
    x0, y0 = origin
    bands = [f"{code}{i:03d}" for i in range(1, streets + 1)] + [f"{code}{100 + i}" for i in range(1, towns + 1)]
    areas = {}

    # Every edge from whole cell indices, so that neighbours share their edges to the last bit.
    def x(column):
        return x0 + column * cell

    def y(row):
        return y0 + row * cell

    def add(area_code, level, box, name, **fields):
        parent = areas.get(area_code[:-3])
        areas[area_code] = Area.objects.create(
            code=area_code, name=name, level=level, parent=parent, geom=square(*box), **fields
        )

    add(code, Level.DISTRICT, (x(0), y(0), x(cols * len(bands)), y(rows * communities)), f"方格市{code}")
    for s, street in enumerate(bands):
        left, right = s * cols, (s + 1) * cols  # the street's columns
        street_name = f"方格{int(street[-3:]) - 100}镇" if is_town_code(street) else f"方格{s + 1}街道"
        add(street, Level.STREET, (x(left), y(0), x(right), y(rows * communities)), street_name)
        for c in range(communities):
            community, bottom = f"{street}{c + 1:03d}", c * rows
            add(
                community,
                Level.COMMUNITY,
                (x(left), y(bottom), x(right), y(bottom + rows)),
                f"{street_name}{c + 1}社区",
            )
            for g in range(rows * cols):
                column, row = left + g % cols, bottom + g // cols
                add(
                    f"{community}{g + 1:03d}",
                    Level.GRID,
                    (x(column), y(row), x(column + 1), y(row + 1)),
                    f"{street_name}{c + 1}社区{g + 1}网格",
                    kind="basic",
                    households=households,
                    population=households * 5 // 2,
                )
    return DrawnCity(code, areas)


@pytest.fixture
def drawn_city(db):
    """The default drawn city (12 grids in 6 communities of 2 streets and 1 town), nobody in it."""
    return draw_city()


@pytest.fixture
def staffed_city(db):
    """The default drawn city with the demo's cast of accounts (DrawnCity.staff)."""
    return draw_city().staff()


@contextmanager
def committed_city(django_db_blocker, add_people=None, **layout):
    """A drawn city committed for the served app, with the people `add_people(city)` adds, erased
    when the block ends (for a module-scoped fixture)."""
    city = None
    with django_db_blocker.unblock():
        try:
            city = draw_city(**layout)
            if add_people:
                add_people(city)
            yield city
        finally:
            if city is not None:
                city.erase()
            else:  # the drawing itself failed: whatever part of it was committed
                Area.objects.delete_subtree(layout.get("code", DRAWN_DISTRICT))


@pytest.fixture
def media(settings, tmp_path):
    """Photos written by a test go to its own directory (the served app keeps its own MEDIA_ROOT)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="module")
def forget_reports(django_db_blocker):
    """Client ids of reports a test sent through the served app. The server committed them, so the
    test's rolled-back transaction cannot remove them: they are deleted here, with their photo files,
    when the module ends, with the API tokens the served app gave out."""
    from rest_framework.authtoken.models import Token

    from incidents.models import Incident, purge_incidents

    client_ids = []
    yield client_ids
    with django_db_blocker.unblock():
        purge_incidents(Incident.objects.filter(client_id__in=client_ids))
        Token.objects.all().delete()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(port=None):
    """The test database's URL, for a server a test starts; through `port` (a pooler's, a standby's)
    instead of the database server's own when given."""
    from django.db import connection

    db = connection.settings_dict
    user = quote(db["USER"], safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{port or db['PORT']}/{db['NAME']}"


def wait_until_served(base, process, log_path, name):
    """Until `base` answers its login page; RuntimeError with the log (`log_path`) when `process`
    (`name`: what it is) ends first or SERVER_START_SECONDS pass."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        try:
            urlopen(base + "/accounts/login/", timeout=5).read()
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{name} did not start:\n{Path(log_path).read_text()}") from None
            time.sleep(0.3)


@contextmanager
def gunicorn(env, log_path, *arguments):
    """govgrid served by gunicorn on a free loopback port, with the test's environment and `env`
    over it (DATABASE_URL: database_url()), gunicorn's own `arguments` (workers, threads, a
    configuration file) and its output in `log_path`; yields the base URL once it answers, and stops
    it after."""
    port = _free_port()
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "govgrid.wsgi", *arguments]
            + ["--bind", f"127.0.0.1:{port}", "--no-control-socket"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_served(base, server, log_path, "gunicorn")
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="session")
def served_app(django_db_setup, django_db_blocker, tmp_path_factory):
    """govgrid served by gunicorn, as `make run` does, on the test database; yields its base URL."""
    from django.db import connection

    env = {
        "DATABASE_URL": database_url(),
        "GOVGRID_MEDIA_ROOT": str(tmp_path_factory.mktemp("served-media")),
        "GOVGRID_ACTIVITY_CODE_SECONDS": str(SERVED_ACTIVITY_CODE_SECONDS),
    }
    with gunicorn(env, worker_file(ROOT / "var" / "test-gunicorn.log"), "--workers", "2") as base:
        yield base
    with django_db_blocker.unblock():
        _wait_for_other_connections_to_close(connection.settings_dict["NAME"])


def _wait_for_other_connections_to_close(name, seconds=10):
    """The workers' connections close as they exit; the test database can be dropped only after."""
    from django.db import connection

    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name]
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


EXPECT_TIMEOUT_MS = 20_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, for one test module.

    Playwright's sync API keeps an asyncio loop running in this thread while the browser is up, and
    Django then refuses the database ("cannot call this from an async context"). The browser is
    driven from this thread only and the database is used synchronously, so the check is lifted for
    exactly as long as the browser lives; both end with the module, so no later test or subprocess
    (`check --deploy` would report async.E001) inherits them.
    """
    from playwright.sync_api import expect, sync_playwright

    # expect() waits for its condition up to 5 s by default; beside another worker (and whatever
    # else the machine runs) a page may take longer to get there. A passing check never waits longer.
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
            # Connections opened while the loop ran belong to its context: close them there, or
            # they outlive the session and the test database cannot be dropped.
            connections.close_all()


@pytest.fixture
def screen(browser):
    """screen("phone" | "phone414" | "desktop", **context options) → a Screen in Chromium
    (tests/incidents/browsing.py), closed after the test."""
    from tests.incidents.browsing import screens

    made, make = screens(browser)
    yield make
    for each in made:
        each.close()


class OfflinePage:
    """A browser page that may reach only loopback: every other request is aborted and recorded,
    and console errors are collected, so a test can assert that a page needs nothing from outside.
    The tests' phones, screens and devices are this page with their own context options."""

    def __init__(self, browser, locale="zh-CN", viewport=None, **context_options):
        self.context = browser.new_context(
            locale=locale, viewport=viewport or {"width": 1400, "height": 860}, **context_options
        )
        self.page = self.context.new_page()
        self.blocked = []
        self.console_errors = []
        self.context.route("**/*", self._route)
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    def _route(self, route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "http://localhost", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def screenshot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / name))

    def close(self):
        self.context.close()


@pytest.fixture
def offline_page(browser):
    pages = []

    def make(**kwargs):
        page = OfflinePage(browser, **kwargs)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.close()
