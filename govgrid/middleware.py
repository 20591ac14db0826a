"""Requests that carry a NUL character in their path or query string are answered here.

PostgreSQL cannot hold NUL in text, so such a value reaching a query fails inside the database
driver (a server error). No area, case or category code contains one, so the request is refused
before any view runs: a path with NUL names nothing (404), a query parameter with NUL is bad input
(400 naming the parameter). Request bodies go through serializers, which refuse NUL themselves.
"""

from urllib.parse import parse_qsl

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from govgrid.lib.privacy import holds_personal_data

from .views import API_PREFIXES, not_found


class RefuseNulCharacters:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            return not_found(request)
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            for name, value in parse_qsl(query, keep_blank_values=True):
                if "\x00" in name or "\x00" in value:
                    return _refused(request, name.replace("\x00", "\ufffd"))
        return self.get_response(request)


def _refused(request, name):
    message = _("Null characters are not allowed.")
    if not request.path.startswith(API_PREFIXES):
        return HttpResponse(f"{name}: {message}", status=400, content_type="text/plain; charset=utf-8")
    if request.path.startswith("/open311/"):
        from open311.formats import error_list_response

        return error_list_response(request, 400, f"{name}: {message}", name)
    body = {"detail": f"{name}: {message}", "code": "invalid", "field": name, "errors": {name: [message]}}
    return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})


class NoStoreForPersonalData:
    """`Cache-Control: private, no-store` on every answer of a view marked with `personal_data`, its
    refusals included: no shared cache (a proxy, a CDN) may keep it, and no browser may write it to
    its disk, where the next person at a shared office computer or a lost phone would find it. One
    place, so that a new view gets it by its mark rather than by remembering a header line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A marked view may say of one answer that it holds none (Open311's public answers: no
        # contact, no text, no photo) by setting `response.personal_data = False`.
        if getattr(request, "holds_personal_data", False) and getattr(response, "personal_data", True):
            response["Cache-Control"] = "private, no-store"
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        request.holds_personal_data = holds_personal_data(view_func)
