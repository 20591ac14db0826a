"""How the exports appear in the OpenAPI schema (/api/schema/): one view class per kind and one URL
per format (exports/urls.py); ExportView takes `ExportAutoSchema` as its schema, which gives each URL
its kind's filters and its format's one media type.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field

from govgrid.lib.errors import errors

from .filters import QUERIES, BBoxField, MomentField
from .plan import CONTENT_TYPES

# -------------------------------------------------------------------------------------
EXPORT_SUMMARIES = {
    "incidents": _("Export cases"),
    "grids": _("Export area boundaries"),
    "coverage": _("Export grid coverage"),
}
EXPORT_DESCRIPTIONS = {
    "incidents": _(
        "Cases in the caller's scope as points (WGS84), with their category, status, level, grid and times. "
        "Residents' names and phones are masked unless the caller's role may see them."
    ),
    "grids": _("Boundaries of the areas in the caller's scope (grids unless `level` says otherwise)."),
    "coverage": _("Every grid in the caller's scope with each coverage rule's result and its status."),
}
EXPORT_FORMATS = {
    "geojson": _("A GeoJSON FeatureCollection (RFC 7946)."),
    "geojsonl": _("GeoJSONSeq: one GeoJSON Feature per line."),
    "csv": _("CSV, UTF-8: lon and lat columns for points, a WKT column for boundaries."),
    "gpkg": _("A GeoPackage file."),
}


# The export filters' own fields (exports.filters), as the schema shows them.
extend_schema_field(
    {
        "type": "string",
        "pattern": r"^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$",
        "description": _("minlon,minlat,maxlon,maxlat in WGS84 degrees, e.g. 112.05,32.65,112.15,32.72"),
    }
)(BBoxField)
# No example values: "Try it out" leaves these optional filters empty, so a bare call is not
# narrowed to an arbitrary box, nor refused for a period whose end is its start.
extend_schema_field(
    {
        "type": "string",
        "description": _(
            "A date (its local midnight), e.g. 2026-01-31, or an ISO 8601 date and time (local time without an offset)"
        ),
    }
)(MomentField)


FEATURE_COLLECTION = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "name": {"type": "string"},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "id", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": "string"},
                    "geometry": {"type": "object"},
                    "properties": {"type": "object"},
                },
            },
        },
    },
}


class ExportAutoSchema(AutoSchema):
    """The schema of one export URL: its kind's filters, and the one media type its format answers in."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        kind, fmt = self.view.kind, self.view.fmt
        operation["operationId"] = f"export_{kind}_{fmt}"
        operation["summary"] = f"{EXPORT_SUMMARIES[kind]} ({fmt})"
        operation["description"] = f"{EXPORT_DESCRIPTIONS[kind]} {EXPORT_FORMATS[fmt]}"
        operation["tags"] = ["export"]
        body = FEATURE_COLLECTION if fmt == "geojson" else {"type": "string"}
        if fmt == "gpkg":
            body = {"type": "string", "format": "binary"}
        # geometry chooses a CSV's columns: lon and lat only for points.
        parameters = [p for p in operation.get("parameters", []) if fmt == "csv" or p["name"] != "geometry"]
        for parameter in parameters:
            if parameter["name"] == "geometry" and kind != "incidents":
                parameter["schema"]["enum"] = ["wkt"]
        operation["parameters"] = parameters
        operation["responses"]["200"] = {
            "description": str(EXPORT_FORMATS[fmt]),
            "content": {CONTENT_TYPES[fmt].split(";")[0]: {"schema": body}},
        }
        return operation

    def get_override_parameters(self):
        return [QUERIES[self.view.kind], *super().get_override_parameters()]


# On the export view class, which has ExportAutoSchema as its schema: its refusals (the answer
# itself is set per format by ExportAutoSchema).
export = extend_schema(responses={200: OpenApiTypes.STR, **errors(400, 401, 403, 404)})


def _loop_figures_query():
    from incidents.figures_api import LoopFiguresQuery

    return LoopFiguresQuery


loop_figures_export = extend_schema(
    operation_id="export_departments_csv",
    summary=_("The departments' loop in figures as CSV"),
    description=_("The rows of /api/v1/figures/departments/ with their counts and rates, one line each."),
    parameters=[_loop_figures_query()],
    responses={(200, "text/csv"): OpenApiTypes.STR, **errors(400, 401, 404)},
)
