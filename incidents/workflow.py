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

from django.conf import settings
from django.contrib.gis.measure import D
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govgrid.lib.errors import Conflict, GovgridError, NotFound
from grids.models import Level
from grids.scopes import Forbidden, Scope

from . import departments, recipients
from .actions import (
    ACTIONS,
    AREA,
    DEPARTMENT,
    DISPATCHER,
    GRID_WORKER,
    HOLDER,
    LEADER,
    REPORTER,
    STREET_DISPATCHER,
    Details,
    IncidentState,
    area_at,
    moves_within_chain,
    transition,
)
from .models import Callback, Dispatch, Incident, IncidentEvent, IncidentPhoto, Status

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
        if incident is None or not scope.sees_incident(incident):
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
        _check_preconditions(scope, incident, action)
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
        details, reason, write_records = _prepare(action, user, scope, incident, now, reason, note, given)
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


def _prepare(action, user, scope, incident, now, reason, note, given):
    """(the action's Details, its reason, a function writing its records beside the case's state
    once the state is changed) after the checks particular to the action."""
    category = incident.category

    def nothing():
        pass

    if action == "reject":
        incident.duplicate_of = _duplicate(given["duplicate_of"], incident, scope)
    elif action == "rate":
        return Details(rating=_rating(given["rating"]), comment=given["comment"]), reason, nothing
    elif action == "dispatch":
        lead, co = departments.departments_for_dispatch(incident, given["department"], given["co_departments"])
        hours = departments.handling_hours(category, lead, departments.street_of(incident))
        return (
            Details(department_id=lead.pk, handling_hours=hours),
            reason,
            lambda: departments.write_dispatches(incident, lead, co, note, user, now),
        )
    elif action in ("sign", "contest"):
        dispatch = departments.acting_dispatch(incident, scope, unsigned=action == "sign")
        lead = dispatch.role == Dispatch.Role.LEAD
        if action == "sign":

            def write():
                Dispatch.objects.filter(pk=dispatch.pk).update(signed_at=now, signed_by=user)

        else:
            departments.check_contest_in_time(dispatch, now)

            def write():
                departments.end_dispatches(incident, now, Dispatch.Outcome.CONTESTED, reason, dispatch)
                if lead:  # the whole dispatch goes back: the co-handlers' parts end with it
                    departments.end_dispatches(incident, now, Dispatch.Outcome.WITHDRAWN, reason)

        return Details(department_id=dispatch.department_id, lead=lead), reason, write
    elif action == "extend":
        due = given["due_at"]
        departments.check_extension_request(incident, due)
        return Details(), reason, lambda: departments.request_extension(incident, user, now, due, reason)
    elif action in ("approve_extension", "refuse_extension"):
        extension = departments.pending_extension(incident)
        if extension.requested_by_id == user.pk:
            raise Forbidden(
                _("You asked for this extension yourself: someone else must decide on it."),
                field="action",
                code="requested_by_you",
            )
        approved = action == "approve_extension"

        def decide():
            extension.decided_by, extension.decided_at, extension.approved = user, now, approved
            extension.decision_reason = reason
            extension.save(update_fields=["decided_by", "decided_at", "approved", "decision_reason"])
            if approved:
                departments.move_lead_deadline(incident, extension.due_asked)

        return Details(due_at=extension.due_asked), reason, decide
    elif action == "park":
        review_on = given["review_on"]
        if review_on is None or review_on <= timezone.localdate(now):
            raise GovgridError(_("Give a review date after today."), field="review_on")
        return Details(review_on=review_on), reason, nothing
    elif action in ("unpark", "reopen", "rework") and incident.department_id:
        hours = departments.handling_hours(category, incident.department, departments.street_of(incident))
        return Details(handling_hours=hours), reason, nothing
    elif action == "verify":
        _check_after_photo(incident)
    elif action == "close" and incident.status == Status.RESOLVED and incident.needs_verification:
        if not given["override"]:
            raise Conflict(
                _("Case %(code)s has not been verified on site yet: wait for its grid worker, or close it "
                  "without the verification and give the reason.") % {"code": incident.code},
                field="override",
                code="not_verified",
            )  # fmt: skip
        if not reason:
            raise GovgridError(_("Give the reason to close a case without its verification on site."), field="reason")
        return Details(), _("Closed without verification on site: %(reason)s") % {"reason": reason}, nothing
    elif action == "callback":
        details, summary = _callback(given["reached"], given["satisfied"], reason)

        def record():
            Callback.objects.create(
                incident=incident,
                department_id=incident.department_id,
                at=now,
                by=user,
                reached=given["reached"],
                satisfied=details.satisfied,
                note=reason[:500],
            )

        return details, summary, record
    return Details(), reason, nothing


def _check_after_photo(incident):
    """A verification on site shows the site: an `after` photo taken there since the case was last
    resolved, located within VERIFY_MAX_DISTANCE_M of the case."""
    resolved_at = incident.events.filter(action="resolve").order_by("-id").values_list("at", flat=True).first()
    photos = incident.photos.filter(kind=IncidentPhoto.Kind.AFTER, location__isnull=False)
    if resolved_at is not None:
        photos = photos.filter(uploaded_at__gte=resolved_at)
    near = photos.filter(location__distance_lte=(incident.location, D(m=settings.VERIFY_MAX_DISTANCE_M)))
    if not near.exists():
        raise Conflict(
            _("Take an “after” photo on site first: one located within %(m)d m of the case, since it was resolved.")
            % {"m": settings.VERIFY_MAX_DISTANCE_M},
            field="photo",
            code="no_after_photo",
        )


def _check_preconditions(scope, incident, action):
    """What an action needs of the case beyond its status, known before any input: there is
    something to sign for, an extension to decide on, a resolution to verify."""
    if action == "sign" and departments.acting_dispatch(incident, scope, unsigned=True) is None:
        raise Conflict(_("Your department has already signed for this case."), field="action", code="signed")
    if action in ("approve_extension", "refuse_extension") and departments.pending_extension(incident) is None:
        raise Conflict(_("No extension of this case awaits a decision."), field="action", code="no_extension")
    if action == "verify" and not incident.needs_verification:
        raise Conflict(
            _("Case %(code)s was resolved in its grid, community or street and needs no verification on site.")
            % {"code": incident.code},
            field="action",
            code="no_verification_needed",
        )


def _callback(reached, satisfied, reason):
    if reached is None:
        raise GovgridError(_("Say whether the resident was reached."), field="reached")
    if reached and satisfied is None:
        raise GovgridError(_("Say whether the resident is satisfied."), field="satisfied")
    return Details(satisfied=satisfied if reached else None), callback_summary(reached, satisfied, reason)


def callback_summary(reached, satisfied, reason=""):
    """What a call-back's event says: whether the resident was reached and satisfied, and the reason."""
    if not reached:
        summary = _("Call-back: the resident was not reached")
    elif satisfied:
        summary = _("Call-back: the resident is satisfied")
    else:
        summary = _("Call-back: the resident is not satisfied")
    if reason:
        summary = f"{summary}. {reason}"
    return summary[:REASON_MAX]


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
            _check_preconditions(scope, incident, name)
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
    if kind == REPORTER:
        return incident.reporter_id == user.pk
    raise ValueError(kind)


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
