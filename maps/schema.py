"""How the vector tiles appear in the OpenAPI schema (/api/schema/): they are a plain Django view
(maps/tiles.py), which drf-spectacular does not see, so `describe_tiles` adds their path to the
generated document (govgrid.openapi.postprocess).
"""

from django.utils.translation import gettext_lazy as _

from govgrid.lib.errors import ERROR_DESCRIPTIONS
from grids.schema import AREA_CODE

from .tiles import LAYERS, MAX_ZOOM


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
