"""The base map under every map page, from settings.BASEMAP (none by default).

AMap tiles are drawn in GCJ-02, so on AMap the data layers are shifted from WGS84 to GCJ-02 before
they are drawn; every other base map is WGS84 (Tianditu's CGCS2000 equals it at the metre level).
"""

from django.conf import settings


def tile_layers():
    """[(url, attribution, subdomains)], bottom first; empty for no base map."""
    return settings.BASEMAP_LAYERS


def draws_in_gcj02():
    return settings.BASEMAP == "amap"
