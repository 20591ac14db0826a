"""Map pages, built with folium and served with every script and style from this app."""

import folium
import numpy as np
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _

from govgrid.lib import coords
from grids.models import GridKind, Level, is_town_code
from grids.scopes import Scope

from . import basemap
from .queries import city_summary, feature_collection

KIND_COLOURS = {
    GridKind.BASIC: "#9ecae1",
    GridKind.COMMERCIAL_BUILDING: "#fd8d3c",
    GridKind.MARKET: "#e6550d",
    GridKind.PARK: "#74c476",
    GridKind.SCHOOL: "#9e9ac8",
    GridKind.INDUSTRIAL_PARK: "#969696",
    GridKind.OTHER: "#fdd0a2",
}


class OfflineMap(folium.Map):
    """folium.Map whose scripts and styles come from this server, never from a CDN. Only Leaflet is
    needed for polygons, tooltips and the layer control."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Resolved per map, not at import: static() needs the collected files' manifest.
        self.default_js = [("leaflet", static("leaflet/leaflet.js"))]
        self.default_css = [("leaflet_css", static("leaflet/leaflet.css")), ("govgrid_map_css", static("maps/map.css"))]


def build_city_map(codes):
    """A folium map of the areas with these codes and everything in them: towns, streets,
    communities and grids coloured by kind."""
    layers = {level: feature_collection(level, codes) for level in (Level.STREET, Level.COMMUNITY, Level.GRID)}
    for feature in layers[Level.GRID]["features"]:
        props = feature["properties"]
        props["kind_label"] = str(GridKind(props["kind"]).label)
    if basemap.draws_in_gcj02():
        for collection in layers.values():
            _shift_to_gcj02(collection)

    fmap = OfflineMap(tiles=None, control_scale=True, zoom_control=True)
    for url, attribution, subdomains in basemap.tile_layers():
        folium.TileLayer(tiles=url, attr=attribution or url, subdomains=subdomains, overlay=False).add_to(fmap)

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
    west, south, east, north = _extent(layers[Level.GRID])
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


def _grid_style(feature):
    return {
        "color": "#4a6b8a",
        "weight": 0.6,
        "fillOpacity": 0.7,
        "className": "grid",
        "fillColor": KIND_COLOURS[feature["properties"]["kind"]],
    }


def _extent(collection):
    xs, ys = [], []
    for feature in collection["features"]:
        points = np.array([xy for polygon in feature["geometry"]["coordinates"] for ring in polygon for xy in ring])
        xs.extend((points[:, 0].min(), points[:, 0].max()))
        ys.extend((points[:, 1].min(), points[:, 1].max()))
    if not xs:  # a district with no grids yet: frame the default centre
        lat, lon = settings.LEAFLET_CONFIG["DEFAULT_CENTER"]
        return lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05
    return min(xs), min(ys), max(xs), max(ys)


def _shift_to_gcj02(collection):
    for feature in collection["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            for i, ring in enumerate(polygon):
                xy = np.array(ring)
                lon, lat = coords.wgs84_to_gcj02(xy[:, 0], xy[:, 1])
                polygon[i] = np.round(np.column_stack([lon, lat]), 6).tolist()


@login_required
def home(request):
    """The map of everything in the user's scope: the district for leaders, a street or community
    for dispatchers, their grids for grid workers."""
    scope = Scope.for_user(request.user)
    roots = list(scope.roots())
    context = {"roots": roots}
    if roots:
        codes = [area.code for area in roots]
        figure = build_city_map(codes).get_root()
        figure.render()
        context |= {
            "map_header": figure.header.render(),
            "map_html": figure.html.render(),
            "map_script": figure.script.render(),
            "summary": city_summary(scope.areas()),
            "kinds": [(GridKind(k).label, c) for k, c in KIND_COLOURS.items()],
        }
    return render(request, "maps/home.html", context)
