"""The case workflow: every change a person makes to a case, checked and written in one place.

What each action does is incidents.actions' to say (ACTIONS and `transition`); this module checks
that it may be done now, by this user, on this version, and writes it. A poor rating does not reopen
the case by itself: it marks the case for a dispatcher, who reopens it or keeps it as it is
(`keep_closed`, for a closed case; a resolved one is verified and closed, or reopened, as any
other), each with its event.

Each action is one call of `act`: inside one transaction it locks the case's row, checks the
version the caller saw (a stale one is refused with the current state, so two dispatchers acting at
once never both succeed), checks who may do it, changes the case and writes its event. The deadline
sweep, which acts as the system, is incidents.sweep.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govgrid.lib.errors import Conflict, GovgridError, NotFound
from grids.models import Level
from grids.scopes import Forbidden, Scope

from . import departments, recipients
from .action_inputs import REASON_MAX, check_preconditions, prepare
from .actions import (
    ACTIONS,
    AREA,
    DEPARTMENT,
    DISPATCHER,
    GRID_WORKER,
    HOLDER,
    LEADER,
    REPORTER,
    RESIDENT,
    STREET_DISPATCHER,
    IncidentState,
    area_at,
    moves_within_chain,
    transition,
)
from .models import Channel, Incident, IncidentEvent, Status

# Lengths the event log and the case can hold; the note has no column limit but is kept to what a
# page or a phone sends (the API's ActionRequest has the same limits).
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
    "department": gettext_lazy("department"),
    "co_departments": gettext_lazy("co-handling departments"),
    "due_at": gettext_lazy("new due time"),
    "review_on": gettext_lazy("review date"),
    "override": gettext_lazy("close without verification"),
    "reached": gettext_lazy("resident reached"),
    "satisfied": gettext_lazy("resident satisfied"),
}


class StaleVersion(Conflict):
    code = "stale"


class Resident:
    """The resident whose report became case `incident_id`, acting by their private link (residents/):
    no login, so no scope; they may take only the actions whose people include RESIDENT. Their events
    have no actor, and read as the resident's by their action (incidents.words.actor_label)."""

    pk = None
    is_authenticated = False
    is_active = False

    def __init__(self, incident_id):
        self.incident_id = incident_id

    def get_username(self):
        return ""


def act(
    user,
    code,
    action,
    version,
    reason="",
    note="",
    rating=None,
    comment="",
    duplicate_of=None,
    scope=None,
    department=None,
    co_departments=(),
    due_at=None,
    review_on=None,
    override=False,
    reached=None,
    satisfied=None,
):
    """Carry out `action` on the case with this code, as `user`, who saw `version`. Returns the case.
    Besides a reason and a note, an action takes: rate a `rating` and `comment`; reject a
    `duplicate_of`; dispatch a lead `department` and `co_departments` (codes); extend the `due_at`
    asked for; park a `review_on` date; close an `override` of the verification on site (with a
    reason); callback whether the resident was `reached` and `satisfied`."""
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
        if incident is None or not (scope.sees_incident(incident) or _resident_of(user, incident)):
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
        _check_source(incident, spec)
        _check_allowed(user, scope, incident, spec)
        _check_rating_rules(user, incident, action)
        _check_not_resolver(user, incident, spec)
        check_preconditions(scope, incident, action)
        given = {
            "department": department,
            "co_departments": co_departments,
            "due_at": due_at,
            "review_on": review_on,
            "override": override,
            "reached": reached,
            "satisfied": satisfied,
            "rating": rating,
            "comment": comment,
            "duplicate_of": duplicate_of,
        }
        details, reason, write_records = prepare(action, user, scope, incident, now, reason, note, given)
        after, event = transition(
            action,
            IncidentState.of(incident),
            incident.grid.code,
            incident.category,
            now,
            user.pk,
            reason,
            note,
            details,
        )
        after.put_on(incident)
        written = IncidentEvent.objects.create(incident=incident, **event.fields())
        incident.save()
        write_records()
        recipients.tell(incident, written)
    return incident


def allowed_actions(user, scope, incident):
    """The actions this user may take on this case now, in ACTIONS order (for pages' buttons)."""
    names = []
    for name, spec in ACTIONS.items():
        if spec.step and not moves_within_chain(incident.level, spec.step):
            continue
        try:
            _check_source(incident, spec)
            _check_allowed(user, scope, incident, spec)
            _check_rating_rules(user, incident, name)
            _check_not_resolver(user, incident, spec)
            check_preconditions(scope, incident, name)
        except (Forbidden, Conflict):
            continue
        names.append(name)
    return names


def _check_source(incident, spec):
    """The case is where the action may start: its status, and its level where the action names some."""
    if incident.status not in spec.sources or (spec.levels and incident.level not in spec.levels):
        raise Conflict(
            _("A case that is %(status)s at the %(level)s level cannot be given the action “%(action)s”.")
            % {"status": Status(incident.status).label, "level": Level(incident.level).label, "action": spec.label},
            field="action",
            status=incident.status,
            level=incident.level,
            version=incident.version,
        )


def _may(kind, user, scope, incident):
    """Whether the user is of this kind of people for the case (incidents.actions names the kinds)."""
    if kind == AREA:
        return incident.department_id is None and scope.changes(incident.area_code)
    if kind == HOLDER:
        if incident.department_id is not None:
            return scope.serves_in(incident.department_id)
        return scope.changes(incident.area_code)
    if kind == DISPATCHER:
        return scope.dispatches_in(incident.area_code)
    if kind == STREET_DISPATCHER:
        return scope.dispatches_in(area_at(incident.grid.code, Level.STREET))
    if kind == DEPARTMENT:
        return departments.acting_dispatch(incident, scope) is not None
    if kind == GRID_WORKER:
        return scope.works_in_grid(incident.grid.code)
    if kind == LEADER:
        return scope.leads_in(incident.area_code)
    if kind == REPORTER:  # a case made from a resident's report is theirs to rate, not its acceptor's
        return incident.reporter_id == user.pk and incident.channel != Channel.RESIDENT
    if kind == RESIDENT:
        return _resident_of(user, incident)
    raise ValueError(kind)


def _resident_of(user, incident):
    return isinstance(user, Resident) and user.incident_id == incident.pk


def _check_allowed(user, scope, incident, spec):
    if not any(_may(kind, user, scope, incident) for kind in spec.who):
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
