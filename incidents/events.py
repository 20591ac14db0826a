"""A case's event, described once: its columns, who its actor is, and how every path writes it.

An event says what happened to a case, who did it and when: the action ("report" or one of
incidents.actions.ACTIONS), the status and level it found the case in and those it left it in, and
the reason and note given. It is written in the same transaction as the change it records and never
changed afterwards (a trigger refuses UPDATE and DELETE, migration 0004).

Four paths write events and all of them take them from here: `act` through the ORM (`Event.fields`),
intake inside its one INSERT statement (`insert_sql` and `params`), and the deadline sweep and the
demo history in bulk (`write_many`). The Event itself is made by incidents.actions (`reported`,
`transition`), so the same action writes the same event whichever path takes it.

Two kinds of events have no user, NULL in the actor column: what govgrid does by itself (the
deadline sweep: SYSTEM) and what a resident does by their report's private link (residents/), which
are the actions BY_RESIDENTS. `by_system` and `by_resident` tell them apart, in Python and in SQL,
for the figures (the sweep's escalations; the residents' ratings).
"""

from dataclasses import asdict, dataclass, fields
from datetime import datetime

from govgrid.lib.sqltext import column_type

from .models import IncidentEvent

SYSTEM = None  # the actor of what govgrid does by itself: no user
BY_RESIDENTS = ("rate", "add_note")  # the actions a resident takes with no login (incidents.actions: RESIDENT)


@dataclass(frozen=True)
class Event:
    at: datetime
    actor_id: int | None  # the user who acted, or SYSTEM
    action: str
    from_status: str  # where the action found the case ('' for its report)
    to_status: str  # where it left it
    from_level: str
    to_level: str
    reason: str = ""
    note: str = ""
    department_id: int | None = None  # the department it was sent to or acted for

    def fields(self):
        """The event's columns by name, for the ORM: IncidentEvent(incident=..., **event.fields())."""
        return asdict(self)

    @property
    def by_system(self):
        return self.actor_id is SYSTEM and self.action not in BY_RESIDENTS

    @property
    def by_resident(self):
        return self.actor_id is None and self.action in BY_RESIDENTS


FIELDS = tuple(field.name for field in fields(Event))
COLUMNS = ("incident_id", *FIELDS)  # the table's columns but its id, in the order every path writes them
TABLE = IncidentEvent._meta.db_table


def by_system(alias):
    """SQL: the event aliased `alias` was written by govgrid itself (its actor is SYSTEM)."""
    return f"({alias}.actor_id IS NULL AND {alias}.action NOT IN ({_residents_sql()}))"


def by_resident(alias):
    """SQL: the event aliased `alias` was a resident's, by their private link."""
    return f"({alias}.actor_id IS NULL AND {alias}.action IN ({_residents_sql()}))"


def _residents_sql():
    return ", ".join(f"'{action}'" for action in BY_RESIDENTS)


def insert_sql(source, incident_id, prefix="event"):
    """SQL that writes one event for each row of `source` (a CTE or table name), the case's id
    being the expression `incident_id` and the event's fields the parameters `params` gives, under
    `prefix`. For a statement that writes a case and its event together (intake)."""
    values = [f"%({prefix}_{name})s::{column_type(IncidentEvent, name)}" for name in FIELDS]
    return f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) SELECT {incident_id}, {', '.join(values)} FROM {source}"


def params(event, prefix="event"):
    """The parameters of `insert_sql` for this event."""
    return {f"{prefix}_{name}": value for name, value in event.fields().items()}


_WRITE_MANY_SQL = "INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) RETURNING incident_id, id".format(
    table=TABLE,
    columns=", ".join(COLUMNS),
    arrays=", ".join(f"%({name})s::{column_type(IncidentEvent, name)}[]" for name in COLUMNS),
)


def write_many(cursor, pairs):
    """Write many events in one statement: `pairs` are (incident id, Event). For the sweep and the
    demo history, which write thousands at once. Returns {incident id: the id of its (last) event}."""
    columns = {name: [] for name in COLUMNS}
    for incident_id, event in pairs:
        columns["incident_id"].append(incident_id)
        for name, value in event.fields().items():
            columns[name].append(value)
    if not columns["incident_id"]:
        return {}
    cursor.execute(_WRITE_MANY_SQL, columns)
    return dict(cursor.fetchall())
