"""How the exports and the vector tiles appear in the OpenAPI schema (/api/schema/).

An export is one view class per kind and one URL per format (maps/export_urls.py): ExportView
takes `ExportAutoSchema` as its schema, which gives each URL its kind's filters and its format's
one media type. The vector tiles are a plain Django view (maps/tiles.py), which drf-spectacular does
not see: `describe_tiles` adds their path to the generated document (govgrid.openapi.postprocess).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field

from govgrid.openapi import ERROR_DESCRIPTIONS, errors
from grids.schema import AREA_CODE

from .export_filters import QUERIES, BBoxField, MomentField
from .exports import CONTENT_TYPES
from .tiles import LAYERS, MAX_ZOOM

# --- exports -------------------------------------------------------------------------------------
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


# The export filters' own fields (maps.export_filters), as the schema shows them.
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


# --- vector tiles ----------------------------------------------------------------------------------
def describe_tiles(result):
    """Add GET /maps/tiles/{layer}/{z}/{x}/{y}.pbf to the schema (drf-spectacular sees only DRF
    views): GIS tools open the tiles with a token, as the API."""
    BINARY = {"type": "string", "format": "binary"}  # noqa: N806 - a constant of this function

    def refusal(status):
        return {
            "description": str(ERROR_DESCRIPTIONS[status]),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}},
        }

    def number(name, description, maximum=None):
        schema = {"type": "integer", "minimum": 0} | ({"maximum": maximum} if maximum is not None else {})
        return {"in": "path", "name": name, "required": True, "schema": schema, "description": str(description)}

    result["paths"]["/maps/tiles/{layer}/{z}/{x}/{y}.pbf"] = {
        "get": {
            "operationId": "map_tile",
            "summary": str(_("A vector tile of a map layer")),
            "description": str(
                _(
                    "A Mapbox Vector Tile made by PostGIS of the layer's areas in the caller's scope that meet "
                    "the tile: code, name, level, kind, households, population, and for grids their coverage "
                    "status. Below zoom 13 a grid tile is an overview: each grid's status, with its code as "
                    "the feature's id. An empty tile is 204."
                )
            ),
            "tags": ["maps"],
            "parameters": [
                {"in": "path", "name": "layer", "required": True, "schema": {"type": "string", "enum": list(LAYERS)}},
                number("z", _("Zoom."), MAX_ZOOM),
                number("x", _("Column, below 2 to the power of the zoom.")),
                number("y", _("Row, below 2 to the power of the zoom.")),
                {
                    "in": "query",
                    "name": "within",
                    "required": False,
                    "schema": {"type": "string", "pattern": AREA_CODE},
                    "description": str(_("Only the areas inside this area.")),
                },
            ],
            "security": [{"tokenAuth": []}, {"cookieAuth": []}],
            "responses": {
                "200": {
                    "description": str(_("The tile.")),
                    "content": {"application/vnd.mapbox-vector-tile": {"schema": BINARY}},
                },
                "204": {"description": str(_("No area of the layer meets the tile."))},
                "304": {"description": str(_("Unchanged since the ETag sent in If-None-Match."))},
                "400": refusal(400),
                "401": refusal(401),
                "404": refusal(404),
            },
        }
    }
