"""Dispatcher pages: the queue of cases at my level and in my scope (paged, searchable), the cases I
handed up, and a case with its timeline, photos, map and exactly the actions I may take. Actions
go through incidents.workflow.act."""

from datetime import datetime, time, timedelta

import folium
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govgrid.lib.basemap import OfflineMap
from govgrid.lib.errors import GovgridError
from govgrid.lib.moments import check_within_bounds
from govgrid.lib.privacy import personal_data
from grids.models import Department, Level
from grids.personal import CASE_CONTACT
from grids.scopes import Scope

from . import departments
from .api import ActionRequest
from .models import OPEN_STATUSES, TO_HANDLE_STATUSES, Category, Incident, Status, templates_for
from .words import timeline, with_arrival
from .workflow import ACTIONS, FIELD_LABELS, act, allowed_actions

QUEUE_LENGTH = 50  # cases on one page of the queue; the total is shown and the rest is paged
HANDED_UP = "handed"  # the queue's view of the cases I acted on and handed on (已提级)
# Actions that cannot be undone from the page: asked once more, in the page itself (a form step that
# works in every browser, WeChat's included, where window.confirm may be blocked).
CONFIRM_FIRST = ("reject", "close", "contest")


def _cases(scope):
    """The cases a user may read (grids/scopes.py), with what pages show of them."""
    return with_arrival(scope.incidents(Incident.objects.select_related("category", "grid")))


class QueueFilters(forms.Form):
    """The queue's filters, from the query string; a bad value is named in a message, not a 500."""

    view = forms.CharField(required=False)
    level = forms.CharField(required=False)
    status = forms.CharField(required=False)
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    since = forms.DateField(label=gettext_lazy("received from"), required=False, validators=[check_within_bounds])
    until = forms.DateField(
        label=gettext_lazy("received until (inclusive)"), required=False, validators=[check_within_bounds]
    )
    page = forms.IntegerField(label=gettext_lazy("page"), required=False, min_value=1)

    def __init__(self, data, default_level):
        super().__init__(data)
        self.default_level = default_level

    def value(self, name, default=""):
        cleaned = getattr(self, "cleaned_data", {})
        return cleaned.get(name) or default


def _new_reports_below(level):
    """What a dispatcher sees at their level by default besides its own cases: at the community,
    the grids' new reports (a grid worker's report waits there until someone accepts it)."""
    if level == Level.COMMUNITY:
        return Q(level=Level.GRID, status=Status.REPORTED)
    return Q(pk__in=[])


def _queue_incidents(request, scope, filters):
    level = filters.value("level", "mine" if filters.default_level else "all")
    status = _status_filter(filters)
    if filters.value("view") == HANDED_UP:
        cases = scope.handed_on(_cases(scope))
    else:
        cases = _cases(scope)
        if level == "mine" and filters.default_level:
            cases = cases.filter(Q(level=filters.default_level) | _new_reports_below(filters.default_level))
        elif level in Level.values:
            cases = cases.filter(level=level)
    if status == "open":  # to handle: open, resolved or verified (to close), parked and due for review
        review_due = Q(status=Status.PARKED, review_on__lte=timezone.localdate())
        cases = cases.filter(Q(status__in=[*OPEN_STATUSES, Status.RESOLVED, Status.VERIFIED]) | review_due)
        # Implied by the line above, but PostgreSQL proves a partial index's condition only from a
        # condition of its own form: this lets the queue read the index of cases to handle.
        cases = cases.filter(status__in=TO_HANDLE_STATUSES)
    elif status in Status.values:
        cases = cases.filter(status=status)
    if request.GET.get("class"):
        cases = cases.filter(category__parent__code=request.GET["class"])
    if text := filters.value("q").strip():
        cases = cases.filter(Q(code__icontains=text) | Q(description__icontains=text))
    zone = timezone.get_current_timezone()
    if since := filters.value("since"):
        cases = cases.filter(received_at__gte=datetime.combine(since, time.min, zone))
    if until := filters.value("until"):
        cases = cases.filter(received_at__lt=datetime.combine(until + timedelta(days=1), time.min, zone))
    return cases


def _in_order(cases, ids):
    """The cases with these ids, in the order of `ids`."""
    found = {case.pk: case for case in cases.filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def _status_filter(filters):
    """To handle by default; every status among the cases handed up, which are followed, not handled."""
    return filters.value("status", "all" if filters.value("view") == HANDED_UP else "open")


@personal_data
@login_required
def queue(request):
    scope = Scope.for_user(request.user)
    default_level = scope.works_at  # the level of the queue's own cases
    filters = QueueFilters(request.GET, default_level)
    if not filters.is_valid():
        for field, errors in filters.errors.items():
            messages.error(request, _("%(field)s: %(message)s") % {"field": filters[field].label, "message": errors[0]})
    cases = _queue_incidents(request, scope, filters)
    now = timezone.now()
    # Overdue open cases first, then the nearest deadline, ordered by the database before the page
    # is cut: sorting after the cut would let older resolved cases push overdue ones off the page.
    overdue_first = Case(
        When(status__in=OPEN_STATUSES, due_at__lt=now, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    if filters.value("view") == HANDED_UP:
        ordered = cases.order_by("-received_at", "-id")
    else:
        ordered = cases.annotate(overdue_first=overdue_first).order_by("overdue_first", "due_at", "id")
    # The page's ids first, ordered and counted from the index of cases to handle alone, then only
    # those cases whole: filtering whole rows would read every case to handle of the city.
    page = Paginator(ordered.values_list("pk", flat=True), QUEUE_LENGTH).get_page(filters.value("page", 1))
    rows = _in_order(cases, list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "incidents/queue.html",
        {
            "cases": rows,
            "page": page,
            "query": query.urlencode(),
            "now": now,
            "view": filters.value("view"),
            "level": filters.value("level", "mine" if default_level else "all"),
            "my_level": default_level,
            "status": _status_filter(filters),
            "class": request.GET.get("class", ""),
            "q": filters.value("q"),
            "since": filters.value("since"),
            "until": filters.value("until"),
            "levels": Level.choices,
            "statuses": Status.choices,
            "classes": Category.objects.filter(parent__isnull=True, active=True),
            "handed_up": scope.handed_on(Incident.objects.all()).count(),
            "keeps_templates": bool(scope.dispatches or scope.departments),
            "map": _map(rows),
        },
    )


@personal_data  # the resident's contact, photos
@login_required
def case(request, code):
    scope = Scope.for_user(request.user)
    incident = _cases(scope).filter(code=code).first()
    if incident is None:
        raise Http404(_("No case has the code %(code)s.") % {"code": code})
    confirming = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in CONFIRM_FIRST and not request.POST.get("confirmed"):
            confirming = action  # the same page, asking once more; nothing is done yet
        else:
            _act_from_form(request, scope, code)
            return redirect("dispatch-case", code=code)
    actions = [(name, ACTIONS[name]) for name in allowed_actions(request.user, scope, incident)]
    if confirming not in {name for name, _spec in actions}:
        confirming = None
    names = {name for name, _spec in actions}
    return render(
        request,
        "incidents/case.html",
        {
            "case": incident,
            "timeline": timeline(incident.events.select_related("actor").order_by("at", "id")),
            "photos": incident.photos.all(),
            "actions": actions,
            "action_names": names,
            "dispatching": _dispatch_choices(incident) if "dispatch" in names else None,
            "dispatches": incident.dispatches.select_related("department").order_by("dispatched_at", "-role"),
            "extension": departments.pending_extension(incident),
            "templates": list(templates_for(scope, incident.category).values_list("text", flat=True)[:50]),
            "confirm_first": CONFIRM_FIRST,
            "confirming": confirming and ACTIONS[confirming],
            "confirming_name": confirming,
            "form": request.POST if confirming else {},
            # Seen only because the user acted on it before: they follow it, read-only.
            "handed_on": not scope.sees(incident.area_code)
            and incident.reporter_id != request.user.pk
            and departments.acting_dispatch(incident, scope) is None,
            # The resident's contact: by the scope's rule of personal data (as the API).
            "show_contact": CASE_CONTACT.shows(scope, incident),
            "now": timezone.now(),
            "map": _map([incident], grid=incident.grid),
        },
    )


def _dispatch_choices(incident):
    """The dispatch dialog's departments: the routing's suggestions first (the first is the lead it
    proposes, the next ones the co-handlers often asked), then every other competent department."""
    street = departments.street_of(incident)
    suggested = [department for department, _hours in departments.routes(incident.category, street)]
    others = Department.objects.competent_in(street).exclude(pk__in=[d.pk for d in suggested]).order_by("code")
    return {"suggested": suggested, "others": list(others), "lead": suggested[0].code if suggested else ""}


def _act_from_form(request, scope, code):
    """Carry out the action the case page's form asked for; every refusal, of the form's input or of
    the workflow, becomes a message on the page naming the field."""
    action = request.POST.get("action", "")
    form = ActionRequest(data=request.POST)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        label = FIELD_LABELS.get(field, field)
        messages.error(request, _("%(field)s: %(message)s") % {"field": label, "message": errors[0]})
        return
    try:
        act(request.user, code, action, scope=scope, **form.validated_data)
    except GovgridError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": ACTIONS[action].label})


def _map(cases, grid=None):
    """A small offline map of the cases (and the grid of one case)."""
    fmap = OfflineMap(tiles=None, control_scale=True)
    if grid is not None:
        folium.GeoJson(
            grid.geom.geojson, style_function=lambda f: {"color": "#1f3a5f", "weight": 2, "fillOpacity": 0.08}
        ).add_to(fmap)
    points = []
    for incident in cases:
        lon, lat = incident.location.x, incident.location.y
        points.append([lat, lon])
        folium.CircleMarker(
            [lat, lon],
            radius=6,
            color="#c0392b" if incident.is_overdue else "#1f6fb2",
            fill=True,
            fill_opacity=0.8,
            tooltip=incident.code,
            class_name="case-marker",
        ).add_to(fmap)
    if points:
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        pad = 0.002
        fmap.fit_bounds([[min(lats) - pad, min(lons) - pad], [max(lats) + pad, max(lons) + pad]])
    figure = fmap.get_root()
    figure.render()
    return {"header": figure.header.render(), "html": figure.html.render(), "script": figure.script.render()}
