"""The words of a case, stated once: its status as people read it, the events of its timeline and
its levels. Pages, the API's labels, the phone page (through its config) and the templates' filters
all take them from here; the machine values in JSON and exports (`reported`, `escalate`, …) stay.

| act (event)        | 中文     | status it leaves          | 中文     |
|--------------------|----------|---------------------------|----------|
| report             | 上报     | reported                  | 已上报   |
| escalate           | 提级     | reported, one level up    | 已提级   |
| return             | 退回     | reported, one level down  | 已退回   |
| reject             | 不予受理 | rejected                  | 不予受理 |

A case escalated or returned waits again with the status `reported` at its new level; it is named
by how it arrived there, so that an escalated case never reads 已上报 again.
"""

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from grids.models import Level

from .actions import ACTIONS, REGRID, REPORT
from .events import BY_RESIDENTS
from .models import IncidentEvent, Status

ARRIVED_BY = {"escalate": _("escalated"), "return": _("returned")}
# the events that are not workflow actions: the report, and a move by a re-division of the grids
EVENT_LABELS = {REPORT: _("reported the case"), REGRID: _("moved to a new grid by a re-division")}


def status_label(status, arrived_by=""):
    """A case's status in words; `arrived_by` is the action that last made it `reported`."""
    if status == Status.REPORTED and arrived_by in ARRIVED_BY:
        return ARRIVED_BY[arrived_by]
    return Status(status).label if status in Status.values else status or "—"


def case_status_label(incident):
    """The status of a case in words (read `with_arrival` to spare a query per case)."""
    return status_label(incident.status, arrived_by(incident))


def arrived_by(incident):
    """The action that last made the case `reported`: its annotation from `with_arrival`, else one
    query, and none at all for a case untouched since its report (version 1) or not `reported`."""
    if hasattr(incident, "arrived_by"):
        return incident.arrived_by or ""
    if incident.status != Status.REPORTED or incident.version == 1:
        return "report"
    last = incident.events.filter(to_status=Status.REPORTED).order_by("-at", "-id").values_list("action", flat=True)
    return next(iter(last[:1]), "report")


def event_label(action):
    if action in ACTIONS:
        return ACTIONS[action].label
    return EVENT_LABELS.get(action, action)


def actor_label(event):
    """Who took an event, in words: the person's name; with no person, the resident (their rating by
    the private link, residents/) or govgrid itself (the deadline sweep)."""
    if event.actor_id is not None:
        return event.actor.first_name or event.actor.username
    return _("the resident") if event.action in BY_RESIDENTS else _("automatic (deadline sweep)")


def level_label(level):
    return Level(level).label if level in Level.values else level or "—"


def with_arrival(incidents):
    """Cases annotated with `arrived_by`: the action of the last event that made them `reported`
    (report, escalate or return), one index look-up per case on the events' incident key."""
    last = IncidentEvent.objects.filter(incident=OuterRef("pk"), to_status=Status.REPORTED).order_by("-at", "-id")
    return incidents.annotate(arrived_by=Subquery(last.values("action")[:1]))


def timeline(events):
    """Events, oldest first, with their words: each status named by the action that led to it."""
    rows, previous = [], ""
    for event in events:
        rows.append(
            {
                "event": event,
                "action_label": event_label(event.action),
                "from_status_label": status_label(event.from_status, previous) if event.from_status else "—",
                "to_status_label": status_label(event.to_status, event.action),
                "from_level_label": level_label(event.from_level),
                "to_level_label": level_label(event.to_level),
                "actor_label": actor_label(event),
            }
        )
        if event.to_status != event.from_status or event.action in ARRIVED_BY:
            previous = event.action
    return rows


def phone_words():
    """What the phone page needs to name statuses itself: the labels, and those of arrival."""
    return {
        "statuses": {value: str(label) for value, label in Status.choices},
        "arrived": {action: str(label) for action, label in ARRIVED_BY.items()},
    }
