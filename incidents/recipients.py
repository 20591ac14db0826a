"""Who is told of what happens to a case, and in which words (notifications).

Every action's event tells the people it concerns, in the same transaction (`tell`):

| action                          | told                                                              |
|---------------------------------|-------------------------------------------------------------------|
| dispatch                        | the people of each department it was sent to (lead, co-handlers)  |
| sign, contest, extend, verify   | the dispatchers of the case's area                                |
| approve / refuse an extension   | who asked for it                                                  |
| escalate                        | the dispatchers of the area it now is at                          |
| return, supervise, reopen,      | its holders: the department's people while it is with one, else   |
| rework, park, resume, a         | the area's dispatchers (and the grid's workers at the grid)       |
| resident's note                 |                                                                   |
| resolve                         | the grid's workers when it needs verification, else dispatchers   |
| close, reject                   | who reported it                                                   |
| a call-back not satisfied, a    | the dispatchers of the case's area, who decide on rework          |
| poor rating                     |                                                                   |

The worker adds the warnings the time gives (incidents.reminders): a deadline near (at
DEADLINE_WARNING of its time) and passed, to the holders; a parked case's review date, to the
area's dispatchers. Whoever acted is never told of their own act.
"""

from django.utils.translation import gettext as _

from grids.models import Assignment, Level, Role
from notifications import outbox
from notifications.messages import renders

from .actions import area_at
from .models import Dispatch
from .words import event_label

CASE_KIND = "case"  # notifications of kind "case:<action>" or "case:due-soon", "case:overdue", "case:review"


def _users(**filters):
    return set(
        Assignment.objects.active()
        .filter(person__user__isnull=False, **filters)
        .values_list("person__user_id", flat=True)
    )


def dispatchers_of(area_code):
    return dispatchers_by_area([area_code]).get(area_code, set())


def dispatchers_by_area(codes):
    """{area code: its dispatchers' user ids}, in one query."""
    found = {}
    rows = (
        Assignment.objects.active()
        .filter(person__user__isnull=False, role=Role.DISPATCHER, area__code__in=list(codes))
        .values_list("area__code", "person__user_id")
    )
    for code, user_id in rows:
        found.setdefault(code, set()).add(user_id)
    return found


def deciders_of(incident):
    """The dispatchers who decide on the case (its rework after a poor rating or call-back): those of
    its area, or, for a case still at its grid, of the grid's community."""
    codes = [incident.area_code, area_at(incident.grid.code, Level.COMMUNITY)]
    found = dispatchers_by_area(codes)
    return next((found[code] for code in codes if found.get(code)), set())


def grid_workers_of(grid_code):
    return _users(role=Role.GRID_WORKER, area__code=grid_code)


def department_people(department_ids):
    return _users(department_id__in=list(department_ids)) if department_ids else set()


def holders(incident):
    """Who must act on the case now: its department's people, else its area's (at the grid, the grid's
    workers; above, the dispatchers)."""
    if incident.department_id:
        return department_people([incident.department_id])
    if incident.area_code == incident.grid.code:
        return grid_workers_of(incident.area_code) | dispatchers_of(incident.area_code)
    return dispatchers_of(incident.area_code)


def told_of(incident, event):
    """The users an event of the case tells (before removing its actor)."""
    action = event.action
    if action == "dispatch":
        departments = Dispatch.objects.filter(incident=incident, ended_at__isnull=True, dispatched_at=event.at)
        return department_people(departments.values_list("department_id", flat=True))
    if action in ("sign", "contest", "extend", "verify", "escalate"):
        return dispatchers_of(incident.area_code)
    if action in ("approve_extension", "refuse_extension"):
        latest = incident.extensions.order_by("-decided_at", "-id").first()
        return {latest.requested_by_id} if latest else set()
    if action in ("return", "supervise", "reopen", "rework", "park", "unpark", "add_note"):
        return holders(incident)
    if action == "resolve":
        return (
            grid_workers_of(incident.grid.code) if incident.needs_verification else dispatchers_of(incident.area_code)
        )
    if action in ("close", "reject"):
        return {incident.reporter_id}
    if action in ("callback", "rate") and incident.awaits_rating_decision:
        return deciders_of(incident)
    return set()


def tell_escalations(escalated):
    """tell() for the sweep's escalations, in one query and one statement: [(case code, the area it
    now is at, its event's id, its Event)]."""
    dispatchers = dispatchers_by_area({area_code for _code, area_code, _id, _event in escalated})
    outbox.queue_many(
        (user_id, f"event:{event_id}", f"{CASE_KIND}:escalate", _params(code, event), f"/dispatch/{code}/", event.at)
        for code, area_code, event_id, event in escalated
        for user_id in dispatchers.get(area_code, ())
    )


def _params(code, event):
    return {"case": code, "action": event.action, "reason": event.reason[:200]}


# Others told of a case's events, registered by their apps (residents: the resident who left a phone):
# each is called with (incident, event) in the event's transaction.
LISTENERS = []


def also_tell(listener):
    if listener not in LISTENERS:
        LISTENERS.append(listener)
    return listener


def tell(incident, event):
    """Queue the notifications of a case's event just written (IncidentEvent), in its transaction."""
    for listener in LISTENERS:
        listener(incident, event)
    users = told_of(incident, event) - {event.actor_id}
    source, kind = f"event:{event.pk}", f"{CASE_KIND}:{event.action}"
    outbox.queue(users, source, kind, _params(incident.code, event), case_url(incident), event.at)


def case_url(incident):
    return f"/dispatch/{incident.code}/"


@renders(CASE_KIND)
def case_words(notification):
    """(title, body) of a case's notification."""
    what = notification.kind.split(":", 1)[1]
    params = notification.params
    code = params.get("case", "")
    if what == "due-soon":
        title = _("Case %(code)s is due at %(due)s") % {"code": code, "due": params.get("due", "")}
    elif what == "overdue":
        title = _("Case %(code)s is overdue (it was due at %(due)s)") % {"code": code, "due": params.get("due", "")}
    elif what == "review":
        title = _("Parked case %(code)s is due for review") % {"code": code}
    else:
        title = _("Case %(code)s: %(action)s") % {"code": code, "action": event_label(what)}
    body = params.get("reason") or ""
    return title, body
