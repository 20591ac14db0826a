"""URLs for tests/maps/test_tiles.py: the project's (the tile view among them) and a page that draws
the grids from vector tiles, for the browser tests."""

import folium
from django.contrib.auth.decorators import login_required
from django.contrib.gis.db.models import Extent
from django.http import HttpResponse
from django.urls import include, path

from govgrid.lib.basemap import OfflineMap
from grids.models import Area
from grids.scopes import Scope
from maps.density_page import hot_spots_tile_style
from maps.tiles import VectorTileLayer

STATUS_COLOURS = {"full": "#1a9850", "partial": "#fee08b", "none": "#d73027"}

# The clicked features' properties, in order, for the test to read.
RECORD_CLICKS = """<script>
window.tileTest = {clicks: [], record: function (properties) { window.tileTest.clicks.push(properties); }};
</script>"""


@login_required
def grid_tiles_page(request):
    """A map of the user's grids (or those within ?within=) drawn from vector tiles; ?gcj02=1 shifts
    them as on an AMap base map, ?max_native_zoom=N scales zoom N's tiles beyond N. The view frames
    the grids' extent."""
    within = request.GET.get("within")
    grids = Scope.for_user(request.user).areas(Area.objects.grids())
    if within:
        grids = grids.within(within)
    west, south, east, north = grids.aggregate(extent=Extent("geom"))["extent"]
    fmap = OfflineMap(tiles=None, max_zoom=20)
    url = "/maps/tiles/grids/{z}/{x}/{y}.pbf" + (f"?within={within}" if within else "")
    style = {"property": "status", "colours": STATUS_COLOURS, "color": "#4a6b8a", "weight": 0.6, "fillOpacity": 0.7}
    if request.GET.get("strokes"):  # only these grids (codes, comma-separated), outlined as hot spots
        style = hot_spots_tile_style(dict.fromkeys(request.GET["strokes"].split(","), "hot99"))
    VectorTileLayer(
        url,
        name="网格",
        style=style,
        popup_fields=[("code", "编码"), ("name", "名称")],
        on_click="tileTest.record",
        gcj02=request.GET.get("gcj02") == "1",
        max_native_zoom=int(request.GET["max_native_zoom"]) if "max_native_zoom" in request.GET else None,
    ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])
    figure = fmap.get_root()
    figure.header.add_child(folium.Element('<link rel="icon" href="data:,">' + RECORD_CLICKS))
    # The page's own inline scripts carry this answer's nonce, as the project's templates do
    # (govgrid.csp): the layer is tried under the site's Content-Security-Policy.
    return HttpResponse(figure.render().replace("<script>", f'<script nonce="{request.csp_nonce}">'))


urlpatterns = [
    path("tile-test/grids/", grid_tiles_page),
    path("", include("govgrid.urls")),
]
