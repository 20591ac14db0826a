"""The residents' pages: the resident page a QR code opens (/r/<token>/, no account, a phone page
that keeps a report on the phone until the network takes it), the page of a report's private link
(/r/t/<secret>/), and the staff's page of reports to accept (/dispatch/residents/)."""

import hashlib
import json
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from govgrid.lib.errors import GovgridError
from govgrid.lib.parsers import form_int
from govgrid.lib.privacy import personal_data
from grids.models import Area, Level
from grids.scopes import Scope
from incidents.models import Category

from . import acceptance, adding, following
from .intake import Gone, code_point, live_code, place_area
from .links import digest_of
from .models import ResidentReport
from .senders import address_of, device_of, set_device_cookie
from .topics import offered


def _place_words(code):
    area = place_area(code)
    name = code.station.name if code.station_id else area.name
    return {"name": name, "code": area.code, "level": str(area.get_level_display())}


def with_live_code(view):
    """A resident's page of a QR code (/r/<token>/...): the view gets the live code; a replaced one
    answers the page saying so (410), an unknown one 404."""

    @wraps(view)
    def page(request, token, *args, **kwargs):
        try:
            code = live_code(token)
        except Gone as retired:
            return render(request, "residents/retired.html", {"message": retired.message}, status=410)
        except GovgridError:
            raise Http404 from None
        return view(request, code, *args, **kwargs)

    return page


@personal_data  # sets the device's cookie; a shared browser keeps nothing of it
@with_live_code
def resident_page(request, code):
    """GET /r/<token>/: report a problem or a suggestion about this place."""
    area = place_area(code)
    outline = json.loads(area.geom.simplify(0.00002, preserve_topology=True).geojson)
    config = {
        "place": code.token,
        "report": reverse("resident-report"),
        "follow": "/r/t/",
        "serviceWorker": reverse("resident-sw"),
        "outline": outline,
        # where a report is placed when the phone gives no position: the server's own choice (intake)
        "codePoint": list(code_point(code).coords) if code_point(code) else None,
        "tiles": [{"url": url, "options": options} for _name, url, options in settings.LEAFLET_CONFIG["TILES"]],
        "photoMaxBytes": settings.PHOTO_MAX_BYTES,
        "photoMaxCount": settings.PHOTO_MAX_COUNT,
        "labels": _labels(),
    }
    response = render(
        request,
        "residents/resident.html",
        {"place": _place_words(code), "topics": offered(), "config": config},
    )
    return set_device_cookie(request, response)


def _labels():
    return {
        "saved": _("Kept on your phone: it will be sent as soon as there is a network."),
        "sending": _("Sending…"),
        "sent": _("Received. Your tracking code is %(code)s."),
        "follow": _("Follow it here"),
        "refused": _("Not accepted: %(reason)s"),
        "retry": _("Not sent yet (%(reason)s): trying again shortly."),
        "locating": _("Finding where you are…"),
        "located": _("Placed where your phone is (about %(m)s m). Tap the map to move it."),
        "tapped": _("Placed where you tapped."),
        "atCode": _("Placed at the grid of the code. Tap the map to show the exact spot."),
        "noPlace": _("Tap the map to show where it is."),
        "noTopic": _("Choose what it is about."),
        "noDescription": _("Describe it in a few words."),
        "tooLarge": _("Photo %(name)s is too large."),
        "tooMany": _("At most %(n)s photos."),
        "mine": _("Your reports on this phone"),
        "httpError": _("the server answered %(status)s"),
    }


@personal_data  # the resident's own report
@require_http_methods(["GET", "POST"])
def follow_page(request, secret):
    """GET, POST /r/t/<secret>/: the private link's page; a POST is the resident's rating."""
    report = ResidentReport.objects.select_related("incident").filter(secret_digest=digest_of(secret)).first()
    if report is None:
        return render(request, "residents/not_found.html", {"message": following.NOT_FOUND}, status=404)
    if request.method == "POST":
        try:
            if request.POST.get("do") == "add":
                photos = request.FILES.getlist("photos")[: settings.PHOTO_MAX_COUNT + 1]
                text = request.POST.get("text", "")
                adding.add(report, text, photos, device_of(request), address_of(request))
                done = _("Added: the staff handling it can see it.")
            else:
                comment = request.POST.get("comment", "").strip()[:500]
                following.rate(report, form_int(request.POST.get("rating")), comment)
                done = _("Thank you: your rating was recorded.")
        except GovgridError as refused:
            messages.error(request, str(refused.message))
        else:
            messages.success(request, done)
        return redirect("resident-follow", secret=secret)
    return render(request, "residents/follow.html", {"view": following.public_view(report)})


@personal_data  # residents' contacts and photos
@login_required
@require_http_methods(["GET", "POST"])
def pending_page(request):
    """GET, POST /dispatch/residents/: the reports to accept, merge or decline, oldest first."""
    scope = Scope.for_user(request.user)
    if request.method == "POST":
        try:
            report = acceptance.decide(
                request.user,
                request.POST.get("report", ""),
                request.POST.get("decision", ""),
                form_int(request.POST.get("version")),
                category=request.POST.get("category", ""),
                incident=request.POST.get("incident", "").strip(),
                reason=request.POST.get("reason", ""),
                grid=request.POST.get("grid", ""),
            )
        except GovgridError as refused:
            messages.error(request, str(refused.message))
        else:
            words = ResidentReport.Status(report.status).label
            case = f" → {report.incident.code}" if report.incident_id else ""
            messages.success(request, f"{report.tracking_code}: {words}{case}")
        return redirect("resident-pending")
    rows = [following.staff_row(report, scope) for report in acceptance.pending(scope)[:200]]
    categories = Category.objects.reportable().order_by("code")
    grids = scope.filter(Area.objects.filter(level=Level.GRID), "code", writing=True).order_by("code")[:500]
    return render(request, "residents/pending.html", {"rows": rows, "categories": categories, "grids": grids})


RESIDENT_FILES = (
    "govgrid/site.css",
    "residents/resident.css",
    "leaflet/leaflet.css",
    "leaflet/leaflet.js",
    "residents/resident.js",
)


def service_worker(request):
    """GET /r/sw.js: the resident page's service worker (its scope is /r/): the files to keep, then
    the worker's code."""
    files = [static(name) for name in RESIDENT_FILES]
    cache_name = "govgrid-resident-" + hashlib.sha256("\n".join(files).encode()).hexdigest()[:12]
    script = (
        "// govgrid resident page: service worker. It keeps these files so the page opens with no network.\n"
        f"self.RESIDENT_OFFLINE = {json.dumps({'cache': cache_name, 'files': files})};\n"
        f"importScripts({json.dumps(static('residents/sw.js'))});\n"
    )
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
