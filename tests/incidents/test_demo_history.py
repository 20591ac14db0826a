"""The demo's history: cases made by walking the workflow's own actions, so events agree with state,
with what `act` and `escalate_overdue` would have written, and with who may do what."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from demo.history import SWEEP_EVERY, build_history
from govgrid.lib.worktime import deadline
from grids.models import CODE_LENGTH, Level
from grids.scopes import Scope
from incidents.actions import ACTIONS, DEPARTMENT, HOLDER, POOR_RATING, overdue_reason, rating_reason
from incidents.events import BY_RESIDENTS
from incidents.models import OPEN_STATUSES, Incident, IncidentEvent
from incidents.workflow import _check_allowed

LEVELS = ["grid", "community", "street"]


@pytest.fixture
def history(db):
    started = timezone.now()
    made = build_history("411381", cases=400, days=60, seed=3)
    assert made > 350  # a few land outside the urban area and are skipped
    cases = Incident.objects.filter(fingerprint="demo").select_related("category", "grid")
    return SimpleNamespace(cases=cases, started=started)


def test_every_cases_last_event_is_its_current_status_and_level(history):
    with connection.cursor() as cursor:
        cursor.execute("""
            WITH last AS (SELECT DISTINCT ON (incident_id) incident_id, to_status, to_level
                          FROM incidents_incidentevent ORDER BY incident_id, at DESC, id DESC)
            SELECT count(*) FROM incidents_incident i JOIN last l ON l.incident_id = i.id
            WHERE i.fingerprint = 'demo' AND (l.to_status <> i.status OR l.to_level <> i.level)
        """)
        assert cursor.fetchone()[0] == 0


def test_every_step_starts_where_the_previous_one_ended_and_is_allowed_there(history):
    for incident in history.cases[:200]:
        events = list(incident.events.order_by("at", "id"))
        assert events[0].action == "report"
        for previous, event in zip(events, events[1:], strict=False):
            assert (event.from_status, event.from_level) == (previous.to_status, previous.to_level)
            assert event.from_status in ACTIONS[event.action].sources


def test_the_history_has_escalations_ratings_and_reopened_cases(history):
    events = IncidentEvent.objects.filter(incident__in=history.cases)
    assert {"escalate", "close", "rate", "reject", "reopen", "return"} <= set(events.values_list("action", flat=True))
    assert events.filter(action="escalate", actor=None).exists()  # by the deadline sweep
    assert history.cases.filter(level="community").exists()
    assert history.cases.exclude(rating=None).exists()


def test_ratings_follow_the_workflows_rules(history):
    """Once per resolution, by the reporter (the resident, with no actor, for a case from a resident's
    report), never by the one who resolved the case; a poor rating
    never reopens a case by itself: a dispatcher reopens it or keeps it closed, or it still waits."""
    poor = {rating_reason(n) for n in range(1, POOR_RATING + 1)}
    decided = set()
    for incident in history.cases.exclude(rating=None):
        resolver, rated, waiting = None, False, False
        for event in incident.events.order_by("at", "id"):
            if event.action == "resolve":
                resolver, rated = event.actor_id, False
            elif event.action == "rate":
                rater = None if incident.channel == "resident" else incident.reporter_id
                assert not rated and event.actor_id == rater and (rater is None or rater != resolver)
                assert event.to_status == event.from_status  # a rating changes no status
                rated, waiting = True, event.reason in poor
            elif event.action in ("reopen", "keep_closed"):
                assert waiting, incident.code  # here only as a dispatcher's answer to a poor rating
                waiting = False
                decided.add(event.action)
        assert incident.awaits_rating_decision == waiting, incident.code
    assert decided == {"reopen", "keep_closed"}


def test_about_one_case_in_five_carries_a_residents_contact(history):
    """Personal data to mask: the demo's exports and pages show it only to the roles that may see it."""
    with_contact = history.cases.exclude(contact_phone="")
    assert 0.12 < with_contact.count() / history.cases.count() < 0.28
    assert not with_contact.filter(contact_name="").exists()
    assert all(len(phone) == 11 and phone[0] == "1" for phone in with_contact.values_list("contact_phone", flat=True))


def test_cases_arrive_in_local_working_hours(history):
    hours = {timezone.localtime(at).hour for at in history.cases.values_list("received_at", flat=True)}
    assert hours <= {8, 9, 10, 11, 14, 15, 16, 17, 19}


def replay(incident, events, started):
    """Walk the events as act and escalate_overdue would have made them, checking each on the way;
    returns (status, level, due time, version) as they would have left the case."""
    category = incident.category
    status, level, version = "reported", "grid", 1
    due = deadline(incident.received_at, category.deadline_grid_hours, category.calendar_time)
    sweep_round = timedelta(seconds=SWEEP_EVERY)
    for event in events[1:]:
        assert (event.from_status, event.from_level) == (status, level)
        if status in OPEN_STATUSES and level != "street":
            # The sweep runs every round: nothing else happens to an overdue case before it.
            assert event.at <= due + sweep_round
        if event.actor_id is None and event.action not in BY_RESIDENTS:  # the sweep
            assert (event.action, event.reason) == ("escalate", overdue_reason())
            assert due < event.at
        status, level = event.to_status, event.to_level
        if event.action in ("escalate", "return"):
            assert LEVELS.index(level) - LEVELS.index(event.from_level) == (1 if event.action == "escalate" else -1)
            due = deadline(event.at, category.deadline_hours(level), category.calendar_time)
        elif event.action == "reopen":
            due = deadline(event.at, category.deadline_hours(level), category.calendar_time)
        version += 1  # one action, one new version
    if status in OPEN_STATUSES and level != "street":
        assert due >= started - sweep_round  # the sweep had run up to the moment the history was made
    return status, level, due, version


def test_events_agree_with_what_act_and_the_sweep_would_have_written(history):
    """Here for the cases that stay with the grid, community and street (the departments' deadlines
    are the routing's: test_one_description replays those cases through the description itself)."""
    for incident in history.cases.exclude(dispatches__isnull=False):
        events = list(incident.events.order_by("at", "id"))
        expected = replay(incident, events, history.started)
        assert expected == (incident.status, incident.level, incident.due_at, incident.version), incident.code
        assert incident.area_code == incident.grid.code[: CODE_LENGTH[Level(incident.level)]]


def test_everyone_in_the_history_acted_within_their_scope(history):
    scopes = {}

    def scope_of(user):
        if user.pk not in scopes:
            scopes[user.pk] = Scope.for_user(user)
        return scopes[user.pk]

    events = (
        IncidentEvent.objects.filter(incident__in=history.cases)
        .exclude(actor=None)
        .select_related("actor", "incident__grid")
        .order_by("incident_id", "at", "id")
    )
    checked = set()
    for event in events:
        incident = event.incident
        if event.action == "report":
            assert scope_of(event.actor).changes(incident.grid.code)
            continue
        spec = ACTIONS[event.action]
        checked.add(event.action)
        if event.department_id and (DEPARTMENT in spec.who or HOLDER in spec.who):
            # a department's part: its people (the dispatch in force then is the demo's to keep)
            assert scope_of(event.actor).serves_in(event.department_id), (incident.code, event.action)
            continue
        where = SimpleNamespace(
            code=incident.code,
            reporter_id=incident.reporter_id,
            channel=incident.channel,
            area_code=incident.grid.code[: CODE_LENGTH[Level(event.from_level)]],
            grid=incident.grid,
            department_id=None if event.action == "dispatch" else event.department_id,
        )
        _check_allowed(event.actor, scope_of(event.actor), where, spec)  # raises Forbidden if not
    assert {"accept", "resolve", "close", "escalate", "rate", "dispatch", "sign", "verify"} <= checked


def test_the_cases_verified_on_site_show_before_and_after_pictures(db):
    """The demo draws the reporter's before and the grid worker's after picture of each case verified
    on site, the after taken at the verification, close to the case, with no metadata. Verified cases
    are the departments' closed ones, a few in a hundred, and how many of them have closed by now
    depends on the working days before today: 1,200 cases hold about fifteen whatever the date."""
    from django.conf import settings
    from PIL import Image

    from incidents.models import IncidentPhoto

    build_history("411381", cases=1200, days=60, seed=3)
    cases = Incident.objects.filter(fingerprint="demo")
    verified = cases.filter(events__action="verify").distinct()
    assert verified.count() >= 3
    for incident in verified:
        before, after = (incident.photos.get(kind=kind) for kind in ("before", "after"))
        verify = incident.events.filter(action="verify").order_by("-at").first()
        assert (after.uploaded_by_id, after.uploaded_at) == (verify.actor_id, verify.at)
        assert (before.uploaded_by_id, before.uploaded_at) == (incident.reporter_id, incident.reported_at)
        assert after.location.distance(incident.location) * 111_000 < settings.VERIFY_MAX_DISTANCE_M
        with Image.open(after.file.path) as picture:
            assert picture.format == "JPEG" and not picture.getexif() and picture.info.get("exif") is None
    assert not IncidentPhoto.objects.filter(incident__in=cases.exclude(pk__in=verified)).exists()
