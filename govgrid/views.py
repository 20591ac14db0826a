"""Error pages: JSON under the API, translated HTML elsewhere."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

API_PREFIXES = ("/api/", "/open311/")


def not_found(request, exception=None):
    if request.path.startswith("/open311/"):
        return open311_not_found(request)
    if request.path.startswith(API_PREFIXES):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return render(request, "404.html", status=404)


def open311_not_found(request):
    """GeoReport's error list, as XML when the path asks for XML."""
    from open311.formats import error_list_response

    return error_list_response(request, 404, str(_("Not found.")))


def server_error(request):
    if request.path.startswith(API_PREFIXES):
        return JsonResponse({"detail": _("Server error; it has been logged."), "code": "server_error"}, status=500)
    return render(request, "500.html", status=500)
