"""Dispatcher pages: the queue of cases at my level and in my scope, and a case with its timeline,
photos, map and exactly the actions I may take. Actions go through incidents.workflow.act."""

import folium
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.errors import GovgridError
from govgrid.middleware import personal_data
from grids.models import Assignment, Level, Role
from grids.scopes import Scope
from maps.views import OfflineMap

from .api import ActionRequest
from .models import OPEN_STATUSES, Category, Incident, Status
from .workflow import ACTIONS, FIELD_LABELS, act, allowed_actions

QUEUE_LENGTH = 200  # cases on one page of the queue


def my_level(user):
    """The level a user works at: their dispatcher area's level, or grid for grid workers."""
    roles = Assignment.objects.active().filter(person__user=user, role__in=[Role.DISPATCHER, Role.GRID_WORKER])
    levels = {area_level for area_level in roles.values_list("area__level", flat=True)}
    for level in (Level.STREET, Level.COMMUNITY, Level.GRID):
        if level in levels:
            return level
    return None


def _cases(request, scope):
    return scope.filter(Incident.objects.select_related("category", "grid"), "area_code")


@personal_data
@login_required
def queue(request):
    scope = Scope.for_user(request.user)
    level = request.GET.get("level", my_level(request.user) or "")
    status = request.GET.get("status", "open")
    category = request.GET.get("class", "")
    cases = _cases(request, scope)
    if level in Level.values:
        cases = cases.filter(level=level)
    if status == "open":
        cases = cases.filter(status__in=[*OPEN_STATUSES, Status.RESOLVED])
    elif status in Status.values:
        cases = cases.filter(status=status)
    if category:
        cases = cases.filter(category__parent__code=category)
    now = timezone.now()
    # Overdue open cases first, then the nearest deadline, ordered by the database before the page
    # is cut: sorting after the cut would let older resolved cases push overdue ones off the page.
    overdue_first = Case(
        When(status__in=OPEN_STATUSES, due_at__lt=now, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    rows = list(cases.annotate(overdue_first=overdue_first).order_by("overdue_first", "due_at", "id")[:QUEUE_LENGTH])
    return render(
        request,
        "incidents/queue.html",
        {
            "cases": rows,
            "now": now,
            "level": level,
            "status": status,
            "class": category,
            "levels": Level.choices,
            "statuses": Status.choices,
            "classes": Category.objects.filter(parent__isnull=True, active=True),
            "map": _map(rows),
        },
    )


@personal_data  # the resident's contact, photos
@login_required
def case(request, code):
    scope = Scope.for_user(request.user)
    incident = _cases(request, scope).filter(code=code).first()
    if incident is None and request.user.is_authenticated:
        incident = Incident.objects.select_related("category", "grid").filter(code=code, reporter=request.user).first()
    if incident is None:
        raise Http404(_("No case has the code %(code)s.") % {"code": code})
    if request.method == "POST":
        _act_from_form(request, scope, code)
        return redirect("dispatch-case", code=code)
    actions = [(name, ACTIONS[name]) for name in allowed_actions(request.user, scope, incident)]
    return render(
        request,
        "incidents/case.html",
        {
            "case": incident,
            "events": incident.events.select_related("actor").order_by("at", "id"),
            "photos": incident.photos.all(),
            "actions": actions,
            "action_names": {name for name, _spec in actions},
            # The resident's contact: by the scope's rule of personal data (as the API).
            "show_contact": scope.shows_contact_of(incident),
            "now": timezone.now(),
            "map": _map([incident], grid=incident.grid),
        },
    )


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
