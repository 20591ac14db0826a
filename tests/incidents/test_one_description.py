"""One description of an event and of each action's effect (incidents.events, incidents.actions):
intake, a person's action, the deadline sweep and the demo history all write what it says, so the
same action leaves the same case and the same event whichever path took it."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone as django_timezone

from demo.history import build_history
from grids.models import Department, Level
from incidents import events
from incidents.actions import (
    REGRID,
    Details,
    IncidentState,
    overdue_reason,
    rating_reason,
    regridded,
    reported,
    transition,
)
from incidents.departments import handling_hours
from incidents.events import SYSTEM, Event
from incidents.models import (
    OPEN_STATUSES,
    RESOLVED_STATUSES,
    Incident,
    IncidentEvent,
    Status,
    is_open_sql,
    is_resolved_sql,
)
from incidents.sweep import escalate_overdue
from tests.incidents.conftest import new_incident, step, user


def stored_events(incident):
    rows = IncidentEvent.objects.filter(incident=incident).order_by("at", "id")
    return [Event(**{name: getattr(row, name) for name in events.FIELDS}) for row in rows]


def case(code):
    return Incident.objects.select_related("category", "grid").get(code=code)


def replay(incident):
    """The states and events the description gives for this case's stored events, in order, from
    its report on, with what each action took read back from what it left (details_of)."""
    history = stored_events(incident)
    state, made = reported(incident.category, history[0].at, history[0].actor_id, incident.grid.code)
    replayed = [made]
    for event in history[1:]:
        if event.action == REGRID:  # a re-division moved it: the note names both grids
            old_code, new_code = event.note.split(" → ")
            state, made = regridded(state, old_code, new_code, event.at, event.actor_id)
            replayed.append(made)
            continue
        details = details_of(incident, event, state)
        state, made = transition(
            event.action,
            state,
            incident.grid.code,
            incident.category,
            event.at,
            event.actor_id,
            event.reason,
            event.note,
            details,
        )
        replayed.append(made)
    return state, replayed


def details_of(incident, event, state):
    """What an action took besides its reason and note, read back from its records: a rating from
    its reason, a department's handling time from the routing, a co-handler from its dispatch, an
    approved due time from its extension, a call-back's answer from its row, a review date from the
    case (the only one it may have, as the demo parks a case once)."""
    action, street = event.action, incident.grid.code[:9]
    department_id = event.department_id if action in ("dispatch", "sign", "contest") else state.department_id
    hours = None
    if department_id and action in ("dispatch", "unpark", "reopen", "rework"):
        hours = handling_hours(incident.category, Department.objects.get(pk=department_id), street)
    if action == "rate":
        rating = next((r for r in range(1, 6) if rating_reason(r) == event.reason), None)
        return Details(rating=rating, comment=event.note)
    if action in ("sign", "contest"):
        dispatch = incident.dispatches.filter(department_id=department_id, dispatched_at__lte=event.at).latest("id")
        return Details(department_id=department_id, lead=dispatch.role == "lead")
    if action == "approve_extension":
        return Details(due_at=incident.extensions.get(decided_at=event.at).due_asked)
    if action == "park":
        return Details(review_on=incident.review_on)
    if action == "callback":
        return Details(satisfied=incident.callbacks.get(at=event.at).satisfied)
    return Details(department_id=department_id if action == "dispatch" else None, handling_hours=hours)


@pytest.fixture
def two_accepted_cases(clock, city):
    """Two cases alike, reported and accepted by grid_worker at the same moment, then past due."""
    codes = new_incident("井盖缺失", city), new_incident("井盖松动", city)
    for code in codes:
        step(code, "grid_worker", "accept", city=city)
    clock.at += timedelta(days=10)  # both are overdue at the grid by now
    return codes


def test_the_sweep_escalates_a_case_exactly_as_a_person_does_but_for_the_actor(clock, city, two_accepted_cases):
    by_hand, by_sweep = two_accepted_cases
    before = IncidentState.of(case(by_hand))
    assert before == IncidentState.of(case(by_sweep))

    step(by_hand, "grid_worker", "escalate", city=city, reason=overdue_reason())
    escalate_overdue(clock.at)

    hand, sweep = case(by_hand), case(by_sweep)
    hand_event, sweep_event = stored_events(hand)[-1], stored_events(sweep)[-1]
    assert sweep_event == replace(hand_event, actor_id=SYSTEM)
    assert IncidentState.of(hand) == IncidentState.of(sweep)
    assert IncidentState.of(sweep).level == Level.COMMUNITY
    # ... and both are what the description says for that moment.
    expected_state, expected_event = transition(
        "escalate", before, hand.grid.code, hand.category, clock.at, SYSTEM, overdue_reason()
    )
    assert (IncidentState.of(sweep), sweep_event) == (expected_state, expected_event)
    assert sweep_event.by_system and not hand_event.by_system


def test_intake_writes_the_first_state_and_report_event_the_description_gives(clock, city):
    incident = case(new_incident(city=city))
    state, report = reported(incident.category, incident.received_at, user("grid_worker", city).pk, incident.grid.code)
    assert stored_events(incident) == [report]
    assert IncidentState.of(incident) == state


def test_a_cases_stored_events_replay_to_its_state_whichever_paths_wrote_them(clock, city, two_accepted_cases):
    by_hand, by_sweep = two_accepted_cases
    step(by_hand, "grid_worker", "escalate", city=city, reason="超出网格处置能力")
    escalate_overdue(clock.at)
    for code in (by_hand, by_sweep):
        step(code, "community_dispatcher", "accept", city=city)
        step(code, "community_dispatcher", "resolve", city=city)
        step(code, "street_dispatcher", "close", city=city)
        step(code, "grid_worker", "rate", city=city, rating=2, comment="又坏了")
        step(code, "street_dispatcher", "reopen", city=city, reason="回访核实问题仍在")
    for code in (by_hand, by_sweep):
        incident = case(code)
        state, replayed = replay(incident)
        assert replayed == stored_events(incident)
        assert state == IncidentState.of(incident)


def test_a_case_a_re_division_moved_replays_to_its_state(clock, city):
    from django.contrib.gis.geos import LineString

    from grids import generations

    code = new_incident(city=city)
    step(code, "grid_worker", "accept", city=city)
    grid = case(code).grid
    x0, y0, x1, y1 = grid.geom.extent
    draft = generations.start_draft(city.code)
    middle = (x0 + x1) / 2
    generations.split(draft.id, grid.code, LineString((middle, y0 - 0.001), (middle, y1 + 0.001), srid=4326))
    generations.activate(draft.id, user=city.users["admin"])
    clock.at = django_timezone.now() + timedelta(minutes=1)  # the activation's moment is the real one
    step(code, "community_dispatcher", "resolve", city=city)
    incident = case(code)
    assert incident.grid.code != grid.code and REGRID in [e.action for e in stored_events(incident)]
    state, replayed = replay(incident)
    assert replayed == stored_events(incident)
    assert state == IncidentState.of(incident)


def test_every_demo_case_replays_to_its_state_and_events(db):
    build_history("411381", cases=300, days=60, seed=11)
    cases = Incident.objects.filter(fingerprint="demo").select_related("category", "grid")
    assert cases.count() > 250
    for incident in cases:
        state, replayed = replay(incident)
        assert replayed == stored_events(incident), incident.code
        assert state == IncidentState.of(incident), incident.code


@pytest.mark.parametrize(
    ("statuses", "rendering"), [(OPEN_STATUSES, is_open_sql), (RESOLVED_STATUSES, is_resolved_sql)]
)
def test_the_sql_status_sets_select_what_the_python_sets_hold(db, statuses, rendering):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status FROM unnest(%s::text[]) AS status WHERE {rendering('status')}",
            [list(Status.values)],
        )
        assert {row[0] for row in cursor.fetchall()} == set(statuses)
