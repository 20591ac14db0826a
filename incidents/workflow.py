"""The case workflow: every change of a case's status or level, in one place.

reported → accepted → in progress → resolved → closed; escalated up one level (grid → community →
street; the street is the top); returned down one level with a reason; rejected as invalid or as a
duplicate; reopened after a failed check; rated by its reporter, once for each time it is
resolved, and never by the one who resolved it. A poor rating does not reopen the case by itself: it
marks the case for a dispatcher, who reopens it or keeps it as it is (`keep_closed`, for a closed
case; a resolved one is verified and closed, or reopened, as any other), each with its event.

Each action is one call of `act`: inside one transaction it locks the case's row, checks the
version the caller saw (a stale one is refused with the current state, so two dispatchers acting at
once never both succeed), checks who may do it, changes the case and writes its event.
Deadlines restart at each level from the category's hours for that level, and again when a case
is reopened, in working time unless the category counts calendar time (govgrid.lib.worktime).
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govgrid.errors import Conflict, GovgridError, NotFound
from govgrid.lib.worktime import deadline
from grids.models import CODE_LENGTH, Assignment, Level, Role
from grids.scopes import Forbidden, Scope

from .models import Incident, IncidentEvent, Status

LEVELS = [Level.GRID, Level.COMMUNITY, Level.STREET]


@dataclass(frozen=True)
class Action:
    sources: tuple  # statuses it may start from
    target: str | None  # the status it leads to (None: unchanged)
    who: str  # "handler": may change the case's area; "dispatcher": a dispatcher over it; "reporter"
    needs_reason: bool = False
    label: str = ""
    # Four eyes: whoever resolved the case may not take this action on that resolution.
    not_by_resolver: bool = False


ACTIONS = {
    "accept": Action((Status.REPORTED,), Status.ACCEPTED, "handler", label=gettext_lazy("accept")),
    "start": Action((Status.ACCEPTED,), Status.IN_PROGRESS, "handler", label=gettext_lazy("start")),
    "resolve": Action((Status.ACCEPTED, Status.IN_PROGRESS), Status.RESOLVED, "handler", label=gettext_lazy("resolve")),
    "close": Action(
        (Status.RESOLVED,), Status.CLOSED, "dispatcher", label=gettext_lazy("verify and close"), not_by_resolver=True
    ),
    "escalate": Action(
        (Status.REPORTED, Status.ACCEPTED, Status.IN_PROGRESS),
        Status.REPORTED,
        "handler",
        needs_reason=True,
        label=gettext_lazy("escalate"),
    ),
    "return": Action(
        (Status.REPORTED, Status.ACCEPTED),
        Status.REPORTED,
        "dispatcher",
        needs_reason=True,
        label=gettext_lazy("return"),
    ),
    "reject": Action(
        (Status.REPORTED, Status.ACCEPTED), Status.REJECTED, "handler", needs_reason=True, label=gettext_lazy("reject")
    ),
    "reopen": Action(
        (Status.RESOLVED, Status.CLOSED),
        Status.IN_PROGRESS,
        "dispatcher",
        needs_reason=True,
        label=gettext_lazy("reopen"),
    ),
    "rate": Action((Status.RESOLVED, Status.CLOSED), None, "reporter", label=gettext_lazy("rate")),
    "keep_closed": Action(
        (Status.CLOSED,), None, "dispatcher", needs_reason=True, label=gettext_lazy("keep closed despite the rating")
    ),
}
POOR_RATING = 2  # a rating of 2 or less waits for a dispatcher's decision
# The dispatcher's decisions on a case whose poor rating awaits one: each settles it.
RATING_DECISIONS = ("reopen", "close", "keep_closed")
# Lengths the event log and the case can hold; the note has no column limit but is kept to what a
# page or a phone sends (the API's ActionRequest has the same limits).
REASON_MAX = IncidentEvent._meta.get_field("reason").max_length
COMMENT_MAX = Incident._meta.get_field("rating_comment").max_length
NOTE_MAX = 2000
# How the fields of an action are named in messages to the user (pages and the API's 400 answers).
FIELD_LABELS = {
    "version": gettext_lazy("version"),
    "action": gettext_lazy("action"),
    "reason": gettext_lazy("Reason"),
    "note": gettext_lazy("Note"),
    "rating": gettext_lazy("satisfaction"),
    "comment": gettext_lazy("rating comment"),
    "duplicate_of": gettext_lazy("duplicate of"),
}


class StaleVersion(Conflict):
    code = "stale"


def rating_reason(rating):
    """What the `rate` event records as its reason: the rating given."""
    return _("Satisfaction rating: %(rating)d out of 5") % {"rating": rating}


def overdue_reason():
    """The reason of an escalation by the deadline sweep (its event has no actor)."""
    return _("deadline passed")


def event_fields(at, actor_id, action, before, status, level, reason="", note=""):
    """An event's fields: `before` is the (status, level) the action started from, `status` and
    `level` where it left the case. For act and for the demo history that replays it."""
    return {
        "at": at,
        "actor_id": actor_id,
        "action": action,
        "from_status": before[0],
        "to_status": status,
        "from_level": before[1],
        "to_level": level,
        "reason": reason,
        "note": note,
    }


def act(user, code, action, version, reason="", note="", rating=None, comment="", duplicate_of=None, scope=None):
    """Carry out `action` on the case with this code, as `user`, who saw `version`. Returns the case."""
    if action not in ACTIONS:
        raise NotFound(_("No such action: %(action)s.") % {"action": action}, field="action")
    spec = ACTIONS[action]
    scope = scope or Scope.for_user(user)
    reason, note, comment = (reason or "").strip(), (note or "").strip(), (comment or "").strip()
    _check_lengths(reason=reason, note=note, comment=comment)
    if spec.needs_reason and not reason:
        raise GovgridError(_("Give a reason to %(action)s a case.") % {"action": spec.label}, field="reason")
    now = timezone.now()
    with transaction.atomic():
        # The row lock makes a second actor wait here until the first one's transaction ends; it then
        # reads the new version and is refused as stale. Only the case's row: locking its category
        # and grid too (FOR UPDATE over the join) would hold up every report filed in that category.
        incident = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("category", "grid")
            .filter(code=code)
            .first()
        )
        if incident is None or not scope.sees_case(incident):
            raise NotFound(_("No case has the code %(code)s.") % {"code": code}, field="code")
        if version != incident.version:
            raise StaleVersion(
                _("The case changed since you saw it: it is now %(status)s at the %(level)s level (version %(v)d).")
                % {
                    "status": Status(incident.status).label,
                    "level": Level(incident.level).label,
                    "v": incident.version,
                },
                field="version",
                status=incident.status,
                level=incident.level,
                version=incident.version,
            )
        if incident.status not in spec.sources:
            raise Conflict(
                _("A case that is %(status)s cannot be given the action “%(action)s”.")
                % {"status": Status(incident.status).label, "action": spec.label},
                field="action",
                status=incident.status,
                level=incident.level,
                version=incident.version,
            )
        _check_allowed(user, scope, incident, spec)
        _check_rating_rules(user, incident, action)
        _check_not_resolver(user, incident, spec)
        before = (incident.status, incident.level)
        events = [(action, spec.target or incident.status, reason, note)]
        if action == "escalate":
            _move(incident, +1, now)
        elif action == "return":
            _move(incident, -1, now)
        elif action == "reject":
            incident.duplicate_of = _duplicate(duplicate_of, incident, scope)
        elif action == "reopen":
            _restart_deadline(incident, now)
        elif action == "rate":
            incident.rating, incident.rating_comment = _rating(rating), comment
            # The event keeps what the reporter said: the rating as its reason, the comment as its note.
            events = [(action, incident.status, rating_reason(incident.rating), comment or note)]
            incident.awaits_rating_decision = incident.rating <= POOR_RATING
        if action in RATING_DECISIONS:
            incident.awaits_rating_decision = False
        for name, status, event_reason, event_note in events:
            incident.status = status
            IncidentEvent.objects.create(
                incident=incident,
                **event_fields(now, user.pk, name, before, status, incident.level, event_reason, event_note),
            )
            before = (status, incident.level)
        incident.version += 1
        incident.save()
    return incident


def allowed_actions(user, scope, incident):
    """The actions this user may take on this case now, in ACTIONS order (for pages' buttons)."""
    names = []
    for name, spec in ACTIONS.items():
        if incident.status not in spec.sources:
            continue
        if name == "escalate" and incident.level == Level.STREET or name == "return" and incident.level == Level.GRID:
            continue
        try:
            _check_allowed(user, scope, incident, spec)
            _check_rating_rules(user, incident, name)
            _check_not_resolver(user, incident, spec)
        except (Forbidden, Conflict):
            continue
        names.append(name)
    return names


def _check_allowed(user, scope, incident, spec):
    if spec.who == "reporter":
        allowed = incident.reporter_id == user.pk
    elif spec.who == "dispatcher":
        dispatched = Assignment.objects.active().filter(person__user=user, role=Role.DISPATCHER)
        codes = dispatched.values_list("area__code", flat=True)
        allowed = scope.everything or any(incident.area_code.startswith(code) for code in codes)
    else:
        allowed = scope.changes(incident.area_code)
    if not allowed:
        raise Forbidden(
            _("You may not %(action)s case %(code)s.") % {"action": spec.label, "code": incident.code}, field="action"
        )


def _check_not_resolver(user, incident, spec):
    if spec.not_by_resolver and _resolved_by(incident) == user.pk:
        raise Forbidden(
            _("You resolved case %(code)s yourself: someone else must %(action)s it.")
            % {"action": spec.label, "code": incident.code},
            field="action",
            code="resolved_by_you",
        )


def _resolved_by(incident):
    """Who resolved the case last (the resolution a close would verify, a rating is about), or None."""
    return _latest_resolution(incident)[0]


def _latest_resolution(incident):
    """(who resolved the case last, whether it was rated since): the one reading of "the latest
    resolution" for the four-eyes close and the rating's rules. Events in the order they were
    written (their id); the row lock keeps them still."""
    latest = incident.events.filter(action__in=("resolve", "rate")).order_by("-id").values_list("action", "actor_id")
    resolver, rated = None, False
    for event, actor_id in latest:
        if event == "rate":
            rated = True
            continue
        resolver = actor_id
        break
    return resolver, rated


def _check_rating_rules(user, incident, action):
    """The rating's own rules. One rating per resolution (a case reopened and resolved again may be
    rated again), and not by the one who resolved it: satisfaction is the resident's word on the
    work, never the handler's on their own. keep_closed only answers a poor rating."""
    if action == "keep_closed" and not incident.awaits_rating_decision:
        raise Conflict(
            _("Only a case whose poor rating awaits a decision can be kept closed despite it."),
            field="action",
            code="no_rating_to_decide",
        )
    if action != "rate":
        return
    resolver, rated = _latest_resolution(incident)
    if rated:
        raise Conflict(
            _("Case %(code)s was already rated for this resolution; rate it again once it is resolved again.")
            % {"code": incident.code},
            field="action",
            code="already_rated",
        )
    if resolver is not None and resolver == user.pk:
        raise Forbidden(
            _("You resolved case %(code)s yourself: its rating is for the resident, not for its handler.")
            % {"code": incident.code},
            field="action",
        )


def next_level(level, grid_code, category, step, at):
    """(level, responsible area code, deadline) one level up (+1) or down (-1) from `level` for a case
    in the grid `grid_code`; the deadline restarts at `at` from the category's hours for that level."""
    index = LEVELS.index(level) + step
    if index >= len(LEVELS):
        raise Conflict(
            _("The street is the top level: the case cannot be escalated further."), field="action", code="top_level"
        )
    if index < 0:
        raise Conflict(
            _("The grid is the lowest level: the case cannot be returned further."), field="action", code="bottom_level"
        )
    new = LEVELS[index]
    return (
        new.value,
        grid_code[: CODE_LENGTH[new]],
        deadline(at, category.deadline_hours(new.value), category.calendar_time),
    )


def _move(incident, step, now):
    incident.level, incident.area_code, incident.due_at = next_level(
        incident.level, incident.grid.code, incident.category, step, now
    )


def _restart_deadline(incident, now):
    """A reopened case gets its level's full time again: the old deadline belonged to the handling
    that failed, and keeping it would let the sweep escalate the case the moment it reopens."""
    category = incident.category
    incident.due_at = deadline(now, category.deadline_hours(incident.level), category.calendar_time)


def _check_lengths(**values):
    limits = {"reason": REASON_MAX, "note": NOTE_MAX, "comment": COMMENT_MAX}
    for field, value in values.items():
        if len(value) > limits[field]:
            raise GovgridError(
                _("%(field)s is %(length)d characters long; at most %(limit)d are allowed.")
                % {"field": FIELD_LABELS[field], "length": len(value), "limit": limits[field]},
                field=field,
                code="too_long",
            )


def _duplicate(code, incident, scope):
    if not code:
        return None
    original = Incident.objects.filter(code=code).exclude(pk=incident.pk).first()
    if original is None or not scope.sees(original.area_code):
        raise GovgridError(_("No case has the code %(code)s.") % {"code": code}, field="duplicate_of")
    return original


def _rating(value):
    if value not in (1, 2, 3, 4, 5):
        raise GovgridError(_("A rating is a whole number from 1 to 5."), field="rating")
    return value


# Every overdue open case below the street, moved up one level in one statement: the rows are taken
# with FOR UPDATE SKIP LOCKED, so a sweep running beside another never takes the same case twice, and
# one a dispatcher is acting on right now is left for the next round (its version then moves on, so
# whichever comes second is refused or finds the case no longer overdue).
_ESCALATE_OVERDUE_SQL = """
WITH due AS (
    SELECT i.id, i.status, i.level FROM incidents_incident i
    WHERE i.status IN ('reported', 'accepted', 'in_progress') AND i.level IN ('grid', 'community')
      AND i.due_at < %(now)s
    ORDER BY i.id
    FOR UPDATE SKIP LOCKED
), moved AS (
    UPDATE incidents_incident i SET
        level = CASE due.level WHEN 'grid' THEN 'community' ELSE 'street' END,
        area_code = left(g.code, CASE due.level WHEN 'grid' THEN 12 ELSE 9 END),
        status = 'reported',
        due_at = %(now)s + make_interval(hours => CASE due.level WHEN 'grid' THEN c.deadline_community_hours
                                                                       ELSE c.deadline_street_hours END),
        version = i.version + 1
    FROM due, grids_area g, incidents_category c
    WHERE i.id = due.id AND g.id = i.grid_id AND c.id = i.category_id
    RETURNING i.id, due.status AS from_status, due.level AS from_level, i.level AS to_level
)
INSERT INTO incidents_incidentevent
    (incident_id, at, actor_id, action, from_status, to_status, from_level, to_level, reason, note)
SELECT id, %(now)s, NULL, 'escalate', from_status, 'reported', from_level, to_level, %(reason)s, ''
FROM moved
"""


def escalate_overdue(now=None):
    """Move every overdue open case up one level with its event; returns how many moved.

    The statement sets calendar-time deadlines; the cases whose category counts working time then
    get theirs in one more statement, in the same transaction, from the per-category deadlines.
    """
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_ESCALATE_OVERDUE_SQL + " RETURNING incident_id", {"now": now, "reason": overdue_reason()})
        moved = [row[0] for row in cursor.fetchall()]
        working = Incident.objects.filter(pk__in=moved, category__calendar_time=False).select_related("category")
        dues, updates = {}, []  # one deadline per category and level: every case moved at `now`
        for case in working:
            key = (case.category_id, case.level)
            if key not in dues:
                dues[key] = deadline(now, case.category.deadline_hours(case.level))
            updates.append(Incident(pk=case.pk, due_at=dues[key]))
        Incident.objects.bulk_update(updates, ["due_at"], batch_size=5000)
        return len(moved)
