"""/maps/density/: cases per grid over a period, per 1,000 households or per km², with hot spots and a
grid's list of cases."""

import math
from datetime import datetime, time, timedelta

import folium
import numpy as np
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from govgrid.lib import coords
from govgrid.lib.basemap import base_map, draws_in_gcj02
from govgrid.lib.moments import check_within_bounds
from govgrid.lib.reads import read_only
from grids.models import Area, Level, level_for_code
from grids.scopes import Scope
from incidents.models import Category, Incident

from .layers import fit_to_grids, for_basemap, grid_layer, outlines, tiles_url, uses_vector_tiles
from .pages import area_choices, map_page_context, page_area
from .queries import (
    HEAT_CELL,
    INLINE_DIGITS,
    area_features,
    density,
    density_incident_ids,
    feature_collection,
    heat_points,
    median_grid_km2,
)

DENSITY_COLOURS = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]


HOT_SPOT_STYLE = {
    "hot99": {"color": "#b30000", "weight": 3.5, "fill": False, "className": "hot-spot hot99"},
    "hot95": {"color": "#e34a33", "weight": 2.5, "fill": False, "dashArray": "5 3", "className": "hot-spot hot95"},
}


DATE_PICKER = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# "rate" is also the reporter's rating of a case (incidents.workflow): a context keeps the two apart.
RATE = "cases per 1,000 households or per km²"


class DensityForm(forms.Form):
    # Picked from the browser's calendar; the value it sends is ISO 8601 (2026-06-01) in any language.
    since = forms.DateField(
        label=gettext_lazy("from"), required=False, widget=DATE_PICKER, validators=[check_within_bounds]
    )
    until = forms.DateField(
        label=gettext_lazy("to (inclusive)"), required=False, widget=DATE_PICKER, validators=[check_within_bounds]
    )
    category = forms.ChoiceField(label=gettext_lazy("category"), required=False)
    per = forms.ChoiceField(
        label=pgettext_lazy(RATE, "rate"),
        required=False,
        choices=[("households", gettext_lazy("per 1,000 households")), ("km2", gettext_lazy("per km²"))],
    )

    def __init__(self, data):
        super().__init__(data)
        choices = [("", _("all categories"))]
        for category in Category.objects.filter(active=True).select_related("parent").order_by("code"):
            choices.append((category.code, ("　· " if category.parent_id else "") + category.name))
        self.fields["category"].choices = choices

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["until"] = data.get("until") or today
        data["since"] = data.get("since") or data["until"] - timedelta(days=89)
        data["per"] = data.get("per") or "households"
        if data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def show_effective_period(self):
        """Let the date pickers show the period the page counts, defaults included."""
        self.data = self.data.copy()
        for name in ("since", "until"):
            self.data[name] = self.cleaned_data[name].isoformat()

    def period(self):
        """[since, until) as aware datetimes at local midnight; `until` is the day after the last."""
        zone = timezone.get_current_timezone()
        since = datetime.combine(self.cleaned_data["since"], time.min, zone)
        until = datetime.combine(self.cleaned_data["until"] + timedelta(days=1), time.min, zone)
        return since, until


# The heat map's cells: about 50 m (HEAT_CELL, 0.0005°) for a city's grids, and wider for a wider
# view, so that its width holds at most HEAT_CELLS_ACROSS of them (a province's district of 50,000
# grids had 50,000 cells of 50 m, 1.9 MB of page for what the screen draws in a few hundred pixels).
HEAT_CELLS_ACROSS = 200


def heat_cell(extent):
    """The heat map's cell in degrees for the view of `extent` (west, south, east, north)."""
    west, south, east, north = extent
    return max(HEAT_CELL, round(max(east - west, north - south) / HEAT_CELLS_ACROSS, 4))


def gathers_at_grids(extent, cell, median_km2):
    """Whether the heat map gathers each grid's cases at the grid's point rather than into cells of
    `cell` degrees: when a cell is at least as wide as the median grid, cells would show nothing
    finer than grids do, and the grids' counts are made already (a province's district: 318 m cells
    over grids of 207 m; reading its 490,000 cases again for cells cost 0.6 s a request). A city's
    view (cells of 50 m) keeps the cases' own places."""
    if median_km2 is None:
        return False
    west, south, east, north = extent
    metres_across = cell * coords.metres_per_degree_of_longitude((south + north) / 2)
    return metres_across >= math.sqrt(median_km2) * 1000


def hot_spots_tile_style(strokes):
    """The style of a vector-tile layer that draws only the hot spots, {code: class} in `strokes`,
    each outlined as its class (HOT_SPOT_STYLE), unfilled."""
    lines = {name: {key: style[key] for key in ("color", "weight", "dashArray") if key in style}
             for name, style in HOT_SPOT_STYLE.items()}  # fmt: skip
    return {"property": "code", "fill": False, "strokes": strokes, "strokeStyles": lines}


def _hot_spots_from_tiles(fmap, area, hot):
    """The hot spots' outlines drawn from the grids' vector tiles, as a style naming their codes: a
    province's district has some 2,300 of them, 660 kB of boundaries inline against 50 kB of codes."""
    from .tiles import VectorTileLayer

    VectorTileLayer(
        tiles_url("grids", area),
        name=_("hot spots"),
        style=hot_spots_tile_style({row["code"]: row["hot_spot"] for row in hot}),
        gcj02=draws_in_gcj02(),
    ).add_to(fmap)


@read_only
@login_required
def density_map(request):
    """Cases of a period and category per grid (per 1,000 households or per km²), a heat map of
    their locations, and the hot spots (Getis-Ord Gi*)."""
    scope = Scope.for_user(request.user)
    prefixes, area, roots = page_area(request, scope)
    if not prefixes:
        return render(request, "maps/home.html", {"roots": []})
    form = DensityForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "maps/density.html",
            {"form": form, "roots": roots, "area": area, "area_choices": area_choices(scope, area)},
            status=400,
        )
    since, until = form.period()
    category, per = form.cleaned_data["category"], form.cleaned_data["per"]
    keep = [(k, v) for k, v in request.GET.items() if k != "area"]
    form.show_effective_period()
    fmap = base_map()
    extent = fit_to_grids(fmap, prefixes)
    cell = heat_cell(extent)
    at_grids = gathers_at_grids(extent, cell, median_grid_km2(prefixes))
    found = density(
        prefixes, since, until, category, per,
        heat_cell=cell if at_grids else None, grids_up_to=settings.MAP_TILES_ABOVE, classes=len(DENSITY_COLOURS),
    )  # fmt: skip
    bounds = found["bounds"]
    colours = DENSITY_COLOURS[len(DENSITY_COLOURS) - len(bounds) :]  # the darkest for the highest class
    hot = found["hot"]

    tiles = uses_vector_tiles(found["grid_total"])
    grids = None
    if tiles:
        style = {"property": "status", "colours": {}, "weight": 0.4, "fillOpacity": 0.0}
        grid_layer(fmap, prefixes, area, found["grid_total"], _("grids"), style)
    else:
        by_code = {row["code"]: row for row in found["grids"]}
        collection = feature_collection(Level.GRID, prefixes, digits=INLINE_DIGITS)
        for feature in collection["features"]:
            row = by_code[feature["properties"]["code"]]
            feature["properties"] = {key: row[key] for key in ("code", "name", "cases", "rate", "class")}
        for_basemap(collection)
        grids = folium.GeoJson(
            collection,
            name=_("cases per grid"),
            style_function=lambda f: {
                "color": "#4a6b8a",
                "weight": 0.5,
                "fillOpacity": 0.7,
                "className": "grid",
                "fillColor": "#dddddd"
                if f["properties"]["class"] is None
                else DENSITY_COLOURS[f["properties"]["class"]],
            },
            highlight_function=lambda f: {"weight": 2.5, "color": "#c0392b"},
            tooltip=folium.GeoJsonTooltip(
                ["code", "name", "cases", "rate"],
                aliases=[_("code"), _("name"), _("cases"), pgettext(RATE, "rate")],
            ),
        )
        grids.add_to(fmap)
    if hot and not tiles:
        collection = area_features([r["code"] for r in hot])
        classes = {row["code"]: row["hot_spot"] for row in hot}
        for feature in collection["features"]:
            feature["properties"]["hot_spot"] = classes[feature["properties"]["code"]]
        for_basemap(collection)
        folium.GeoJson(
            collection,
            name=_("hot spots"),
            interactive=False,
            style_function=lambda f: HOT_SPOT_STYLE[f["properties"]["hot_spot"]],
        ).add_to(fmap)
    outlines(fmap, prefixes, area, tiles)
    if hot and tiles:  # above the borders' tiles, as the inline outlines are above them
        _hot_spots_from_tiles(fmap, area, hot)
    folium.LayerControl(collapsed=False).add_to(fmap)

    heat = found["heat"] if at_grids else heat_points(prefixes, since, until, category, cell=cell)
    if draws_in_gcj02() and heat:
        xy = np.array(heat, dtype=float)
        lon, lat = coords.wgs84_to_gcj02(xy[:, 1], xy[:, 0])
        heat = [[round(float(a), 5), round(float(o), 5), int(n)] for a, o, n in zip(lat, lon, xy[:, 2], strict=True)]
    unit = _("per 1,000 households") if per == "households" else _("per km²")
    without_rate = None  # the grey grids of the legend, when there are any: why they have no rate
    if found["without_rate"]:
        without_rate = _("no households recorded") if per == "households" else _("no area recorded")
    legend = []
    lower = 0
    for colour, bound in zip(colours, bounds, strict=True):
        legend.append((f"{lower:g}–{bound:g}", colour))
        lower = bound
    page = map_page_context(fmap, _("Case density"), scope, area, roots)
    title = page["title"]
    context = page | {
        "form": form,
        "keep": keep,
        "total": found["total"],
        "grids_with_cases": found["grids_with_cases"],
        "grid_total": found["grid_total"],
        "legend": legend,
        "unit": unit,
        "without_rate": without_rate,
        "hot": hot[:15],
        "tiles": tiles,
        "heat_at_grids": at_grids,
        "page_config": {
            "map": fmap.get_name(),
            "popupLayers": [grids.get_name()] if grids is not None else [],
            "popupUrl": "/maps/density/grid/{code}/",
            "heat": heat,
            "heatName": _("heat map of the cases"),
            "title": title + f" · {form.cleaned_data['since']} – {form.cleaned_data['until']} · {unit}",
            "legend": legend,
            "filename": "density.png",
        },
    }
    return render(request, "maps/density.html", context)


@read_only
@login_required
def density_grid(request, code):
    """The cases of one grid in the density map's period and category: the list a click opens."""
    scope = Scope.for_user(request.user)
    if level_for_code(code) != Level.GRID or not scope.sees(code):
        raise Http404(_("No area has the code %(code)s.") % {"code": code})
    form = DensityForm(request.GET)
    if not form.is_valid():
        return render(request, "maps/grid_cases.html", {"errors": form.errors}, status=400)
    since, until = form.period()
    ids = density_incident_ids(code, since, until, form.cleaned_data["category"])
    cases = Incident.objects.filter(id__in=ids).select_related("category").order_by("-received_at")
    grid = Area.objects.filter(code=code).values("code", "name").first()
    return render(
        request,
        "maps/grid_cases.html",
        {"grid": grid, "cases": cases[:50], "count": len(ids), "since": since, "until": until},
    )
