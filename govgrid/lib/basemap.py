"""The base map under every map page, from settings.BASEMAP (none by default), and the offline
folium map every map page and the dispatch page draw on.

AMap tiles are drawn in GCJ-02, so on AMap the data layers are shifted from WGS84 to GCJ-02 before
they are drawn; every other base map is WGS84 (Tianditu's CGCS2000 equals it at the metre level).
"""

import folium
from branca.element import MacroElement
from django.conf import settings
from django.templatetags.static import static
from jinja2 import Template


def tile_layers():
    """[(url, attribution, subdomains)], bottom first; empty for no base map."""
    return settings.BASEMAP_LAYERS


def draws_in_gcj02():
    return settings.BASEMAP == "amap"


class MetricScale(MacroElement):
    """A scale bar in metres and kilometres only (Leaflet's default adds miles and feet), and no
    "Leaflet" prefix with its flag in the attribution: a government deployment would have to remove
    it. What remains there is the base map's own required attribution, when one is on."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        L.control.scale({imperial: false, metric: true}).addTo({{ this._parent.get_name() }});
        if ({{ this._parent.get_name() }}.attributionControl) {
            {{ this._parent.get_name() }}.attributionControl.setPrefix(false);
        }
        {% endmacro %}"""
    )


class OfflineMap(folium.Map):
    """folium.Map whose scripts and styles come from this server, never from a CDN. Only Leaflet is
    needed for polygons, tooltips and the layer control. Every govgrid map measures in metres and
    has no attribution line unless a base map that requires one is drawn (`attribution_control`)."""

    def __init__(self, *args, control_scale=True, attribution_control=False, **kwargs):
        super().__init__(*args, control_scale=False, attribution_control=attribution_control, **kwargs)
        # Resolved per map, not at import: static() needs the collected files' manifest.
        self.default_js = [("leaflet", static("leaflet/leaflet.js"))]
        self.default_css = [("leaflet_css", static("leaflet/leaflet.css")), ("govgrid_map_css", static("maps/map.css"))]
        MetricScale().add_to(self)  # also drops the attribution's prefix


def base_map():
    """An empty offline map with the configured base map (none by default) under it, a metric
    scale, and an attribution line only for a base map that requires one."""
    layers = tile_layers()
    credited = any(attribution for _url, attribution, _subdomains in layers)
    fmap = OfflineMap(tiles=None, zoom_control=True, attribution_control=credited)
    for url, attribution, subdomains in layers:
        folium.TileLayer(
            # folium insists on an attribution; a blank one adds nothing to the (hidden) line
            tiles=url,
            attr=attribution or " ",
            subdomains=subdomains,
            overlay=False,
            cross_origin="anonymous",
        ).add_to(fmap)
    return fmap
