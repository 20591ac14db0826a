"""Requests that carry a NUL character in their path or query string are answered here.

PostgreSQL cannot hold NUL in text, so such a value reaching a query fails inside the database
driver (a server error). No area, case or category code contains one, so the request is refused
before any view runs: a path with NUL names nothing (404), a query parameter with NUL is bad input
(400 naming the parameter). Request bodies go through serializers, which refuse NUL themselves.
"""

from urllib.parse import parse_qsl

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

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
