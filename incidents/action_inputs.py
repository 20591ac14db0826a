"""What each action takes besides its reason and note, checked and turned into the Details its
effect needs (incidents.actions), with the records it writes beside the case (dispatches, extensions,
call-backs): `prepare`, and `check_preconditions` for what an action needs of the case before any
input (pages show only the actions that meet them). incidents.workflow calls both inside its
transaction, after it has checked the version, the status and who acts."""

from django.conf import settings
from django.contrib.gis.measure import D
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib.errors import Conflict, GovgridError, NotFound  # noqa: F401
from grids.scopes import Forbidden

from . import departments
from .actions import Details
from .models import Callback, Dispatch, Incident, IncidentEvent, IncidentPhoto, Status

REASON_MAX = IncidentEvent._meta.get_field("reason").max_length


def prepare(action, user, scope, incident, now, reason, note, given):
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
        return Details(), closed_without_verification(reason), nothing
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


def check_preconditions(scope, incident, action):
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


def closed_without_verification(reason):
    """What the event of a close that overrides the verification on site says."""
    return _("Closed without verification on site: %(reason)s") % {"reason": reason}


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
