"""The deadline sweep: every overdue open case below the top level, escalated one level by the system.
A case with a department is not escalated: its lateness is the department's (incidents.departments).

It is the `escalate` action of incidents.actions, taken by SYSTEM with the reason "deadline passed":
the same `transition` as a person's escalation, so the case and its event are what `act` would have
written at that moment. Set-based all the same, in three statements whatever the number of cases:
one takes the overdue rows with FOR UPDATE SKIP LOCKED (a sweep running beside another never takes
the same case twice, and one a dispatcher is acting on right now is left for the next round: its
version then moves on, so whichever comes second is refused or finds the case no longer overdue),
one writes their new states, one their events. Deadlines are computed once per category and level:
every case moves at the same moment.
"""

from functools import cache

from django.db import connection, transaction
from django.utils import timezone

from govgrid.lib.sqltext import column_type, is_in
from govgrid.lib.worktime import deadline

from . import events, recipients
from .actions import LEVELS, IncidentState, overdue_reason, transition
from .models import Category, Incident, is_open_sql

STATE_FIELDS = tuple(IncidentState.__dataclass_fields__)

# The open cases past their deadline below the top level, locked for this transaction.
DUE_SQL = f"""
SELECT i.id, i.code, g.code, i.category_id, {", ".join(f"i.{name}" for name in STATE_FIELDS)}
FROM incidents_incident i JOIN grids_area g ON g.id = i.grid_id
WHERE {is_open_sql("i.status")} AND {is_in("i.level", LEVELS[:-1])} AND i.due_at < %(now)s
  AND i.department_id IS NULL
ORDER BY i.id
FOR UPDATE OF i SKIP LOCKED
"""


_WRITE_STATES_SQL = """
UPDATE incidents_incident i SET {assignments}
FROM unnest(%(id)s::bigint[], {arrays}) AS new(id, {names})
WHERE i.id = new.id
""".format(
    assignments=", ".join(f"{name} = new.{name}" for name in STATE_FIELDS),
    arrays=", ".join(f"%({name})s::{column_type(Incident, name)}[]" for name in STATE_FIELDS),
    names=", ".join(STATE_FIELDS),
)


def escalate_overdue(now=None):
    """Move every overdue open case up one level with its event; returns how many moved."""
    now = now or timezone.now()
    reason = overdue_reason()
    deadline_of = cache(deadline)  # every case moves at `now`: one deadline per hours and calendar
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(DUE_SQL, {"now": now})
        due = cursor.fetchall()
        if not due:
            return 0
        categories = Category.objects.in_bulk({row[3] for row in due})
        moved, written, codes = [], [], {}
        for incident_id, code, grid_code, category_id, *state in due:
            codes[incident_id] = code
            after, event = transition(
                "escalate",
                IncidentState(*state),
                grid_code,
                categories[category_id],
                now,
                events.SYSTEM,
                reason,
                deadline_of=deadline_of,
            )
            moved.append((incident_id, after))
            written.append((incident_id, event))
        _write_states(cursor, moved)
        ids = events.write_many(cursor, written)
        states = dict(moved)
        recipients.tell_escalations(
            [
                (codes[incident_id], states[incident_id].area_code, ids[incident_id], event)
                for incident_id, event in written
            ]
        )
        return len(moved)


def _write_states(cursor, pairs):
    """Write the new states of many cases in one statement: `pairs` are (incident id, IncidentState)."""
    columns = {"id": [incident_id for incident_id, _state in pairs]}
    for name in STATE_FIELDS:
        columns[name] = [getattr(state, name) for _id, state in pairs]
    cursor.execute(_WRITE_STATES_SQL, columns)
