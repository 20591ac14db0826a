"""A department's part in a case (派遣、签收、退单、延期): where a case is routed, how long a
department has, and the dispatch and extension records that incidents.workflow writes beside the
case's state.

Routing is FixMyStreet's contact rule made local: a category (the item, or its whole class) in a
street leads to the departments whose route names it there, or names it for every street where the
department is competent; the most specific route first. A department's time to handle a case is its
route's, else the category's time at a department, in working time unless the category counts
calendar time; its time to sign for it is SIGN_HOURS, and it may contest it within CONTEST_HOURS of
its dispatch (settings).
"""

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from govgrid.lib.errors import Conflict, GovgridError
from govgrid.lib.worktime import deadline
from grids.models import Department, Level

from .actions import area_at
from .models import Dispatch, Extension, Route


def routes(category, street_code):
    """[(department, handling hours)] for a case of `category` in the street: the routes of the item,
    then of its class, a street's own route before a district-wide one, among the departments
    competent in the street; among routes as specific, by their rank."""
    competent = Department.objects.competent_in(street_code).values("pk")
    found = (
        Route.objects.filter(category__in=[category.pk, category.parent_id], department__in=competent)
        .filter(Q(street__isnull=True) | Q(street__code=street_code))
        .select_related("department")
    )
    ranked = sorted(found, key=lambda r: (r.category_id != category.pk, r.street_id is None, r.rank, r.department.code))
    seen, result = set(), []
    for route in ranked:
        if route.department_id not in seen:
            seen.add(route.department_id)
            result.append((route.department, route.handling_hours or category.deadline_department_hours))
    return result


def handling_hours(category, department, street_code):
    """The hours `department` has to handle a case of `category` in the street."""
    for routed, hours in routes(category, street_code):
        if routed.pk == department.pk:
            return hours
    return category.deadline_department_hours


def street_of(incident):
    return area_at(incident.grid.code, Level.STREET)


def departments_for_dispatch(incident, lead_code, co_codes):
    """(lead, [co-handlers]) named by their codes, each active and competent in the case's street;
    a GovgridError naming the field otherwise."""
    competent = Department.objects.competent_in(street_of(incident))
    if not lead_code:
        raise GovgridError(_("Choose the lead department."), field="department")
    lead = _competent(competent, lead_code, "department")
    co = []
    for code in dict.fromkeys(co_codes or ()):
        if code == lead_code:
            raise GovgridError(_("The lead department cannot also be a co-handler."), field="co_departments")
        co.append(_competent(competent, code, "co_departments"))
    return lead, co


def _competent(competent, code, field):
    department = competent.filter(code=code).first()
    if department is None:
        raise GovgridError(
            _("No department with the code %(code)s handles cases in this street.") % {"code": code}, field=field
        )
    return department


def dispatch_terms(category, street_code, lead, co, at, lead_due):
    """[(department, role, sign-for time, due time)] of a case dispatched at `at` to `lead` (whose
    due time is the case's new deadline, `lead_due`) and the co-handlers (each by its own route's
    handling time): what the workflow writes and the demo's history records alike."""
    sign_due = deadline(at, settings.SIGN_HOURS, category.calendar_time)
    terms = [(lead, Dispatch.Role.LEAD, sign_due, lead_due)]
    for department in co:
        hours = handling_hours(category, department, street_code)
        terms.append((department, Dispatch.Role.CO, sign_due, deadline(at, hours, category.calendar_time)))
    return terms


def write_dispatches(incident, lead, co, note, user, at):
    """The dispatch rows of a case sent to `lead` and the co-handlers at `at` (the case's new
    deadline already set: the lead's)."""
    terms = dispatch_terms(incident.category, street_of(incident), lead, co, at, incident.due_at)
    Dispatch.objects.bulk_create(
        Dispatch(
            incident=incident,
            department=department,
            role=role,
            note=note,
            dispatched_at=at,
            dispatched_by=user,
            sign_due_at=sign_due,
            due_at=due,
        )
        for department, role, sign_due, due in terms
    )


def acting_dispatch(incident, scope, unsigned=False):
    """The open dispatch of this case to a department the user serves in (the lead's first), or None."""
    open_ = incident.dispatches.filter(ended_at__isnull=True)
    if not scope.everything:
        open_ = open_.filter(department_id__in=scope.departments)
    if unsigned:
        open_ = open_.filter(signed_at__isnull=True)
    return open_.order_by("-role").select_related("department").first()  # "lead" sorts after "co"


def check_contest_in_time(dispatch, at):
    limit = deadline(dispatch.dispatched_at, settings.CONTEST_HOURS)
    if at > limit:
        raise Conflict(
            _("A case can be contested within %(hours)g working hours of its dispatch; that time ended at %(limit)s.")
            % {"hours": settings.CONTEST_HOURS, "limit": limit.strftime("%Y-%m-%d %H:%M")},
            field="action",
            code="contest_too_late",
        )


def end_dispatches(incident, at, outcome, reason, dispatch=None):
    """End the open dispatch given, or every open one of the case (with the lead's contest)."""
    open_ = incident.dispatches.filter(ended_at__isnull=True)
    if dispatch is not None:
        open_ = open_.filter(pk=dispatch.pk)
    open_.update(ended_at=at, outcome=outcome, reason=reason[:500])


def pending_extension(incident):
    return incident.extensions.filter(decided_at__isnull=True).first()


def move_lead_deadline(incident, due_at):
    incident.dispatches.filter(ended_at__isnull=True, role=Dispatch.Role.LEAD).update(due_at=due_at)


def check_extension_request(incident, due_asked):
    if due_asked is None:
        raise GovgridError(_("Give the new due time you ask for."), field="due_at")
    if due_asked <= incident.due_at:
        raise GovgridError(_("The new due time must come after the present one."), field="due_at")
    if pending_extension(incident) is not None:
        raise Conflict(
            _("An extension of this case already awaits a decision."), field="action", code="extension_pending"
        )


def request_extension(incident, user, at, due_asked, reason):
    return Extension.objects.create(
        incident=incident,
        department_id=incident.department_id,
        requested_by=user,
        requested_at=at,
        due_before=incident.due_at,
        due_asked=due_asked,
        reason=reason,
    )
