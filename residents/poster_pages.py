"""The posters of the places' QR codes for those who change an area (its dispatchers, its grid
workers, administrators): /dispatch/posters/ to choose a community or a grid in scope, see what its
posters print, download them and rotate a code; /dispatch/posters/<area code>.<pdf|png|zip>?size=a4
or a5 for the files (residents/posters.py says what each holds).

Outside the user's scope an area does not exist (404); in it, but seen without the right to change
it (a leader, an analyst), it is refused (403). Rotating a code asks once more before it is done:
the posters already on the walls then open a page saying the code was replaced."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from govgrid.lib.privacy import personal_data
from grids.models import CODE_LENGTH, Area, Level
from grids.scopes import Scope

from . import posters
from .codes import codes_for, rotate

POSTER_LEVELS = (Level.COMMUNITY, Level.GRID)
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "zip": "application/zip"}


def _area_to_change(scope, code):
    """The grid or community `code`, if the user may change it: 404 outside their scope, 403 when
    they only see it."""
    area = Area.objects.filter(code=code, level__in=POSTER_LEVELS).first()
    if area is None or not scope.sees(code):
        raise Http404(_("No grid or community has the code %(code)s.") % {"code": code})
    if not scope.changes(code):
        raise PermissionDenied(_("Only those who look after an area print its posters and rotate its codes."))
    return area


def _choices(scope):
    """The communities the user changes, then the grids they change outside those communities (a
    grid worker's grids)."""
    communities = list(scope.filter(Area.objects.filter(level=Level.COMMUNITY), "code", writing=True).order_by("code"))
    codes = {c.code for c in communities}
    grids = [
        grid
        for grid in scope.filter(Area.objects.filter(level=Level.GRID), "code", writing=True).order_by("code")
        if grid.code[: CODE_LENGTH[Level.COMMUNITY]] not in codes
    ]
    return communities, grids


def _rows(places):
    live = codes_for(places)
    fields = posters.public_fields()
    return [
        {"area": place, "code": live[place.pk], "poster": posters.poster_of(place, live[place.pk], fields)}
        for place in places
    ]


@personal_data  # the contact cards name people (and their phones, where the setting prints them)
@login_required
@require_http_methods(["GET", "POST"])
def posters_page(request):
    """GET, POST /dispatch/posters/: choose a community or grid, download its posters, rotate a code."""
    scope = Scope.for_user(request.user)
    if not (scope.everything or scope.write):
        raise PermissionDenied(_("Only those who look after an area print its posters and rotate its codes."))
    confirming = None
    if request.method == "POST":
        area = _area_to_change(scope, request.POST.get("place", ""))
        back = request.POST.get("area", "")
        if not request.POST.get("confirmed"):
            confirming = area  # the same page, asking once more; nothing is done yet
        else:
            new = rotate(area)
            messages.success(
                request,
                _(
                    "%(name)s has a new QR code (%(token)s): print its posters again; "
                    "the old ones now say the code was replaced."
                )
                % {"name": area.name, "token": new.token},
            )
            return redirect(f"{reverse('resident-posters')}?{urlencode({'area': back or area.code})}")
    communities, grids = _choices(scope)
    wanted = (request.POST if confirming else request.GET).get("area", "")
    chosen = next((a for a in [*communities, *grids] if a.code == wanted), None)
    if chosen is None and wanted:
        chosen = _area_to_change(scope, wanted)  # a grid inside a community the user changes
    if chosen is None and (communities or grids):
        chosen = (communities or grids)[0]
    places = []
    if chosen is not None:
        places = [chosen]
        if chosen.level == Level.COMMUNITY:
            places += list(chosen.children.filter(level=Level.GRID).order_by("code"))
    return render(
        request,
        "residents/posters.html",
        {
            "communities": communities,
            "grids": grids,
            "chosen": chosen,
            "rows": _rows(places),
            "confirming": confirming,
            "sizes": [("a4", "A4"), ("a5", "A5")],
            "fields": posters.public_fields(),
        },
    )


@personal_data  # a poster prints a contact card, a grid worker's phone where the setting says so
@login_required
@require_GET
def poster_file(request, code, fmt):
    """GET /dispatch/posters/<area code>.pdf|png|zip?size=a4|a5: a community's set (PDF, zip) or its
    own poster (PNG); a grid's poster."""
    if fmt not in CONTENT_TYPES:
        raise Http404(_("Posters are PDF, PNG or zip files."))
    size = request.GET.get("size", "a4").lower()
    if size not in posters.SIZES:
        return HttpResponseBadRequest(_("The size is a4 or a5."), content_type="text/plain; charset=utf-8")
    area = _area_to_change(Scope.for_user(request.user), code)
    try:
        posters.check_fonts()
    except posters.FontMissing as missing:
        return HttpResponse(str(missing), status=503, content_type="text/plain; charset=utf-8")
    placed = posters.poster_set(area)
    if fmt == "pdf":
        body = posters.pdf(placed, size)
    elif fmt == "png":
        body = posters.png(placed[0], size)
    else:
        body = posters.png_zip(placed, size)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="posters-{area.code}-{size}.{fmt}"'
    return response
