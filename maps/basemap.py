"""The base map under every map page, from settings.BASEMAP (none by default).

AMap tiles are drawn in GCJ-02, so on AMap the data layers are shifted from WGS84 to GCJ-02 before
they are drawn; every other base map is WGS84 (Tianditu's CGCS2000 equals it at the metre level).
"""

from django.conf import settings

TIANDITU = (
    "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=%s"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%s"
)
AMAP = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"


def tile_layers():
    """[(url, attribution, subdomains)], bottom first; empty for no base map."""
    kind = settings.BASEMAP
    if kind == "osm":
        return [("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap contributors", "abc")]
    if kind == "tianditu":
        key = settings.TIANDITU_KEY
        return [
            (TIANDITU % ("vec", "vec", key), "© 天地图", "01234567"),
            (TIANDITU % ("cva", "cva", key), "© 天地图", "01234567"),
        ]
    if kind == "amap":
        return [(AMAP, "© 高德地图", "1234")]
    if kind == "xyz":
        return [(settings.BASEMAP_URL, "", "abc")]
    return []


def draws_in_gcj02():
    return settings.BASEMAP == "amap"
