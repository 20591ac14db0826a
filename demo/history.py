"""A year of cases for the demo city, made by walking each case through the workflow's own rules:
every step is an action of incidents.workflow.ACTIONS whose source status the case is in, taken by
someone the workflow would let take it (the grid's worker, the dispatcher of its community or
street), with the event, deadline and version change that `act` makes; and the deadline sweep runs
inside the walk, so a case that passes its due time at the grid or the community is escalated by it
(an event without an actor, as escalate_overdue writes) and handled on at the next level. Every
case's events therefore agree with its final state, level, responsible area, due time and version.

Cases gather around a few hot spots (markets, the old town's lanes, a school gate) on top of a thin
spread over every grid, reported in working hours (local time); most close in the grid, some climb
to the community, a few to the street. Reporters rate the result of cases someone else resolved (a
grid worker who handled the case does not rate their own work), once per resolution; a poor rating
waits for the dispatcher, who mostly reopens the case and otherwise keeps it closed, and a few wait
still. Deterministic for a seed. Written in bulk, a few statements for the whole year.
"""

import uuid
from datetime import timedelta

import numpy as np
import shapely
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone

from demo.department_history import department_story, write_records
from demo.people import SURNAMES
from demo.photos import site_photos
from demo.residents import RESIDENT_SHARE, write_reports
from govgrid.lib.worktime import deadline
from grids.models import Area, Assignment, Level, Person, Role
from incidents import events
from incidents.actions import (
    ACTIONS,
    DISPATCHER,
    POOR_RATING,
    Details,
    area_at,
    moves_within_chain,
    overdue_reason,
    reported,
    transition,
)
from incidents.events import SYSTEM
from incidents.models import OPEN_STATUSES, Category, Channel, Incident, Status
from incidents.partitions import make_months, new_case_ids

BY_THE_RESIDENT = object()  # the rater of a case from a resident's report (demo.residents)
VERIFIER = "verify:"  # in the actors map, before a street code: the street's second dispatcher
SWEEP_EVERY = 60  # seconds between the demo's deadline sweeps (escalate_overdue --every 60)
HANDLING = ("accept", "start", "resolve")  # a case's way from reported to resolved at one level
# How long a step takes, on average: a share of the deadline at the case's level for handling it
# there (most cases are handled in time, some are not and the sweep takes them up), or fixed hours.
# Work is done in working time (calendar time for urgent categories); residents rate any time.
SHARE_OF_DEADLINE = {"accept": 0.08, "start": 0.12, "resolve": 0.3, "escalate": 0.25, "reject": 0.1, "return": 0.1}
HOURS = {"close": 8, "rate": 24, "reopen": 8, "keep_closed": 8}
POOR_COMMENTS = ["问题没有解决", "处理不及时", "处理后又反复出现"]
# What the dispatcher says on deciding about a poor rating.
REOPEN_REASONS = ["回访核实问题仍在，重新处置", "居民反映属实，返工"]
KEEP_CLOSED_REASONS = ["现场核查已整改到位，维持结案", "诉求超出处置范围，已向居民解释"]
GOOD_COMMENTS = ["", "", "处理及时，满意", "态度很好"]
CONTACT_SHARE = 0.2  # cases that carry a resident's name and phone (personal data)
CONTACT_TITLES = ["先生", "女士", "大爷", "阿姨"]


def _resident_contact(rng):
    """A made-up resident's contact (name, phone) for one case in five, else ("", "")."""
    if rng.uniform() >= CONTACT_SHARE:
        return "", ""
    name = str(rng.choice(SURNAMES)) + str(rng.choice(CONTACT_TITLES))
    return name, "1" + str(rng.choice([3, 5, 7, 8, 9])) + "".join(str(d) for d in rng.integers(0, 10, 9))


class _Walk:
    """One case on its way through the workflow: its state and the events it gathered."""

    def __init__(self, rng, grid_code, category, received, reporter, actors):
        self.rng, self.grid_code, self.category, self.actors = rng, grid_code, category, actors
        self.reporter = reporter
        self.rater = reporter  # who rates it: its reporter, or BY_THE_RESIDENT for a resident's case
        self.state, report = reported(category, received, reporter, grid_code)
        self.at = received
        self.resolved_by = None  # who resolved it last: they may not rate it
        self.out_of_time = False  # set when a step would come after the end of the walk
        self.events = [report]
        self.records = []  # dispatches, extensions, call-backs (demo.department_history)

    @property
    def status(self):
        return self.state.status

    @property
    def level(self):
        return self.state.level

    # --- who acts ---------------------------------------------------------------------------------
    def handler(self):
        """Who may change the case where it is now: the grid's worker at the grid (or the community's
        dispatcher where the grid has none), else the dispatcher of the community or street."""
        if self.level == Level.GRID:
            return self.reporter
        return self.actors[self.state.area_code]

    def dispatcher(self):
        """A dispatcher over the case: the community's for a case at the grid or the community, the
        street's at the street."""
        over = Level.STREET if self.level == Level.STREET else Level.COMMUNITY
        return self.actors[area_at(self.grid_code, over)]

    def other_dispatcher(self):
        """A dispatcher over the case who did not resolve it (whoever resolved a case may not close
        it): the street's for a case its community resolved, the street's second one (who verifies in
        its command centre) for a case the street resolved."""
        street = area_at(self.grid_code, Level.STREET)
        for candidate in (self.actors[street], self.actors[VERIFIER + street]):
            if candidate != self.resolved_by:
                return candidate
        raise AssertionError("a street with one dispatcher cannot close what it resolved")

    def _take(self, action, at, actor, reason="", rating=None, comment="", details=None):
        details = details or Details(rating, comment)
        self.state, event = transition(
            action, self.state, self.grid_code, self.category, at, actor, reason, details=details
        )
        self.events.append(event)
        self.at = at

    # --- the deadline sweep -----------------------------------------------------------------------
    def sweep_until(self, moment):
        """The escalations the sweep makes before `moment`: one per passed deadline, at the first
        round after it, as incidents.sweep does (the escalate action by the system)."""
        while self.status in OPEN_STATUSES and moves_within_chain(self.level, +1) and not self.state.department_id:
            swept_at = self.state.due_at + timedelta(seconds=float(self.rng.uniform(1, SWEEP_EVERY)))
            if swept_at >= moment:
                return
            self._take("escalate", swept_at, SYSTEM, overdue_reason())

    # --- actions, as incidents.workflow.act takes them ----------------------------------------------
    def step(self, action, until, actor=None, reason=""):
        """Take `action` some time after the last step. False if its moment would pass `until` (and
        `out_of_time` is set), or if the action no longer fits (the sweep moved the case on meanwhile)."""
        if self.out_of_time:
            return False
        at = self._later(action)
        if at >= until:
            self.out_of_time = True
            return False
        self.sweep_until(at)
        spec = ACTIONS[action]
        if self.status not in spec.sources or spec.step and not moves_within_chain(self.level, spec.step):
            return False
        if actor is BY_THE_RESIDENT:
            actor = SYSTEM  # a resident acts by their private link, with no login: no actor
        else:
            actor = actor or (self.dispatcher() if DISPATCHER in spec.who else self.handler())
        if spec.not_by_resolver and actor == self.resolved_by:
            actor = self.other_dispatcher()
        rating, comment = None, ""
        if action == "rate":
            rating = int(self.rng.choice([5, 5, 5, 4, 4, 3, 2, 1]))
            comment = str(self.rng.choice(POOR_COMMENTS if rating <= POOR_RATING else GOOD_COMMENTS))
        elif action == "resolve":
            self.resolved_by = actor
        self._take(action, at, actor, reason, rating, comment)
        return True

    def _later(self, action):
        """The moment of the next step: about its usual time after the last one, exponentially
        spread as real handling times are."""
        if action in SHARE_OF_DEADLINE:
            mean = SHARE_OF_DEADLINE[action] * self.category.deadline_hours(self.level)
        else:
            mean = HOURS[action]
        hours = float(self.rng.exponential(mean)) + 0.1
        return deadline(self.at, hours, calendar_time=action == "rate" or self.category.calendar_time)

    def handle(self, until):
        """Accept, start and resolve at whatever level the case is, starting again from accept when
        the sweep hands it up meanwhile; False if the walk reaches `until` first."""
        while self.status != Status.RESOLVED and not self.out_of_time:
            self.step(HANDLING[[Status.REPORTED, Status.ACCEPTED, Status.IN_PROGRESS].index(self.status)], until)
        return self.status == Status.RESOLVED

    @property
    def awaits_rating_decision(self):
        return self.state.awaits_rating_decision


def _rate_and_decide(rng, walk, now):
    """The reporter rates a case someone else resolved; a poor rating waits for the dispatcher, who
    mostly reopens the case (handled, closed and perhaps rated again) or keeps it closed. Every draw
    here, the walk's included, comes from `rng`, the ratings' own stream: the cases' stories before
    their rating stay as they are whatever the rating rules."""
    stories, walk.rng = walk.rng, rng
    try:
        _rate_and_decide_steps(rng, walk, now)
    finally:
        walk.rng = stories


def _rate_and_decide_steps(rng, walk, now):
    while walk.resolved_by != walk.rater and rng.uniform() < 0.7:
        if not walk.step("rate", now, actor=walk.rater) or not walk.awaits_rating_decision:
            return
        if rng.uniform() >= 0.7:
            walk.step("keep_closed", now, reason=str(rng.choice(KEEP_CLOSED_REASONS)))
            return
        if not walk.step("reopen", now, reason=str(rng.choice(REOPEN_REASONS))) or not walk.handle(now):
            return
        if not walk.step("close", now):
            return


def _walk(rng, walk, now, age_days, ratings, departments=None):
    """The story of one case, drawn at random, up to `now`; a case the street keeps may go to a
    department (`departments`: a DepartmentStory and its own stream of draws)."""
    if rng.uniform() < 0.03:
        walk.step("reject", now, reason="无效或重复上报")
        return
    for threshold, reason in ((0.17, "超出网格处置能力"), (0.05, "需街道协调")):
        if rng.uniform() >= threshold / (1 if walk.level == Level.GRID else 0.3):
            break
        if not walk.step("escalate", now, reason=reason):
            break
    if walk.level == Level.COMMUNITY and walk.status == Status.REPORTED and rng.uniform() < 0.1:
        walk.step("return", now, reason="属网格职责，退回网格处置")
    if departments and walk.level == Level.STREET and walk.status == Status.REPORTED:
        story, draws = departments
        if story.run(walk, now, draws):
            return
    if not (age_days >= 2 or rng.uniform() < 0.5) or not walk.handle(now):
        return
    if not (age_days >= 3 or rng.uniform() < 0.6) or not walk.step("close", now):
        return
    _rate_and_decide(ratings, walk, now)


def acting_accounts(district_code):
    """{area code: user id} of a grid worker per grid and a dispatcher per community and street, as
    assigned by the demo's people (demo.people). People with no login get one that cannot log
    in (an unusable password), named after their role and area; the named demo accounts are kept."""
    User = get_user_model()
    wanted = {}  # area code → the person whose user acts there (the first assigned)
    assignments = (
        Assignment.objects.active()
        .filter(area__code__startswith=district_code, role__in=[Role.GRID_WORKER, Role.DISPATCHER])
        .select_related("person", "area")
        .order_by("area__code", "id")
    )
    for assignment in assignments:
        acts_here = (
            assignment.role == Role.GRID_WORKER
            if assignment.area.level == Level.GRID
            else assignment.area.level in (Level.COMMUNITY, Level.STREET) and assignment.role == Role.DISPATCHER
        )
        code = assignment.area.code
        if acts_here and code in wanted and assignment.area.level == Level.STREET:
            code = VERIFIER + code  # the street's second dispatcher
        if acts_here and code not in wanted:
            wanted[code] = assignment.person
            assignment.person.demo_username = f"{assignment.role}-{code.replace(VERIFIER, 'verify-')}"
    missing = {code: person for code, person in wanted.items() if person.user_id is None}
    names = {code: person.demo_username for code, person in missing.items()}
    existing = {u.username: u for u in User.objects.filter(username__in=names.values())}
    new = []
    for code, person in missing.items():
        user = existing.get(names[code])
        if user is None:
            user = User(username=names[code], first_name=person.name)
            user.set_unusable_password()
            new.append(user)
        person.user = user
    User.objects.bulk_create(new, batch_size=2000)
    Person.objects.filter(user__in=list(existing.values())).update(user=None)  # left from an earlier load
    Person.objects.bulk_update(list(missing.values()), ["user"], batch_size=2000)
    return {code: person.user_id for code, person in wanted.items()}


def build_history(district_code="411381", cases=20000, days=365, seed=7):
    """Create `cases` cases received over the last `days` days; returns how many were made."""
    rng = np.random.default_rng(seed)
    contacts = np.random.default_rng(seed + 1)  # its own stream: the cases' stories stay as they were
    ratings = np.random.default_rng(seed + 2)  # the same for ratings and what follows them
    residents = np.random.default_rng(seed + 5)  # which cases come from residents' reports, and theirs
    now = timezone.now()
    grids = list(Area.objects.within(district_code).grids().only("id", "code", "geom", "households"))
    if not grids or cases <= 0:
        return 0
    items = list(Category.objects.reportable())
    weights = np.array(
        [{"03": 5, "05": 4, "01": 3, "02": 2, "04": 1, "06": 2, "07": 1, "08": 1}.get(c.code[:2], 1) for c in items],
        dtype=float,
    )
    with transaction.atomic():
        actors = acting_accounts(district_code)
        departments = (department_story(district_code), np.random.default_rng(seed + 3))
    fallback = get_user_model().objects.filter(is_superuser=True).values_list("id", flat=True).first()

    shapes = shapely.from_wkb([bytes(g.geom.wkb) for g in grids])
    centres = shapely.get_coordinates(shapely.centroid(shapes))
    hot = centres[rng.choice(len(grids), size=6, replace=False)]
    tree = shapely.STRtree(shapes)

    made, events_of, records_of, from_residents = [], [], [], []
    for n in range(cases):
        if rng.uniform() < 0.45:  # around a hot spot, within a few hundred metres
            x, y = hot[rng.integers(len(hot))] + rng.normal(0, 0.0035, 2)
        else:
            x, y = centres[rng.integers(len(grids))] + rng.normal(0, 0.0008, 2)
        hits = tree.query(shapely.points(x, y), predicate="intersects")
        if len(hits) == 0:
            continue
        grid = grids[int(min(hits, key=lambda i: grids[i].code))]
        category = items[int(rng.choice(len(items), p=weights / weights.sum()))]
        received = timezone.localtime(now - timedelta(days=float(rng.uniform(0, days))))
        received = received.replace(
            hour=int(rng.choice([8, 9, 10, 11, 14, 15, 16, 17, 19])), minute=int(rng.integers(60))
        )
        if received >= now:
            continue
        community, street = area_at(grid.code, Level.COMMUNITY), area_at(grid.code, Level.STREET)
        if community not in actors or street not in actors:
            continue  # an area without a dispatcher: nobody could handle its cases beyond the grid
        reporter = actors.get(grid.code) or actors[community] or fallback
        walk = _Walk(rng, grid.code, category, received, reporter, actors)
        resident = bool(residents.uniform() < RESIDENT_SHARE)
        if resident:
            walk.rater = BY_THE_RESIDENT
        _walk(rng, walk, now, (now - received).days, ratings, departments)
        walk.sweep_until(now)  # the sweep has run up to now, as it does on a live server
        contact_name, contact_phone = _resident_contact(contacts)
        made.append(
            Incident(
                code=f"{district_code}-{received:%Y%m%d}-H{n:05d}",
                client_id=uuid.uuid4(),
                fingerprint="demo",
                category=category,
                description=f"{category.name}（演示）",
                location=Point(x, y, srid=4326),
                input_lon=float(x),
                input_lat=float(y),
                input_crs="wgs84",
                accuracy_m=float(rng.uniform(3, 30)),
                grid_id=grid.id,
                reporter_id=reporter,
                reported_at=received,
                received_at=received,
                **vars(walk.state),
                contact_name=contact_name,
                contact_phone=contact_phone,
                channel=Channel.RESIDENT if resident else Channel.APP,
            )
        )
        from_residents.append(resident)
        events_of.append(walk.events)
        records_of.append(walk.records)

    with transaction.atomic():
        _place_in_months(made)
        Incident.objects.bulk_create(made, batch_size=5000)
        with connection.cursor() as cursor:
            events.write_many(
                cursor,
                ((incident.id, event) for incident, history in zip(made, events_of, strict=True) for event in history),
            )
        write_records(made, records_of)
        site_photos(made, events_of, np.random.default_rng(seed + 4))
        write_reports(made, from_residents, residents, now)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE incidents_incident; ANALYZE incidents_incidentevent")
    return len(made)


def _place_in_months(made):
    """Give the cases the ids of their codes' months, with those months' partitions (a year back is
    older than the months the migration and the worker make ahead)."""
    days = [timezone.localdate(incident.received_at) for incident in made]
    if days:
        make_months(min(days), max(days))
    for incident, case_id in zip(made, new_case_ids(days), strict=True):
        incident.id = case_id
