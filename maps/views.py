"""Map pages, built with folium and served with every script and style from this app."""

import math
from datetime import datetime, time, timedelta

import folium
import numpy as np
from branca.element import MacroElement
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.gis.db.models import Extent
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from jinja2 import Template

from govgrid.errors import NotFound
from govgrid.lib import coords
from govgrid.lib.moments import check_within_bounds
from grids.coverage import RULES, Thresholds
from grids.models import CODE_LENGTH, Area, GridKind, Level, ServiceStation, is_town_code, level_for_code
from grids.scopes import Scope, under_codes
from incidents.models import Category, Incident

from . import basemap
from .dashboard import dashboard_figures
from .queries import (
    area_features,
    city_summary,
    coverage_features,
    coverage_totals,
    density,
    density_case_ids,
    feature_collection,
    grid_card,
    heat_points,
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
    layers = basemap.tile_layers()
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


def build_city_map(codes, area=None):
    """A folium map of the areas with these codes and everything in them: towns, streets,
    communities and grids coloured by kind; above settings.MAP_TILES_ABOVE grids, drawn from vector
    tiles (`area`: the area the page is narrowed to, if any)."""
    count = grid_count(codes)
    if uses_vector_tiles(count):
        return _city_map_from_tiles(codes, area)
    layers = {level: feature_collection(level, codes) for level in (Level.STREET, Level.COMMUNITY, Level.GRID)}
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
    west, south, east, north = _extent(layers[Level.GRID])
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


def _city_map_from_tiles(codes, area):
    """The city map of a large city: grids coloured by kind (kinds show from zoom 13, where grid
    tiles carry them), community and street borders, all from vector tiles."""
    from .tiles import VectorTileLayer

    fmap = base_map()
    within = f"?within={area.code}" if area is not None else ""
    colours = {str(kind): colour for kind, colour in KIND_COLOURS.items()}
    VectorTileLayer(
        f"/maps/tiles/grids/{{z}}/{{x}}/{{y}}.pbf{within}",
        name=_("grids"),
        style={"property": "kind", "colours": colours, "fillColor": "#dddddd", "weight": 0.5, "fillOpacity": 0.6},
        popup_fields=[("code", _("code")), ("name", _("name")), ("households", _("households"))],
    ).add_to(fmap)
    _outlines(fmap, codes, area, tiles=True)
    folium.LayerControl(collapsed=False).add_to(fmap)
    _fit(fmap, codes)
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


def for_basemap(collection):
    """The collection as drawn on the configured base map: shifted to GCJ-02 on AMap, else as is."""
    if basemap.draws_in_gcj02():
        _shift_to_gcj02(collection)
    return collection


def _shift_to_gcj02(collection):
    for feature in collection["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            for i, ring in enumerate(polygon):
                xy = np.array(ring)
                lon, lat = coords.wgs84_to_gcj02(xy[:, 0], xy[:, 1])
                polygon[i] = np.round(np.column_stack([lon, lat]), 6).tolist()


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


# --- shared by the map pages -------------------------------------------------------------------

STATUS_COLOURS = {"full": "#1a9850", "partial": "#fdae61", "none": "#d73027"}


def _status_labels():
    return {"full": _("full"), "partial": _("partial"), "none": _("none")}


def page_area(request, scope):
    """(prefixes, area or None, roots): the codes a page shows. `?area=<code>` narrows the page to
    an area in the user's scope (404 otherwise); without it, the user's whole scope."""
    roots = list(scope.roots())
    code = request.GET.get("area", "").strip()
    if not code:
        return scope.read_prefixes(), None, roots
    try:
        if level_for_code(code) is None:
            raise NotFound(_("No area has the code %(code)s.") % {"code": code})
        area = scope.area_seen(code)
    except NotFound as error:
        raise Http404(error.message) from None
    return [area.code], area, roots


def grid_count(prefixes):
    return Area.objects.grids().filter(under_codes(prefixes)).count()


def uses_vector_tiles(count):
    """Above settings.MAP_TILES_ABOVE grids a page draws them from vector tiles made by PostGIS
    instead of inline GeoJSON, so its size no longer grows with the city."""
    return count > settings.MAP_TILES_ABOVE


def _simplification(count):
    """(tolerance in degrees, decimals) for inline geometry: vertices rounded to 5 decimals (about
    a metre; a vertex shared by two grids rounds the same way in both, so no gap opens), and above
    2,000 grids also simplified by about a metre, invisible at the zoom where a district is in view."""
    return (0.0, 5) if count <= 2000 else (0.00001, 5)


def _figure_parts(fmap):
    figure = fmap.get_root()
    figure.render()
    return {
        "map_header": figure.header.render(),
        "map_html": figure.html.render(),
        "map_script": figure.script.render(),
        "map_name": fmap.get_name(),
    }


def _fit(fmap, prefixes):
    """Open the map on the grids under the prefixes, not on the whole of their areas: a district's
    boundary spans the countryside around the city, while its grids are where the work is."""
    extent = Area.objects.grids().filter(under_codes(prefixes)).aggregate(box=Extent("geom"))["box"]
    if extent is None:  # no grids yet: the areas themselves
        extent = Area.objects.filter(under_codes(prefixes)).aggregate(box=Extent("geom"))["box"]
    if extent is None:
        lat, lon = settings.LEAFLET_CONFIG["DEFAULT_CENTER"]
        extent = (lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05)
    west, south, east, north = extent
    if basemap.draws_in_gcj02():
        (west, east), (south, north) = coords.wgs84_to_gcj02(np.array([west, east]), np.array([south, north]))
    fmap.fit_bounds([[float(south), float(west)], [float(north), float(east)]])


def _grid_layer(fmap, prefixes, area, count, name, style):
    """The `count` grids under the prefixes, inline or as vector tiles; returns the inline layer or
    None. The tiles keep to the user's scope by themselves, so only a narrowed page (`area`) asks
    for a subtree, and one layer serves a scope of several areas."""
    if uses_vector_tiles(count):
        from .tiles import VectorTileLayer

        within = f"?within={area.code}" if area is not None else ""
        VectorTileLayer(
            f"/maps/tiles/grids/{{z}}/{{x}}/{{y}}.pbf{within}",
            name=name,
            style=style,
            on_click="govgridOpenFeature",
            gcj02=basemap.draws_in_gcj02(),
        ).add_to(fmap)
        return None
    tolerance, digits = _simplification(count)
    collection = for_basemap(coverage_features(prefixes, tolerance, digits))
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
    collection = feature_collection(level, prefixes, digits=5)
    for_basemap(collection)
    if collection["features"]:
        folium.GeoJson(collection, name=name, interactive=False, style_function=lambda f: style).add_to(fmap)


OUTLINES = (
    (Level.COMMUNITY, "communities", {"color": "#1f3a5f", "weight": 1.5}),
    (Level.STREET, "streets", {"color": "#b03a2e", "weight": 3}),
)


def _outlines(fmap, prefixes, area, tiles):
    """Community and street borders: inline, or from vector tiles when the grids are (a large
    city has thousands of communities)."""
    names = {"communities": _("communities"), "streets": _("streets")}
    for level, layer, style in OUTLINES:
        if tiles:
            from .tiles import VectorTileLayer

            within = f"?within={area.code}" if area is not None else ""
            VectorTileLayer(
                f"/maps/tiles/{layer}/{{z}}/{{x}}/{{y}}.pbf{within}",
                name=names[layer],
                style={"property": "code", "colours": {}, "fillOpacity": 0, **style},
            ).add_to(fmap)
        else:
            _outline_layer(fmap, prefixes, level, names[layer], {**style, "fill": False})


MENU_COMMUNITIES = 300  # above this many communities in scope, the menu lists them street by street


def area_choices(scope, area=None):
    """Streets and communities in the user's scope, each street followed by its communities, for
    the filter menu of the map pages. A scope of more than MENU_COMMUNITIES communities (a large
    city has thousands) gets its streets and only the communities of the street in view."""
    areas = scope.areas().filter(level__in=[Level.STREET, Level.COMMUNITY])
    if areas.filter(level=Level.COMMUNITY).count() > MENU_COMMUNITIES:
        street = area.code[: CODE_LENGTH[Level.STREET]] if area is not None and area.level != Level.DISTRICT else None
        areas = areas.filter(Q(level=Level.STREET) | Q(code__startswith=street) if street else Q(level=Level.STREET))
    return list(areas.order_by("code").values_list("code", "name", "level"))


# --- /maps/coverage/ ---------------------------------------------------------------------------


@login_required
def coverage_map(request):
    """Grids coloured by coverage status, stations with their reach, counts per status."""
    scope = Scope.for_user(request.user)
    prefixes, area, roots = page_area(request, scope)
    if not prefixes:
        return render(request, "maps/home.html", {"roots": []})
    fmap = base_map()
    style = {"property": "status", "colours": STATUS_COLOURS, "weight": 0.6, "fillOpacity": 0.75}
    count = grid_count(prefixes)
    grids = _grid_layer(fmap, prefixes, area, count, _("grids by coverage"), style)
    _outlines(fmap, prefixes, area, uses_vector_tiles(count))
    stations = folium.FeatureGroup(name=_("service stations and their reach"))
    station_rows = scope.filter(ServiceStation.objects.all(), "area__code").filter(under_codes(prefixes, "area__code"))
    points = []
    for station in station_rows:
        lon, lat = station.location.x, station.location.y
        if basemap.draws_in_gcj02():
            lon, lat = (float(v) for v in coords.wgs84_to_gcj02(lon, lat))
        points.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
                "properties": {"label": f"{station.name} · {station.get_kind_display()}"},
            }
        )
    reach = settings.COVERAGE_STATION_METRES
    station_layer = None
    if points:
        # The points once, in one layer; pages.js draws each one's reach from it (stationReach).
        station_layer = folium.GeoJson(
            {"type": "FeatureCollection", "features": points},
            marker=folium.CircleMarker(
                radius=5, color="#08519c", fill=True, fill_color="#08519c", fill_opacity=1, class_name="station"
            ),
            tooltip=folium.GeoJsonTooltip(["label"], labels=False),
        ).add_to(stations)
    stations.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    _fit(fmap, prefixes)

    counts, failed = coverage_totals(prefixes)
    labels = _status_labels()
    legend = [(labels[s], STATUS_COLOURS[s]) for s in ("full", "partial", "none")]
    title = _("Coverage of the grid system") + " · " + (area.name if area else " ".join(r.name for r in roots))
    context = _figure_parts(fmap) | {
        "roots": roots,
        "area": area,
        "title": title,
        "counts": counts,
        "statuses": [(s, labels[s], STATUS_COLOURS[s], counts[s]) for s in ("full", "partial", "none")],
        "failed": [(rule_labels()[rule], failed[rule]) for rule in RULES],
        "station_count": len(points),
        "reach": int(reach),
        "area_choices": area_choices(scope, area),
        "tiles": grids is None,
        "page_config": {
            "map": fmap.get_name(),
            "popupLayers": [grids.get_name()] if grids is not None else [],
            "popupUrl": "/maps/coverage/grid/{code}/",
            "title": title,
            "legend": legend,
            "filename": "coverage.png",
            "stationReach": station_layer
            and {"stations": station_layer.get_name(), "group": stations.get_name(), "metres": reach},
        },
    }
    return render(request, "maps/coverage.html", context)


def rule_labels():
    return {
        "group_leader": _("Party group leader"),
        "service_team": _("service team members"),
        "grid_worker": _("grid worker"),
        "households": _("households linked"),
        "station": _("station within reach"),
    }


@login_required
def coverage_grid(request, code):
    """The popup of one grid on the coverage map: each rule's result, its people, its station."""
    scope = Scope.for_user(request.user)
    if level_for_code(code) != Level.GRID or not scope.sees(code):
        raise Http404(_("No area has the code %(code)s.") % {"code": code})
    card = grid_card(code)
    if card is None:
        raise Http404(_("No area has the code %(code)s.") % {"code": code})
    thresholds = Thresholds.from_settings()
    station = card["station_name"] and _("%(name)s, %(metres)d m") % {
        "name": card["station_name"],
        "metres": card["station_metres"],
    }
    details = {
        "group_leader": card["group_leader_name"] or "—",
        "service_team": _("%(n)d of at least %(min)d") % {"n": card["team_members"], "min": thresholds.min_team},
        "grid_worker": "、".join(card["grid_worker_names"]) or "—",
        "households": _("%(linked)d of %(households)d households")
        % {"linked": card["linked_households"], "households": card["households"]},
        "station": station or "—",
    }
    labels = rule_labels()
    return render(
        request,
        "maps/grid_card.html",
        {
            "card": card,
            "status_label": _status_labels()[card["status"]],
            "colour": STATUS_COLOURS[card["status"]],
            "rows": [(labels[rule], card[f"ok_{rule}"], details[rule], rule in thresholds.rules) for rule in RULES],
            "team": card["team_names"],
        },
    )


# --- /maps/density/ ----------------------------------------------------------------------------

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


def _classes(rates):
    """Upper bounds of up to five quantile classes of the rates (None left out), without repeats:
    many grids with no case make fewer classes rather than empty ones."""
    values = sorted(r for r in rates if r is not None)
    n = len(DENSITY_COLOURS)
    bounds = sorted({values[math.ceil(len(values) * (i + 1) / n) - 1] for i in range(n)} if values else set())
    return bounds


def _class_of(rate, bounds):
    if rate is None:
        return None
    for i, bound in enumerate(bounds):
        if rate <= bound:
            return i
    return len(bounds) - 1


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
    rows = density(prefixes, since, until, category, per)
    bounds = _classes([r["rate"] for r in rows])
    colours = DENSITY_COLOURS[len(DENSITY_COLOURS) - len(bounds) :]  # the darkest for the highest class
    by_code = {r["code"]: r for r in rows}

    fmap = base_map()
    tiles = uses_vector_tiles(len(rows))
    grids = None
    if tiles:
        style = {"property": "status", "colours": {}, "weight": 0.4, "fillOpacity": 0.0}
        _grid_layer(fmap, prefixes, area, len(rows), _("grids"), style)
    else:
        collection = feature_collection(Level.GRID, prefixes, digits=5)
        for feature in collection["features"]:
            row = by_code[feature["properties"]["code"]]
            feature["properties"] = {
                "code": row["code"],
                "name": row["name"],
                "cases": row["cases"],
                "rate": row["rate"],
                "class": _class_of(row["rate"], bounds),
            }
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
    hot = [r for r in rows if r["hot_spot"]]
    if hot:
        collection = area_features([r["code"] for r in hot])
        for feature in collection["features"]:
            feature["properties"]["hot_spot"] = by_code[feature["properties"]["code"]]["hot_spot"]
        for_basemap(collection)
        folium.GeoJson(
            collection,
            name=_("hot spots"),
            interactive=False,
            style_function=lambda f: HOT_SPOT_STYLE[f["properties"]["hot_spot"]],
        ).add_to(fmap)
    _outlines(fmap, prefixes, area, tiles)
    folium.LayerControl(collapsed=False).add_to(fmap)
    _fit(fmap, prefixes)

    heat = heat_points(prefixes, since, until, category)
    if basemap.draws_in_gcj02() and heat:
        xy = np.array(heat, dtype=float)
        lon, lat = coords.wgs84_to_gcj02(xy[:, 1], xy[:, 0])
        heat = [[round(float(a), 5), round(float(o), 5), int(n)] for a, o, n in zip(lat, lon, xy[:, 2], strict=True)]
    unit = _("per 1,000 households") if per == "households" else _("per km²")
    legend = []
    lower = 0
    for colour, bound in zip(colours, bounds, strict=True):
        legend.append((f"{lower:g}–{bound:g}", colour))
        lower = bound
    title = _("Case density") + " · " + (area.name if area else " ".join(r.name for r in roots))
    context = _figure_parts(fmap) | {
        "form": form,
        "roots": roots,
        "area": area,
        "title": title,
        "area_choices": area_choices(scope, area),
        "keep": keep,
        "total": sum(r["cases"] for r in rows),
        "grids_with_cases": sum(1 for r in rows if r["cases"]),
        "grid_total": len(rows),
        "legend": legend,
        "unit": unit,
        "hot": sorted(hot, key=lambda r: -r["gi_z"])[:15],
        "tiles": tiles,
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
    ids = density_case_ids(code, since, until, form.cleaned_data["category"])
    cases = Incident.objects.filter(id__in=ids).select_related("category").order_by("-received_at")
    grid = Area.objects.filter(code=code).values("code", "name").first()
    return render(
        request,
        "maps/grid_cases.html",
        {"grid": grid, "cases": cases[:50], "count": len(ids), "since": since, "until": until},
    )
