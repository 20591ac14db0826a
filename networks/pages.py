"""Network fusion's pages: /networks/ lists the layers of other networks in the reader's districts;
/networks/<id>/ draws a layer's cells over the unified grids (cells cutting across grids in red,
parts outside every grid counted), the overlap table, and for administrators the buttons that
accept every default at once or place one cell. The forms call the same services as the API."""

import json

import folium
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import ValidationError

from govgrid.lib.api_input import checked
from govgrid.lib.basemap import base_map
from govgrid.lib.errors import GovgridError
from govgrid.lib.refusals import answered_as_page, refusal_text
from grids.models import Area, Level
from grids.scopes import Scope
from maps.layers import extent_of, figure_parts, for_basemap
from maps.queries import feature_collection

from . import answers, mapping
from .api import ImportRequest, import_uploaded
from .models import NetworkCell, NetworkKind, NetworkLayer
from .overlap import overlap_of
from .permissions import check_administrator, layer_seen, layers_seen

CUTTING, WHOLE, OUTSIDE = "#c0392b", "#1f6fb2", "#8e44ad"


@login_required
@answered_as_page
@require_http_methods(["GET", "POST"])
def layers_page(request):
    """GET, POST /networks/: the layers the reader sees; an administrator uploads a file (a dry run
    that shows the overlap summary, or committed: then the layer's page)."""
    administrator = Scope.for_user(request.user).everything
    tried = None
    if request.method == "POST":
        check_administrator(request.user)
        try:
            given = checked(ImportRequest, {**request.POST.dict(), "file": request.FILES.get("file")})
            result = import_uploaded(request.user, given)
        except (GovgridError, ValidationError) as refused:
            messages.error(request, refusal_text(refused))
            for problem in getattr(refused, "extra", {}).get("problems") or []:
                messages.error(request, problem)
        else:
            if result.committed:
                messages.success(request, _("The layer is imported."))
                return redirect("network-layer-page", result.layer.pk)
            tried = result
    layers = layers_seen(request.user, NetworkLayer.objects.select_related("district", "imported_by"))
    return render(request, "networks/layers.html", {
        "layers": layers, "administrator": administrator, "tried": tried, "kinds": NetworkKind.choices,
        "districts": Area.objects.filter(level=Level.DISTRICT).order_by("code") if administrator else [],
    })  # fmt: skip


@login_required
@answered_as_page
@require_http_methods(["GET", "POST"])
def layer_page(request, pk):
    """GET, POST /networks/<id>/"""
    layer = layer_seen(request.user, pk, NetworkLayer.objects.select_related("imported_by"))
    if request.method == "POST":
        _act(request, layer)
        return redirect("network-layer-page", layer.pk)
    report = overlap_of(layer)
    mappings = answers.mappings_of(layer)
    rows = [answers.cell_json(c, mappings.get(c.code)) | {"state": cell_state(c, report)} for c in report.cells]
    return render(request, "networks/layer.html", {
        "layer": layer, "report": report, "rows": rows, "accepted": len(mappings),
        "administrator": Scope.for_user(request.user).everything,
        "colours": {"cutting": CUTTING, "whole": WHOLE, "outside": OUTSIDE},
        **figure_parts(_map(layer, report)),
    })  # fmt: skip


def _act(request, layer):
    try:
        if request.POST.get("action") == "accept-defaults":
            accepted, unplaced = mapping.accept_defaults(layer, request.user)
            messages.success(request, _("%(n)d cells placed in the grid holding most of each.") % {"n": accepted})
            if unplaced:
                messages.warning(request, _("No grid holds these cells: %(codes)s") % {"codes": "、".join(unplaced)})
        else:
            choice = request.POST.get("grid", "")
            cell = request.POST.get("cell", "")
            split = choice == "split"
            mapping.set_mapping(layer, cell, request.user, grid=None if split else choice, split=split)
            messages.success(request, _("The cell %(code)s is placed.") % {"code": cell})
    except GovgridError as refused:
        messages.error(request, str(refused.message))


def _map(layer, report):
    grids = feature_collection(Level.GRID, [layer.district.code], digits=6)
    cells = _cells_collection(layer, report)
    for_basemap(grids)
    for_basemap(cells)
    fmap = base_map()
    folium.GeoJson(
        grids, name=_("grids"),
        style_function=lambda f: {"color": "#66758a", "weight": 1, "fillColor": "#eef2f6", "fillOpacity": 0.5,
                                  "className": "grid"},
        tooltip=folium.GeoJsonTooltip(["code", "name"], aliases=[_("grid"), _("name")]),
    ).add_to(fmap)  # fmt: skip
    folium.GeoJson(
        cells, name=layer.name,
        style_function=lambda f: {"color": f["properties"]["colour"], "weight": 2, "dashArray": "6 4",
                                  "fillColor": f["properties"]["colour"], "fillOpacity": 0.25,
                                  "className": "cell " + f["properties"]["state"]},
        highlight_function=lambda f: {"weight": 3.5},
        tooltip=folium.GeoJsonTooltip(["code", "name", "shares"], aliases=[_("cell"), _("name"), _("grids")]),
    ).add_to(fmap)  # fmt: skip
    folium.LayerControl(collapsed=True).add_to(fmap)
    west, south, east, north = extent_of({"features": grids["features"] + cells["features"]})
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


def cell_state(cell, report):
    """cutting (across grids), outside (partly or wholly outside every grid) or whole (in one grid)."""
    if cell.cuts_across:
        return "cutting"
    return "outside" if cell.outside_m2 >= report.tolerance_m2 else "whole"


def _cells_collection(layer, report):
    by_code = {c.code: c for c in report.cells}
    colours = {"cutting": CUTTING, "outside": OUTSIDE, "whole": WHOLE}
    features = []
    rows = NetworkCell.objects.filter(layer=layer).annotate(shape=AsGeoJSON("geom", precision=6))
    for code, name, shape in rows.values_list("code", "name", "shape"):
        cell = by_code[code]
        state = cell_state(cell, report)
        shares = "; ".join(f"{p.grid} {p.share:.0%}" for p in cell.grids) or _("outside every grid")
        properties = {"code": code, "name": name, "shares": shares, "state": state, "colour": colours[state]}
        features.append({"type": "Feature", "geometry": json.loads(shape), "properties": properties})
    return {"type": "FeatureCollection", "features": features}
