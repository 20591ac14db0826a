"""The OpenAPI 3 schema (/api/schema/) and its interactive docs (/api/docs/): what is the same for
the whole API.

drf-spectacular builds the schema from the views. Each view carries its own description, a
decorator from its app's schema module (grids/schema.py, incidents/schema.py, maps/schema.py,
workcalendar/schema.py, open311/schema.py), with the one error shape of govgrid.lib.errors; here
are only the post-processing of the whole document, and the schema and docs views. The docs page loads
Swagger UI from drf-spectacular-sidecar's static files: nothing from the network. (Redoc is left
out: its bundle always fetches a logo from its maker's server.)
"""

import re

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.plumbing import set_query_parameters
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny, IsAuthenticated


def postprocess(result, generator, request, public):
    """drf-spectacular post-processing hook: extra error fields are allowed (a refused location
    names the nearest grid, a stale action the current state), blank text is allowed where a field
    with a pattern defaults to it, the vector tiles (a plain Django view) are added, and Open311
    answers get their XML element names."""
    # The apps' schema modules import this one for the error shape: theirs are imported here, late.
    from maps.schema import describe_tiles
    from open311.schema import xml_names

    error = result.get("components", {}).get("schemas", {}).get("ApiError")
    if error is not None:
        error["additionalProperties"] = True
    _allow_blank_defaults(result.get("components", {}))
    describe_tiles(result)
    return xml_names(result, generator, request, public)


def _allow_blank_defaults(node):
    """A RegexField with allow_blank accepts "" without matching its pattern (the report's
    contact_phone): say so in the pattern, or the schema's own default breaks it."""
    if isinstance(node, dict):
        pattern = node.get("pattern")
        if pattern and node.get("default") == "" and not re.search(pattern, ""):
            node["pattern"] = f"^$|{pattern}"
        for value in node.values():
            _allow_blank_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _allow_blank_defaults(value)


def docs_are_public():
    """GOVGRID_API_DOCS_PUBLIC: the schema and the docs page are shown to anyone; by default only to
    a logged-in caller (a session or a token)."""
    return settings.API_DOCS_PUBLIC


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema; without a login 401 (a token is what a program sends), unless public."""

    def get_permissions(self):
        return [AllowAny()] if docs_are_public() else [IsAuthenticated()]


class DocsView(SpectacularSwaggerView):
    """Swagger UI over /api/schema/ in the caller's language; "Try it out" calls the live API.
    Without a login the browser is sent to the login page and back, unless the docs are public."""

    template_name = "govgrid/api_docs.html"
    title = _("govgrid API")

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        if not docs_are_public() and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().get(request, *args, **kwargs)

    def _get_schema_url(self, request):
        """The schema in the language this page is shown in (the header's switch, the browser's
        language), named in its URL: Swagger UI's own request would not carry the choice reliably."""
        url = super()._get_schema_url(request)
        return set_query_parameters(url, lang=request.GET.get("lang") or get_language())
