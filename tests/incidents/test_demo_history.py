"""The demo's history: cases made by walking the workflow's own actions, so events agree with state."""

import pytest
from django.db import connection

from incidents.demo_history import build_history
from incidents.models import Incident, IncidentEvent
from incidents.workflow import ACTIONS


@pytest.fixture
def history(db):
    made = build_history("411381", cases=400, days=60, seed=3)
    assert made > 350  # a few land outside the urban area or in the future and are skipped
    return Incident.objects.filter(fingerprint="demo")


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
    for incident in history[:200]:
        events = list(incident.events.order_by("at", "id"))
        assert events[0].action == "report"
        for previous, event in zip(events, events[1:], strict=False):
            assert (event.from_status, event.from_level) == (previous.to_status, previous.to_level)
            assert event.from_status in ACTIONS[event.action].sources


def test_the_history_has_escalations_ratings_and_reopened_cases(history):
    actions = set(IncidentEvent.objects.filter(incident__in=history).values_list("action", flat=True))
    assert {"escalate", "close", "rate", "reject"} <= actions
    assert history.filter(level="community").exists()
    assert history.exclude(rating=None).exists()
