"""The dashboard (/): headline figures, trends, rankings, drill-down, and the map of the city's areas
coloured by grid kind."""

import hashlib
import json
import threading
from collections import OrderedDict

import folium
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from govgrid.lib.basemap import base_map
from govgrid.lib.reads import read_only
from grids.models import GridKind, Level, is_town_code
from grids.scopes import Scope, under_codes

from .dashboard import dashboard_figures
from .layers import (
    extent_of,
    figure_parts,
    fit_to_grids,
    for_basemap,
    grid_count,
    outlines,
    tiles_url,
    uses_vector_tiles,
)
from .pages import area_choices, page_area
from .queries import INLINE_DIGITS, city_summary, feature_collection_text

KIND_COLOURS = {
    GridKind.BASIC: "#9ecae1",
    GridKind.COMMERCIAL_BUILDING: "#fd8d3c",
    GridKind.MARKET: "#e6550d",
    GridKind.PARK: "#74c476",
    GridKind.SCHOOL: "#9e9ac8",
    GridKind.INDUSTRIAL_PARK: "#969696",
    GridKind.OTHER: "#fdd0a2",
}


# The levels the city map draws inline, each a layer.
CITY_MAP_LEVELS = (Level.STREET, Level.COMMUNITY, Level.GRID)


# The city map drawn inline is rendered once for what it draws: a leader's dashboard draws the same
# areas visit after visit, and making PostGIS's GeoJSON into a folium map (reading it, styling each
# grid by its kind, writing it into the page) was a third of the demo city's dashboard (0.07 of
# 0.21 s). The key is the GeoJSON text itself, with the language and the base map, so that a
# boundary, name, kind or figure changed draws the map anew; each server process keeps the last
# CITY_MAPS_KEPT maps (about 0.4 MB each for a city of 514 grids).
CITY_MAPS_KEPT = 64
_city_maps = OrderedDict()
_city_maps_lock = threading.Lock()


def city_map(codes, area=None):
    """The map of the areas with these codes and everything in them, as the page's pieces
    (maps.layers.figure_parts): towns, streets, communities and grids coloured by kind; above
    settings.MAP_TILES_ABOVE grids, drawn from vector tiles (`area`: the area the page is narrowed
    to, if any)."""
    if uses_vector_tiles(grid_count(codes)):
        return figure_parts(_city_map_from_tiles(codes, area))
    texts = [feature_collection_text(level, codes, INLINE_DIGITS) for level in CITY_MAP_LEVELS]
    key = hashlib.blake2b(digest_size=16)
    for part in (*texts, get_language() or "", settings.BASEMAP, repr(settings.BASEMAP_LAYERS)):
        key.update(part.encode() + b"\0")
    key = key.digest()
    with _city_maps_lock:
        pieces = _city_maps.get(key)
        if pieces is not None:
            _city_maps.move_to_end(key)
            return pieces
    pieces = figure_parts(_inline_city_map(texts))
    with _city_maps_lock:
        _city_maps[key] = pieces
        while len(_city_maps) > CITY_MAPS_KEPT:
            _city_maps.popitem(last=False)
    return pieces


def _inline_city_map(texts):
    """The city map drawn from the GeoJSON texts of CITY_MAP_LEVELS' areas."""
    layers = {level: json.loads(text) for level, text in zip(CITY_MAP_LEVELS, texts, strict=True)}
    for feature in layers[Level.GRID]["features"]:
        props = feature["properties"]
        props["kind_label"] = str(GridKind(props["kind"]).label)
    for collection in layers.values():
        for_basemap(collection)

    fmap = base_map()

    streets = [f for f in layers[Level.STREET]["features"] if not is_town_code(f["properties"]["code"])]
    towns = [f for f in layers[Level.STREET]["features"] if is_town_code(f["properties"]["code"])]
    tooltip = ["code", "name"], [_("code"), _("name")]
    grid_tooltip = (
        ["code", "name", "kind_label", "households", "population"],
        [_("code"), _("name"), _("grid kind"), _("households"), _("population")],
    )
    # (features, layer name, style, tooltip fields and aliases or None); empty layers are left out,
    # since a dispatcher's or grid worker's map has no towns or streets.
    for features, name, style, fields in (
        (
            towns,
            _("towns"),
            {"color": "#888", "weight": 1, "fillColor": "#eeeeee", "fillOpacity": 0.5, "className": "town"},
            tooltip,
        ),
        (layers[Level.GRID]["features"], _("grids"), None, grid_tooltip),
        (
            layers[Level.COMMUNITY]["features"],
            _("communities"),
            {"color": "#1f3a5f", "weight": 1.8, "fill": False, "className": "community"},
            None,
        ),
        (streets, _("streets"), {"color": "#b03a2e", "weight": 3.5, "fill": False, "className": "street"}, None),
    ):
        if not features:
            continue
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            name=name,
            interactive=fields is not None,
            style_function=(lambda f, style=style: style) if style else _grid_style,
            highlight_function=(lambda f: {"weight": 2.5, "color": "#c0392b"}) if fields else None,
            tooltip=folium.GeoJsonTooltip(fields[0], aliases=fields[1]) if fields else None,
        ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    west, south, east, north = extent_of(layers[Level.GRID])
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


def _city_map_from_tiles(codes, area):
    """The city map of a large city: grids coloured by kind (kinds show from zoom 13, where grid
    tiles carry them), community and street borders, all from vector tiles."""
    from .tiles import VectorTileLayer

    fmap = base_map()
    colours = {str(kind): colour for kind, colour in KIND_COLOURS.items()}
    VectorTileLayer(
        tiles_url("grids", area),
        name=_("grids"),
        style={"property": "kind", "colours": colours, "fillColor": "#dddddd", "weight": 0.5, "fillOpacity": 0.6},
        popup_fields=[("code", _("code")), ("name", _("name")), ("households", _("households"))],
    ).add_to(fmap)
    outlines(fmap, codes, area, tiles=True)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fit_to_grids(fmap, codes)
    return fmap


def _grid_style(feature):
    return {
        "color": "#4a6b8a",
        "weight": 0.6,
        "fillOpacity": 0.7,
        "className": "grid",
        "fillColor": KIND_COLOURS[feature["properties"]["kind"]],
    }


@read_only
@login_required
def home(request):
    """The dashboard: headline figures, trends by month, the monthly ranking of streets and
    communities, drill-down district → street → community → grid, and the map of the area."""
    scope = Scope.for_user(request.user)
    prefixes, area, roots = page_area(request, scope)
    context = {"roots": roots, "area": area}
    if not prefixes:
        return render(request, "maps/home.html", context)
    context |= city_map(prefixes, area) | {
        "summary": city_summary(scope.areas().filter(under_codes(prefixes))),
        "kinds": [(GridKind(k).label, c) for k, c in KIND_COLOURS.items()],
        "area_choices": area_choices(scope, area),
    }
    context |= dashboard_figures(request, prefixes, area)
    return render(request, "maps/home.html", context)
