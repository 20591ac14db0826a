"""The figures kept as cases change (aggregates/) equal the figures counted from the cases
(incidents.figures.set_based_figures, the definition), on random histories walked through the
workflow's own actions: rejections, escalations and returns that move a case between levels,
reopen-and-close, ratings by reporters and residents, call-backs, the deadline sweep, and a
re-division of the grids that moves open cases with a `regrid` event."""

import random
import uuid
from datetime import timedelta

import pytest
from django.contrib.gis.geos import LineString
from django.db import connection
from django.utils import timezone

from aggregates.models import AreaDay, CaseFact
from aggregates.read import kept_figures
from aggregates.sql import fold, rebuild
from govgrid.lib.errors import GovgridError
from grids import generations
from grids.models import Role
from incidents.actions import ACTIONS
from incidents.intake import Report, report_incident
from incidents.models import Incident, purge_incidents
from incidents.sweep import escalate_overdue
from incidents.workflow import Resident, act
from tests.aggregates.conftest import assert_kept_equal_counted, local_midnight
from tests.conftest import draw_city
from tests.incidents.conftest import SMALL_CITY

CAST = (
    "grid_worker",
    "grid_worker_2",
    "community_dispatcher",
    "community_dispatcher_2",
    "street_dispatcher",
    "street_closer",
    "street_dispatcher_2",
    "leader",
    "admin",
)
REPORTERS = ("grid_worker", "grid_worker_2")
CATEGORIES = ("0301", "0302", "0101", "0502")
# the actions walked, with how often each is chosen where it may be taken: mostly forward, as cases go
WALKED = {
    "accept": 3,
    "start": 1,
    "resolve": 3,
    "close": 3,
    "escalate": 1,
    "return": 0.5,
    "reject": 0.3,
    "reopen": 0.7,
    "rate": 2,
    "callback": 1.5,
    "verify": 1,
    "rework": 0.5,
    "keep_closed": 0.5,
}


@pytest.fixture
def city(kept):
    """The small drawn city with the cast, and dispatchers of the second street and its community,
    so that grid_worker_2's cases are handled by someone other than the administrator."""
    city = draw_city(**SMALL_CITY).staff()
    other = city.streets[1]
    for name, area in (("street_dispatcher_2", other), ("community_dispatcher_2", city.communities_of(other)[0])):
        city.users[name] = city.account(f"{city.code}_{name}", f"{name}·{area.name}", Role.DISPATCHER, area)
    return city


class History:
    """A seeded random history of the drawn city's cases, each step one of the workflow's actions
    taken by whichever of the cast may take it, the clock moving forward between steps."""

    def __init__(self, city, clock, seed):
        self.city, self.clock, self.random = city, clock, random.Random(seed)
        self.codes = []
        # where each reporter reports: a point of their grid, in whichever grid holds it after a re-division
        self.points = {name: city.grid_of(name).geom.point_on_surface for name in REPORTERS}
        self.clock.at = timezone.now() - timedelta(days=50)
        self.first_day = timezone.localdate(self.clock.at)

    def report(self):
        reporter = self.random.choice(REPORTERS)
        point = self.points[reporter]
        report = Report(
            client_id=uuid.UUID(int=self.random.getrandbits(128)),
            category=self.random.choice(CATEGORIES),
            description="随机历史",
            lon=point.x,
            lat=point.y,
        )
        self.codes.append(report_incident(self.city.users[reporter], report)[0].code)

    def fields(self, action):
        pick = self.random
        if action == "rate":
            return {"rating": pick.randint(1, 5)}
        if action == "callback":
            reached = pick.random() < 0.7
            return {"reached": reached, "satisfied": pick.random() < 0.6 if reached else None}
        return {"reason": "随机原因"} if ACTIONS[action].needs_reason else {}

    def act_on_some_case(self):
        code = self.random.choice(self.codes)
        case = Incident.objects.get(code=code)
        possible = [a for a in WALKED if case.status in ACTIONS[a].sources]
        if not possible:
            return False
        [action] = self.random.choices(possible, weights=[WALKED[a] for a in possible])
        actors = [self.city.users[name] for name in CAST]
        self.random.shuffle(actors)
        if action == "rate" and self.random.random() < 0.5:
            actors.insert(0, Resident(case.pk))  # the resident's own word, by their private link
        for actor in actors:
            try:
                act(actor, code, action, Incident.objects.get(code=code).version, **self.fields(action))
                return True
            except GovgridError:
                continue
        return False

    def walk(self, steps):
        for step in range(steps):
            self.clock.at += timedelta(hours=self.random.uniform(0, 14))
            roll = self.random.random()
            if step % 25 == 24:
                fold()  # as the worker does now and then: sums per day and per month, with deltas after
            if roll < 0.3 or not self.codes:
                self.report()
            elif roll < 0.34:
                escalate_overdue(now=self.clock.at)
            else:
                self.act_on_some_case()

    def assert_kept_equal_counted(self):
        last_day = timezone.localdate(max(self.clock.at, timezone.now()))
        nows = (self.clock.at, self.clock.at + timedelta(days=30))
        return assert_kept_equal_counted(self.city.code, self.first_day, last_day, nows)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_kept_figures_equal_the_counted_ones_on_a_random_history(city, clock, seed):
    history = History(city, clock, seed)
    history.walk(160)
    assert Incident.objects.filter(code__in=history.codes, status="rejected").exists()
    assert history.assert_kept_equal_counted() > 0


def test_a_random_history_covers_what_the_figures_tell_apart(city, clock):
    """The walk is worth comparing on: it reaches every status and level the figures count."""
    history = History(city, clock, 4)
    history.walk(220)
    cases = Incident.objects.filter(code__in=history.codes)
    assert {"closed", "rejected", "resolved"} <= set(cases.values_list("status", flat=True))
    assert {"grid", "community"} <= set(cases.values_list("level", flat=True))
    actions = set(cases.values_list("events__action", flat=True))
    assert {"reopen", "rate", "callback", "return", "escalate"} <= actions
    assert cases.filter(events__action="escalate", events__actor=None).exists()  # by the sweep


def test_a_re_division_moving_open_cases_keeps_the_kept_figures_equal(city, clock):
    history = History(city, clock, 5)
    history.walk(80)
    grid = city.grid_of("grid_worker")
    x0, y0, x1, y1 = grid.geom.extent
    middle = (x0 + x1) / 2
    draft = generations.start_draft(city.code, name="网格调整")
    generations.split(draft.id, grid.code, LineString((middle, y0 - 0.001), (middle, y1 + 0.001), srid=4326))
    plan = generations.activate(draft.id, user=city.users["admin"])
    assert plan.retired == [grid.code]
    moved = Incident.objects.filter(code__in=history.codes, events__action="regrid")
    assert moved.exists()
    history.walk(60)
    history.assert_kept_equal_counted()


def test_a_rebuild_gives_the_sums_the_triggers_kept(city, clock):
    history = History(city, clock, 6)
    history.walk(150)

    def sums():
        return sorted(AreaDay.objects.filter(received__gt=0).values_list(*_columns(AreaDay)))

    def facts():
        return sorted(CaseFact.objects.values_list(*_columns(CaseFact)))

    fold()
    kept = sums(), facts()
    rebuild()
    assert (sums(), facts()) == kept
    assert len(kept[1]) == Incident.objects.filter(code__in=history.codes).exclude(status="rejected").count()


def _columns(model):
    return [f.attname for f in model._meta.fields if f.attname != "id"]


def test_deleted_cases_leave_the_sums(city, clock):
    history = History(city, clock, 7)
    history.walk(60)
    purge_incidents(Incident.objects.filter(code__in=history.codes[::2]))
    history.assert_kept_equal_counted()
    purge_incidents(Incident.objects.filter(code__in=history.codes))
    fold()
    assert not AreaDay.objects.exclude(received=0).exists() and not CaseFact.objects.exists()


def test_a_period_not_made_of_whole_local_days_is_counted_from_the_cases(city, clock):
    day = timezone.localdate()
    assert kept_figures(city.code, "district", local_midnight(day), local_midnight(day + timedelta(days=1))) == []
    noon = local_midnight(day) + timedelta(hours=12)
    assert kept_figures(city.code, "district", noon, noon + timedelta(days=1)) is None
    assert kept_figures(city.code, "grid", local_midnight(day), local_midnight(day + timedelta(days=1))) is None


def test_without_the_aggregates_built_the_figures_are_counted_and_nothing_is_kept(city, clock):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM aggregates_state")
    history = History(city, clock, 8)
    history.walk(20)
    day = timezone.localdate()
    assert kept_figures(city.code, "district", local_midnight(day), local_midnight(day + timedelta(days=1))) is None
    assert not CaseFact.objects.exists()
