"""Error pages: JSON under the API, translated HTML elsewhere."""

from django.http import HttpResponse, JsonResponse
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
    from open311.formats import Open311XMLRenderer

    errors = [{"code": 404, "description": str(_("Not found."))}]
    if request.path.endswith(".xml"):
        body = Open311XMLRenderer().render(errors, renderer_context={"view": None, "status": 404})
        return HttpResponse(body, status=404, content_type="text/xml; charset=utf-8")
    return JsonResponse(
        errors,
        status=404,
        safe=False,
        json_dumps_params={"ensure_ascii": False},
        content_type="application/json; charset=utf-8",
    )


def server_error(request):
    if request.path.startswith(API_PREFIXES):
        return JsonResponse({"detail": _("Server error; it has been logged."), "code": "server_error"}, status=500)
    return render(request, "500.html", status=500)
