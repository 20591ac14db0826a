"""Vector tiles for the map layers of large cities, and the folium layer that draws them.

    GET /maps/tiles/<layer>/<z>/<x>/<y>.pbf[?within=<area code>]

answers a Mapbox Vector Tile made by PostGIS (ST_AsMVT): the areas of the layer (grids, communities,
streets) that the user sees and that touch the tile, with their code, name, level, kind, households
and population, and for grids their coverage status (full / partial / none, from grids.coverage).
An empty tile is 204 No Content. Geometry is simplified by the tile itself: ST_AsMVTGeom snaps it to
a 4096 × 4096 grid per tile, clipped with a 64-unit buffer so outlines do not show the tile edges.
Below zoom 13 (a street or more in view, where a grid is a few pixels) grid tiles are an overview:
each grid with only its status and its code as the feature's numeric id (codes are digits), on a
1024-unit grid; a click still finds the grid's code, and the card fetched for it says the rest.
Without a login (session, or an API token for GIS tools) the answer is 401; a `within` the user does
not see, a tile outside the pyramid (z 0–22, x and y below 2^z) or an unknown layer is 404.

`VectorTileLayer` puts such a layer on a folium map; maps/static/maps/vectortiles.js draws it.
"""

import hashlib

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.template import Template
from rest_framework.exceptions import AuthenticationFailed

from govgrid.lib.basemap import draws_in_gcj02
from govgrid.lib.errors import GovgridError, NotFound
from govgrid.lib.reads import read_only
from grids.auth import ScopedTokenAuthentication
from grids.coverage import grid_results
from grids.models import Level, level_for_code, valid_on_sql
from grids.scopes import Scope, under_codes_sql

LAYERS = {"grids": Level.GRID, "communities": Level.COMMUNITY, "streets": Level.STREET}
MAX_ZOOM = 22
EXTENT = 4096  # tile units per side; at z14 near Dengzhou one unit is about 0.5 m
BUFFER = 64  # tile units drawn beyond each edge
OVERVIEW_BELOW = 13  # grid tiles of lower zooms: code and status only, on OVERVIEW_EXTENT
OVERVIEW_EXTENT = 1024
CACHE_SECONDS = 60  # browsers reuse a tile this long; coverage can change any minute

_TILE_SQL = """
    WITH in_tile AS (
        -- the areas of the layer, in scope, whose bounding box meets the tile and its buffer
        SELECT a.* FROM grids_area a
        WHERE a.level = %(level)s AND {current} AND {{under}}
          AND a.geom && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), 4326)
    ){statuses}, features AS (
        SELECT ST_AsMVTGeom(ST_Transform(a.geom, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                            %(extent)s, %(buffer)s, true) AS geom,
               {facts}{status_column}
        FROM in_tile a{status_join}
        ORDER BY a.code  -- the same bytes, and so the same ETag, while nothing changes
    )
    SELECT ST_AsMVT(features.*, %(layer)s, %(extent)s, 'geom'{feature_id}) FROM features WHERE geom IS NOT NULL
"""
# Grids carry their coverage status, by grids.coverage.grid_results on the tile's grids only (its
# source is in_tile): read from the maintained coverage table when it holds today's results, else
# by the rules run live. A tile of zoom 12 holds a thousand grids, for which
# the rules took a quarter of a second (and a second more of JIT compiling) at 50,000 grids.
_FACTS = "a.code, a.name, a.level, NULLIF(a.kind, '') AS kind, a.households, a.population"
_GRID_STATUSES = {
    "statuses": """, statuses AS (
        {statuses}
    )""",
    "status_column": ", s.status",
    "status_join": " LEFT JOIN statuses s ON s.code = a.code",
}
_CURRENT = valid_on_sql("a")  # the areas of today's generation
_GRID_TILE_SQL = _TILE_SQL.format(facts=_FACTS, feature_id="", current=_CURRENT, **_GRID_STATUSES)
_GRID_OVERVIEW_SQL = _TILE_SQL.format(
    facts="a.code::bigint AS id", feature_id=", 'id'", current=_CURRENT, **_GRID_STATUSES
)
_AREA_TILE_SQL = _TILE_SQL.format(
    facts=_FACTS, feature_id="", current=_CURRENT, statuses="", status_column="", status_join=""
)


class Unauthenticated(GovgridError):
    status = 401
    code = "not_authenticated"


@read_only
def tile(request, layer, z, x, y):
    """One vector tile of a layer, inside the user's scope (see the module's docstring)."""
    try:
        user = _authenticated_user(request)
        scope = Scope.for_user(user)
        level = _check_tile(layer, z, x, y)
        prefixes = _prefixes(scope, request.GET.get("within"))
        body = make_tile(layer, level, z, x, y, prefixes) if prefixes else b""
    except GovgridError as error:
        response = JsonResponse(error.as_dict(), status=error.status)
        if error.status == 401:
            response["WWW-Authenticate"] = "Token"  # as the API answers a missing token
        return response
    return _tile_response(request, body)


def make_tile(layer, level, z, x, y, prefixes):
    """The tile's bytes (empty when no area touches it), from areas whose code starts with a prefix."""
    overview = level == Level.GRID and z < OVERVIEW_BELOW
    extent = OVERVIEW_EXTENT if overview else EXTENT
    under, params = under_codes_sql("a.code", prefixes)
    params |= {
        "layer": layer,
        "level": str(level),
        "z": z,
        "x": x,
        "y": y,
        "extent": extent,
        "buffer": BUFFER * extent // EXTENT,
        "margin": BUFFER / EXTENT,
    }
    sql = _AREA_TILE_SQL
    if level == Level.GRID:
        statuses, statuses_params = _grid_statuses()
        params |= statuses_params
        sql = (_GRID_OVERVIEW_SQL if overview else _GRID_TILE_SQL).replace("{statuses}", statuses)
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{under}", under), params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] else b""


def _grid_statuses():
    """(SQL, params): the code and coverage status of each grid of the tile (in_tile)."""
    rules, params = grid_results(source="in_tile")
    return f"SELECT code, status FROM ({rules}) rules", params


def _authenticated_user(request):
    """The session's user, or a token's (GIS tools send `Authorization: Token …`)."""
    if request.user.is_authenticated:
        return request.user
    try:
        found = ScopedTokenAuthentication().authenticate(request)
    except AuthenticationFailed as error:
        raise Unauthenticated(str(error.detail)) from None
    if found is None:
        raise Unauthenticated(_("Log in to see the map."))
    return found[0]


def _check_tile(layer, z, x, y):
    if layer not in LAYERS:
        raise NotFound(_("No map layer is called %(layer)s.") % {"layer": layer}, field="layer")
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        raise NotFound(
            _("No tile %(z)s/%(x)s/%(y)s: the zoom is 0 to %(max)s, x and y are below 2 to the power of the zoom.")
            % {"z": z, "x": x, "y": y, "max": MAX_ZOOM}
        )
    return LAYERS[layer]


def _prefixes(scope, within):
    """Code prefixes of the areas the tile may hold: `within` when the user sees it, else the scope."""
    if within is not None and level_for_code(within) is None:
        raise GovgridError(_("An area code is 6, 9, 12 or 15 digits."), field="within")
    return scope.read_prefixes(within, field="within")


def _tile_response(request, body):
    """204 for an empty tile; otherwise the tile with an ETag of its bytes (304 when unchanged)."""
    if not body:
        response = HttpResponse(status=204)
    else:
        etag = f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
        if etag in parse_etags(request.headers.get("If-None-Match", "")):
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(body, content_type="application/vnd.mapbox-vector-tile")
        response["ETag"] = etag
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    patch_vary_headers(response, ("Cookie", "Authorization"))
    return response


class VectorTileLayer(JSCSSMixin, Layer):
    """A folium layer drawn from govgrid's vector tiles by maps/static/maps/vectortiles.js.

    url_template: the tile URL with {z}, {x}, {y}, e.g. "/maps/tiles/grids/{z}/{x}/{y}.pbf?within=411381001".
    name: the layer's name in the layer control (an overlay unless overlay=False).
    style: how features are drawn, Leaflet path options plus a colour by property:
        {"property": "status", "colours": {"full": "#1a9850", ...}, "fillColor": "#cccccc" (for other
         values), "color": "#4a6b8a" (outline), "weight": 0.6, "opacity": 1, "fill": True, "fillOpacity": 0.7}
        or some features only, each with a line of its own: {"property": "code", "fill": False,
        "strokes": {code: "hot99", ...}, "strokeStyles": {"hot99": {"color": …, "weight": …,
        "dashArray": "5 3"}}}: a feature whose value `strokes` does not name is not drawn.
    popup_fields: [(property, label)] shown in a popup when a feature is clicked; None for no popup.
    on_click: the name of a global JS function (dots allowed: "govgrid.openGrid") called with the
        clicked feature's properties, its latlng and the layer.
    gcj02: draw the data shifted from WGS84 to GCJ-02; default: when the base map is drawn in GCJ-02.
    min_zoom, max_native_zoom: below min_zoom nothing is drawn; above max_native_zoom the tiles of
        that zoom are scaled up instead of fetched.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.govgrid.vectorTileLayer(
                {{ this.url_template|tojson }},
                {{ this.options|tojson }}
            );
        {% endmacro %}
        """
    )

    def __init__(
        self,
        url_template,
        name,
        style,
        popup_fields=None,
        on_click=None,
        gcj02=None,
        min_zoom=None,
        max_native_zoom=None,
        overlay=True,
        control=True,
        show=True,
    ):
        super().__init__(name=name, overlay=overlay, control=control, show=show)
        self._name = "VectorTileLayer"
        # Resolved per layer, not at import: static() needs the collected files' manifest.
        self.default_js = [("govgrid_vectortiles", static("maps/vectortiles.js"))]
        self.url_template = url_template
        options = {
            "style": dict(style),
            "popupFields": [[str(key), str(label)] for key, label in popup_fields or ()],  # labels may be lazy
            "onClick": on_click,
            "gcj02": draws_in_gcj02() if gcj02 is None else bool(gcj02),
            "minZoom": min_zoom,
            "maxNativeZoom": max_native_zoom,
        }
        # Passed with tojson, not folium's tojavascript, which would camel-case the colour keys.
        self.options = {key: value for key, value in options.items() if value is not None}
