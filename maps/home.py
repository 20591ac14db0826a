"""The dashboard (/): headline figures, trends, rankings, drill-down, and the map of the city's areas
coloured by grid kind."""

import folium
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from govgrid.lib.basemap import base_map
from govgrid.lib.reads import read_only
from grids.models import GridKind, Level, is_town_code
from grids.scopes import Scope, under_codes

from .dashboard import dashboard_figures
from .layers import (
    extent_of,
    fit_to_grids,
    for_basemap,
    grid_count,
    outlines,
    tiles_url,
    uses_vector_tiles,
)
from .pages import area_choices, page_area
from .queries import (
    INLINE_DIGITS,
    city_summary,
    feature_collection,
)

KIND_COLOURS = {
    GridKind.BASIC: "#9ecae1",
    GridKind.COMMERCIAL_BUILDING: "#fd8d3c",
    GridKind.MARKET: "#e6550d",
    GridKind.PARK: "#74c476",
    GridKind.SCHOOL: "#9e9ac8",
    GridKind.INDUSTRIAL_PARK: "#969696",
    GridKind.OTHER: "#fdd0a2",
}


def build_city_map(codes, area=None):
    """A folium map of the areas with these codes and everything in them: towns, streets,
    communities and grids coloured by kind; above settings.MAP_TILES_ABOVE grids, drawn from vector
    tiles (`area`: the area the page is narrowed to, if any)."""
    count = grid_count(codes)
    if uses_vector_tiles(count):
        return _city_map_from_tiles(codes, area)
    layers = {
        level: feature_collection(level, codes, digits=INLINE_DIGITS)
        for level in (Level.STREET, Level.COMMUNITY, Level.GRID)
    }
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
    figure = build_city_map(prefixes, area).get_root()
    figure.render()
    context |= {
        "map_header": figure.header.render(),
        "map_html": figure.html.render(),
        "map_script": figure.script.render(),
        "summary": city_summary(scope.areas().filter(under_codes(prefixes))),
        "kinds": [(GridKind(k).label, c) for k, c in KIND_COLOURS.items()],
        "area_choices": area_choices(scope, area),
    }
    context |= dashboard_figures(request, prefixes, area)
    return render(request, "maps/home.html", context)
