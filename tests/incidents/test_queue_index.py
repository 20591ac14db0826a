"""The dispatcher's queue at a province's size: it reads the cases to handle from their own partial
index (incident_to_handle), never the closed history, and still shows its page in its order."""

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.dispatch import QUEUE_LENGTH
from incidents.models import Incident
from incidents.workflow import act
from tests.incidents.conftest import new_incident


def codes_on(html):
    return re.findall(r'data-code="([^"]+)"', html)


def escalate(city, code):
    act(city.users["grid_worker"], code, "escalate", 1, reason="需社区协调")


def the_queues_page_statement(client):
    """The statement the queue orders and cuts its page with (the one with its ORDER BY and LIMIT)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/dispatch/").status_code == 200
    ordered = [q["sql"] for q in captured.captured_queries if "ORDER BY" in q["sql"] and "LIMIT" in q["sql"]]
    return next(sql for sql in ordered if "incidents_incident" in sql and "CASE WHEN" in sql.split("ORDER BY")[-1])


def partitions_of_the_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'incident_to_handle'::regclass"
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_the_queue_can_read_its_page_from_the_index_of_cases_to_handle(city):
    escalate(city, new_incident(city=city))
    sql = the_queues_page_statement(city.client("community_dispatcher"))
    with connection.cursor() as cursor:
        # a few rows make a sequential scan cheaper; what matters is that the index can serve
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert any(name in plan for name in partitions_of_the_index()), plan


@pytest.mark.django_db
def test_a_queue_of_several_pages_shows_each_page_overdue_first_then_by_deadline(city):
    first = new_incident(city=city)
    escalate(city, first)
    model = Incident.objects.get(code=first)
    now = timezone.now()
    made = []
    for n in range(QUEUE_LENGTH + 3):
        made.append(
            Incident(
                **{f.attname: getattr(model, f.attname) for f in Incident._meta.concrete_fields if f.attname != "id"}
                | {
                    "code": f"{first[:16]}Q{n:06d}",
                    "client_id": uuid.uuid4(),
                    # every third overdue, the others due later and later
                    "due_at": now - timedelta(hours=n) if n % 3 == 0 else now + timedelta(hours=n),
                }
            )
        )
    Incident.objects.bulk_create(made)
    dispatcher = city.client("community_dispatcher")
    shown = codes_on(dispatcher.get("/dispatch/").content.decode())
    shown += codes_on(dispatcher.get("/dispatch/", {"page": 2}).content.decode())
    cases = {i.code: i for i in Incident.objects.filter(code__in=shown)}
    keys = [(0 if cases[c].due_at < now else 1, cases[c].due_at, cases[c].id) for c in shown]
    assert len(shown) == QUEUE_LENGTH + 4 and keys == sorted(keys)
