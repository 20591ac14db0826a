"""The pages of the departments' part: a department's queue (what it must sign for, what it handles,
what waits for verification, what is overdue) and the register of parked cases (挂账) with their age
and review dates. Actions are taken on the case page (incidents.dispatch.case), as everywhere."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, OuterRef, Q, Subquery, Value, When
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govgrid.lib.privacy import personal_data
from grids.models import Department
from grids.scopes import Scope

from .models import OPEN_STATUSES, Dispatch, Incident, IncidentEvent, Status

QUEUE_LENGTH = 50
DONE_HERE = (Status.RESOLVED, Status.VERIFIED)  # the department's work is done, the case not yet closed
VIEWS = {
    "to_sign": gettext_lazy("To sign for"),
    "handling": gettext_lazy("Handling"),
    "resolved": gettext_lazy("Awaiting verification and closing"),
    "overdue": gettext_lazy("Overdue"),
    "all": gettext_lazy("All"),
}


def _overdue(now):
    """A dispatch not signed for in its time, or a case still open past the department's deadline."""
    unsigned_late = Q(signed_at__isnull=True, sign_due_at__lt=now)
    handling_late = Q(incident__status__in=OPEN_STATUSES, due_at__lt=now)
    return unsigned_late | handling_late


def department_dispatches(scope, view, now):
    """The open dispatches of the user's departments in one view of the queue."""
    dispatches = Dispatch.objects.filter(ended_at__isnull=True).exclude(
        incident__status__in=(Status.CLOSED, Status.REJECTED)
    )
    if not scope.everything:
        dispatches = dispatches.filter(department_id__in=scope.departments)
    if view == "to_sign":
        dispatches = dispatches.filter(signed_at__isnull=True)
    elif view == "handling":
        dispatches = dispatches.filter(signed_at__isnull=False, incident__status__in=OPEN_STATUSES)
    elif view == "resolved":
        dispatches = dispatches.filter(incident__status__in=DONE_HERE)
    elif view == "overdue":
        dispatches = dispatches.filter(_overdue(now))
    late = Case(When(_overdue(now), then=Value(0)), default=Value(1), output_field=IntegerField())
    supervised = Case(
        When(incident__supervised_at__isnull=False, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        dispatches.select_related("department", "incident__category", "incident__grid")
        .annotate(late=late, supervised_first=supervised)
        .order_by("supervised_first", "late", "due_at", "id")
    )


@personal_data
@login_required
def department_queue(request):
    scope = Scope.for_user(request.user)
    if not scope.departments and not scope.everything:
        raise Http404(_("You do not serve in a department."))
    view = request.GET.get("view", "to_sign")
    if view not in VIEWS:
        view = "to_sign"
    now = timezone.now()
    counts = {name: department_dispatches(scope, name, now).count() for name in VIEWS if name != "all"}
    page = Paginator(department_dispatches(scope, view, now), QUEUE_LENGTH).get_page(request.GET.get("page", 1))
    return render(
        request,
        "incidents/department_queue.html",
        {
            "departments": Department.objects.filter(pk__in=scope.departments),
            "views": [(name, label, counts.get(name)) for name, label in VIEWS.items()],
            "view": view,
            "page": page,
            "rows": list(page.object_list),
            "now": now,
        },
    )


@personal_data
@login_required
def parked_register(request):
    """The parked cases the user sees, oldest first, with when and why each was parked and its
    review date (those due for review first)."""
    scope = Scope.for_user(request.user)
    parking = IncidentEvent.objects.filter(incident=OuterRef("pk"), action="park").order_by("-at", "-id")
    cases = (
        scope.incidents(Incident.objects.filter(status=Status.PARKED))
        .select_related("category", "grid", "department")
        .annotate(parked_at=Subquery(parking.values("at")[:1]), parked_for=Subquery(parking.values("reason")[:1]))
        .order_by("review_on", "parked_at")
    )
    today = timezone.localdate()
    page = Paginator(cases, QUEUE_LENGTH).get_page(request.GET.get("page", 1))
    rows = [
        {"case": c, "age": (today - timezone.localdate(c.parked_at)).days, "due": c.review_on <= today} for c in page
    ]
    return render(request, "incidents/parked.html", {"rows": rows, "page": page, "today": today})
