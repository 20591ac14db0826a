"""The staff's pages of activities: a community's activities with their sign-ups and attendance, where
the organiser records by hand a member who has no phone and publishes a new activity
(/volunteers/activities/, the form is volunteers.activity_form's), and the
organiser's code page, held up on a phone to a crowd or put on a projector
(/volunteers/activities/<id>/code/): the six digits big, their QR code, a bar of the seconds left,
refreshed by volunteers/static/volunteers/code.js from the API's code endpoint."""

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from rest_framework.exceptions import ValidationError

from govgrid.lib.errors import GovgridError, NotFound
from govgrid.lib.parsers import form_int
from govgrid.lib.privacy import personal_data
from grids.models import Area, Level
from grids.scopes import Forbidden, Scope

from . import activities, activity_form, activity_reading, attendance_codes
from .api_activities import organised_activity
from .models import Attendance, SignUp


@personal_data  # the names of those who signed up and attended
@login_required
@require_http_methods(["GET", "POST"])
def activities_page(request):
    """GET, POST /volunteers/activities/?within=<community>&when=upcoming|past: a POST publishes an
    activity (`do=publish` and the API's fields, volunteers.activity_form) or records an attendance
    by hand (`activity`, `person`)."""
    scope = Scope.for_user(request.user)
    if not scope.sees_anything:
        raise Http404
    communities = list(scope.filter(Area.objects.filter(level=Level.COMMUNITY), "code").order_by("code")[:300])
    if request.method == "POST" and request.POST.get("do") == "publish":
        return _publish(request, scope, communities)
    if request.method == "POST":
        try:
            _attendance, created = activities.record_attendance(
                request.user, form_int(request.POST.get("activity")), form_int(request.POST.get("person"))
            )
        except GovgridError as refused:
            messages.error(request, str(refused.message))
        else:
            messages.success(request, _("Attendance recorded.") if created else _("Already recorded."))
        return redirect(request.get_full_path())
    return _listed(request, scope, communities)


def _publish(request, scope, communities):
    """Publishes from the form; a refusal draws the page again with what was typed, the refused
    field marked and named, and the status of the refusal."""
    try:
        activity = activity_form.publish_from(request.user, request.POST)
    except (GovgridError, ValidationError) as refused:
        field, text = activity_form.refused_field(refused)
        status = refused.status if isinstance(refused, GovgridError) else 400
        return _listed(request, scope, communities, posted=request.POST, refusal={"field": field, "text": text},
                       status=status)  # fmt: skip
    messages.success(request, _("Published: %(title)s.") % {"title": activity.title})
    return redirect(f"{reverse('volunteer-activities')}?within={activity.community.code}&when=upcoming")


def _listed(request, scope, communities, posted=None, refusal=None, status=200):
    within = request.GET.get("within", "")
    if within and not any(c.code == within for c in communities):
        within = ""
    when = request.GET.get("when", "upcoming")
    when = when if when in ("upcoming", "past") else "upcoming"
    reader = activity_reading.Reader(request.user)
    listed = reader.listed(within, when).filter(community__code__in=[c.code for c in communities])
    listed = listed.prefetch_related(
        Prefetch("sign_ups", SignUp.objects.select_related("person").order_by("at", "id")),
        Prefetch("attendances", Attendance.objects.select_related("person", "recorded_by").order_by("at", "id")),
    )[:100]
    rows = [reader.detailed(activity) for activity in listed]
    for row in rows:
        attended = {a["person"] for a in row["attendances"]}
        row["absent"] = [s for s in row["sign_ups"] if s["cancelled_at"] is None and s["person"] not in attended]
    context = {"rows": rows, "communities": communities, "within": within, "when": when, "now": timezone.now()}
    publishing = activity_form.publishable(scope, communities)
    if refusal and not publishing:  # no form to mark: said as any other refusal of the page
        messages.error(request, refusal["text"])
    if publishing:
        posted = posted or {"community": within}
        context["publish"] = activity_form.form_context(publishing, posted) | {"refusal": refusal or {}}
    return render(request, "volunteers/activities.html", context, status=status)


def _organised(request, pk):
    try:
        return organised_activity(request.user, pk)
    except Forbidden:
        raise Http404 from None  # the code page is the organisers' alone
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def code_page(request, pk):
    """GET /volunteers/activities/<id>/code/"""
    activity = _organised(request, pk)
    response = render(
        request,
        "volunteers/code.html",
        {"activity": activity, "code": activity_reading.code_now(activity)},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def code_qr(request, pk, step):
    """GET /volunteers/activities/<id>/code/<step>.svg: the QR code of one step's code, while that
    step's code is accepted (the current or the previous step, inside the check-in window)."""
    activity = _organised(request, pk)
    now = timezone.now()
    if attendance_codes.state_at(activity, now) != "open" or step not in (
        attendance_codes.step_at(now),
        attendance_codes.step_at(now) - 1,
    ):
        raise Http404
    symbol = segno.make(attendance_codes.code_for(activity.secret, step), error="q", boost_error=False, micro=False)
    svg = io.BytesIO()
    symbol.save(svg, kind="svg", scale=10, border=4, omitsize=True, xmldecl=False, dark="#000", light="#fff")
    response = HttpResponse(svg.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response
