"""How areas are drawn on the map pages' folium maps: inline GeoJSON for a small city, vector tiles
above settings.MAP_TILES_ABOVE grids, community and street outlines, and the view framed on the grids."""

import folium
import numpy as np
from django.conf import settings
from django.contrib.gis.db.models import Extent
from django.utils.translation import gettext as _

from govgrid.lib import coords
from govgrid.lib.basemap import draws_in_gcj02
from grids.models import Area, Level
from grids.scopes import under_codes

from .queries import (
    INLINE_DIGITS,
    coverage_features,
    feature_collection,
)


def extent_of(collection):
    xs, ys = [], []
    for feature in collection["features"]:
        points = np.array([xy for polygon in feature["geometry"]["coordinates"] for ring in polygon for xy in ring])
        xs.extend((points[:, 0].min(), points[:, 0].max()))
        ys.extend((points[:, 1].min(), points[:, 1].max()))
    if not xs:  # a district with no grids yet: frame the default centre
        lat, lon = settings.LEAFLET_CONFIG["DEFAULT_CENTER"]
        return lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05
    return min(xs), min(ys), max(xs), max(ys)


def for_basemap(collection):
    """The collection as drawn on the configured base map: shifted to GCJ-02 on AMap, else as is."""
    if draws_in_gcj02():
        _shift_to_gcj02(collection)
    return collection


def _shift_to_gcj02(collection):
    for feature in collection["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            for i, ring in enumerate(polygon):
                xy = np.array(ring)
                lon, lat = coords.wgs84_to_gcj02(xy[:, 0], xy[:, 1])
                polygon[i] = np.round(np.column_stack([lon, lat]), 6).tolist()


def grid_count(prefixes):
    return Area.objects.grids().filter(under_codes(prefixes)).count()


def uses_vector_tiles(count):
    """Above settings.MAP_TILES_ABOVE grids a page draws them from vector tiles made by PostGIS
    instead of inline GeoJSON, so its size no longer grows with the city."""
    return count > settings.MAP_TILES_ABOVE


def _simplification(count):
    """(tolerance in degrees, decimals) for inline geometry: vertices rounded to INLINE_DIGITS, and
    above 2,000 grids also simplified by about a metre, invisible at the zoom where a district is in
    view."""
    return (0.0, INLINE_DIGITS) if count <= 2000 else (0.00001, INLINE_DIGITS)


def figure_parts(fmap):
    figure = fmap.get_root()
    figure.render()
    return {
        "map_header": figure.header.render(),
        "map_html": figure.html.render(),
        "map_script": figure.script.render(),
        "map_name": fmap.get_name(),
    }


def fit_to_grids(fmap, prefixes):
    """Open the map on the grids under the prefixes, not on the whole of their areas: a district's
    boundary spans the countryside around the city, while its grids are where the work is. Returns
    that extent (west, south, east, north), in WGS84."""
    extent = Area.objects.grids().filter(under_codes(prefixes)).aggregate(box=Extent("geom"))["box"]
    if extent is None:  # no grids yet: the areas themselves
        extent = Area.objects.filter(under_codes(prefixes)).aggregate(box=Extent("geom"))["box"]
    if extent is None:
        lat, lon = settings.LEAFLET_CONFIG["DEFAULT_CENTER"]
        extent = (lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05)
    west, south, east, north = extent
    if draws_in_gcj02():
        (west, east), (south, north) = coords.wgs84_to_gcj02(np.array([west, east]), np.array([south, north]))
    fmap.fit_bounds([[float(south), float(west)], [float(north), float(east)]])
    return extent


def tiles_url(layer, area=None):
    """The URL template of a layer's vector tiles ("grids", "communities", "streets"), kept to the
    area a page is narrowed to (the tiles keep to the user's scope by themselves)."""
    within = f"?within={area.code}" if area is not None else ""
    return f"/maps/tiles/{layer}/{{z}}/{{x}}/{{y}}.pbf{within}"


def grid_layer(fmap, prefixes, area, count, name, style, as_of=None):
    """The `count` grids under the prefixes, inline or as vector tiles; returns the inline layer or
    None. The tiles keep to the user's scope by themselves, so only a narrowed page (`area`) asks
    for a subtree, and one layer serves a scope of several areas. The grids of a past day (`as_of`)
    are drawn inline: tiles hold today's."""
    if uses_vector_tiles(count) and as_of is None:
        from .tiles import VectorTileLayer

        VectorTileLayer(
            tiles_url("grids", area),
            name=name,
            style=style,
            on_click="govgridOpenFeature",
            gcj02=draws_in_gcj02(),
        ).add_to(fmap)
        return None
    tolerance, digits = _simplification(count)
    collection = for_basemap(coverage_features(prefixes, tolerance, digits, as_of))
    colours = style["colours"]
    layer = folium.GeoJson(
        collection,
        name=name,
        style_function=lambda f: {
            "color": "#4a6b8a",
            "weight": style["weight"],
            "fillOpacity": style["fillOpacity"],
            "fillColor": colours.get(str(f["properties"].get(style["property"])), "#cccccc"),
            "className": "grid",
        },
        highlight_function=lambda f: {"weight": 2.5, "color": "#c0392b"},
        tooltip=folium.GeoJsonTooltip(["code", "name"], aliases=[_("code"), _("name")]),
    )
    layer.add_to(fmap)
    return layer


def _outline_layer(fmap, prefixes, level, name, style):
    collection = feature_collection(level, prefixes, digits=INLINE_DIGITS)
    for_basemap(collection)
    if collection["features"]:
        folium.GeoJson(collection, name=name, interactive=False, style_function=lambda f: style).add_to(fmap)


OUTLINES = (
    (Level.COMMUNITY, "communities", {"color": "#1f3a5f", "weight": 1.5}),
    (Level.STREET, "streets", {"color": "#b03a2e", "weight": 3}),
)


def outlines(fmap, prefixes, area, tiles):
    """Community and street borders: inline, or from vector tiles when the grids are (a large
    city has thousands of communities)."""
    names = {"communities": _("communities"), "streets": _("streets")}
    for level, layer, style in OUTLINES:
        if tiles:
            from .tiles import VectorTileLayer

            VectorTileLayer(
                tiles_url(layer, area),
                name=names[layer],
                style={"property": "code", "colours": {}, "fillOpacity": 0, **style},
            ).add_to(fmap)
        else:
            _outline_layer(fmap, prefixes, level, names[layer], {**style, "fill": False})
