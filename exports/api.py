"""Export API: GET /api/v1/export/<kind>.<format> for incidents, grids and coverage, in GeoJSON,
GeoJSONSeq, CSV and GeoPackage, with the filters of exports.plan. Login required (token or session);
the caller's scope decides the rows and whether residents' contacts are shown."""

import io
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.views import APIView

from govgrid.lib.privacy import personal_data
from govgrid.lib.reads import read_only
from grids.api import ScopedMixin
from incidents.figures_api import LoopFiguresQuery, read_query
from incidents.loop_figures import loop_figures_csv

from . import schema as docs
from .plan import CONTENT_TYPES, plan_export


class AnyAccept(BaseContentNegotiation):
    """An export answers in the format its URL names, whatever the Accept header says (GIS tools
    ask for application/geo+json, browsers for text/html); errors answer in JSON."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@read_only
@personal_data  # incidents may carry residents' contacts
@docs.export
class ExportView(ScopedMixin, APIView):
    """The export of `kind` in `fmt` (the URL's suffix), streamed as it is read from PostgreSQL."""

    content_negotiation_class = AnyAccept
    schema = docs.ExportAutoSchema()
    kind = None
    fmt = None

    def get(self, request):
        export = plan_export(self.kind, request.query_params, self.scope, self.fmt)
        filename = export.filename(self.fmt)
        if self.fmt == "gpkg":
            # A GeoPackage cannot be streamed while written: written first, then sent from the file.
            response = FileResponse(
                export.geopackage_file(), as_attachment=True, filename=filename, content_type=CONTENT_TYPES["gpkg"]
            )
        else:
            response = StreamingHttpResponse(export.chunks(self.fmt), content_type=CONTENT_TYPES[self.fmt])
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        # No X-Accel-Buffering: no here. nginx in front (make run) passes the stream on as it comes
        # and keeps what a slow client has not read yet in its own files, so a slow download never
        # holds a gunicorn worker (scripts/nginx.conf.in: proxy_max_temp_file_size).
        return response


class IncidentExportView(ExportView):
    """GET /api/v1/export/incidents.<format>?area=&status=&category=&level=&since=&until=&bbox= —
    cases in scope as points; the resident's contact only where the caller's role may see it."""

    kind = "incidents"


class GridExportView(ExportView):
    """GET /api/v1/export/grids.<format>?area=&level=&bbox= — boundaries of the areas in scope,
    grids unless `level` says otherwise."""

    kind = "grids"


class CoverageExportView(ExportView):
    """GET /api/v1/export/coverage.<format>?area=&status=&bbox= — every grid in scope with its
    coverage rules and status (full, partial, none)."""

    kind = "coverage"


@read_only
@personal_data  # an export: never kept by a shared browser or a proxy
class LoopFiguresExportView(ScopedMixin, APIView):
    """GET /api/v1/export/departments.csv?within=&by=&since=&until= — the departments' loop in
    figures (incidents.loop_figures) as CSV, the same rows as /api/v1/figures/departments/."""

    content_negotiation_class = AnyAccept

    @docs.loop_figures_export
    def get(self, request):
        data = read_query(LoopFiguresQuery, request, self.scope)
        out = tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+b")
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        loop_figures_csv(text, data["within"], data["by"], data["since"], data["until"])
        text.detach()
        out.seek(0)
        filename = f"departments-{data['within']}-{data['by']}.csv"
        return FileResponse(out, as_attachment=True, filename=filename, content_type=CONTENT_TYPES["csv"])
