"""/maps/coverage/: grids coloured by coverage status, stations with their reach, counts per status, and
a grid's coverage card."""

import folium
import numpy as np
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import FloatField, Func
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from govgrid.lib import coords
from govgrid.lib.basemap import base_map, draws_in_gcj02
from govgrid.lib.reads import read_only
from grids.coverage import Thresholds
from grids.models import Level, ServiceStation, level_for_code
from grids.scopes import Scope, under_codes

from .layers import fit_to_grids, grid_count, grid_layer, outlines, uses_vector_tiles
from .pages import STATUS_COLOURS, map_page_context, page_area, page_day, status_labels
from .queries import (
    coverage_totals,
    grid_card,
)


@read_only
@login_required
def coverage_map(request):
    """Grids coloured by coverage status, stations with their reach, counts per status."""
    scope = Scope.for_user(request.user)
    prefixes, area, roots = page_area(request, scope)
    if not prefixes:
        return render(request, "maps/home.html", {"roots": []})
    as_of, refused = page_day(request, "as_of")
    fmap = base_map()
    style = {"property": "status", "colours": STATUS_COLOURS, "weight": 0.6, "fillOpacity": 0.75}
    count = grid_count(prefixes)
    grids = grid_layer(fmap, prefixes, area, count, _("grids by coverage"), style, as_of)
    outlines(fmap, prefixes, area, uses_vector_tiles(count))
    stations = folium.FeatureGroup(name=_("service stations and their reach"))
    points = station_points(scope, prefixes)
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
    fit_to_grids(fmap, prefixes)

    counts, failed = coverage_totals(prefixes, as_of)
    labels = status_labels()
    legend = [(labels[s], STATUS_COLOURS[s]) for s in ("full", "partial", "none")]
    page = map_page_context(fmap, _("Coverage of the grid system"), scope, area, roots)
    title = page["title"]
    context = page | {
        "counts": counts,
        "statuses": [(s, labels[s], STATUS_COLOURS[s], counts[s]) for s in ("full", "partial", "none")],
        "failed": [(rule_labels()[rule], n) for rule, n in failed.items()],
        "station_count": len(points),
        "reach": int(reach),
        "tiles": grids is None,
        "as_of": as_of,
        "refused": refused,
        "keep": [("as_of", as_of.isoformat())] if as_of else [],
        "page_config": {
            "map": fmap.get_name(),
            "popupLayers": [grids.get_name()] if grids is not None else [],
            "popupUrl": "/maps/coverage/grid/{code}/" + (f"?as_of={as_of.isoformat()}" if as_of else ""),
            "title": title,
            "legend": legend,
            "filename": "coverage.png",
            "stationReach": station_layer
            and {"stations": station_layer.get_name(), "group": stations.get_name(), "metres": reach},
        },
    }
    return render(request, "maps/coverage.html", context, status=400 if refused else 200)


def station_points(scope, prefixes):
    """The service stations in scope under the prefixes as GeoJSON points labelled with their name
    and kind, as drawn on the base map: one query of coordinates and words (a large city has
    thousands of stations; no model or geometry object is made for each)."""
    rows = (
        scope.filter(ServiceStation.objects.all(), "area__code")
        .filter(under_codes(prefixes, "area__code"))
        .annotate(
            lon=Func("location", function="ST_X", output_field=FloatField()),
            lat=Func("location", function="ST_Y", output_field=FloatField()),
        )
        .values_list("lon", "lat", "name", "kind")
    )
    rows = [(float(lon), float(lat), name, kind) for lon, lat, name, kind in rows]
    if not rows:
        return []
    lons, lats = np.array([row[0] for row in rows]), np.array([row[1] for row in rows])
    if draws_in_gcj02():
        lons, lats = coords.wgs84_to_gcj02(lons, lats)
    kinds = dict(ServiceStation.Kind.choices)
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(float(lon), 5), round(float(lat), 5)]},
            "properties": {"label": f"{name} · {kinds[kind]}"},
        }
        for lon, lat, (_lon, _lat, name, kind) in zip(lons, lats, rows, strict=True)
    ]


def rule_labels():
    return {
        "group_leader": _("Party group leader"),
        "service_team": _("service team members"),
        "grid_worker": _("grid worker"),
        "households": _("households linked"),
        "station": _("station within reach"),
        "visits": _("weekly household visits"),
        "analysis": _("monthly situation analysis"),
    }


@read_only
@login_required
def coverage_grid(request, code):
    """The popup of one grid on the coverage map: each rule's result, its people, its station."""
    scope = Scope.for_user(request.user)
    if level_for_code(code) != Level.GRID or not scope.sees(code):
        raise Http404(_("No area has the code %(code)s.") % {"code": code})
    as_of, refused = page_day(request, "as_of")
    if refused:
        raise Http404(refused)
    card = grid_card(code, as_of)
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
        "visits": _("%(done)d of %(due)d link-weeks visited in the last %(weeks)d weeks (at least %(percent)g %%)")
        % {
            "done": card["visit_weeks_done"],
            "due": card["visit_weeks_due"],
            "weeks": thresholds.visit_weeks,
            "percent": thresholds.visit_percent,
        },
        "analysis": _("meetings held last month: %(n)d") % {"n": card["analysis_meetings"]},
    }
    labels = rule_labels()
    return render(
        request,
        "maps/grid_card.html",
        {
            "card": card,
            "status_label": status_labels()[card["status"]],
            "colour": STATUS_COLOURS[card["status"]],
            "rows": [
                (labels[rule], card[f"ok_{rule}"], details[rule], rule in thresholds.rules)
                for rule in thresholds.reported
            ],
            "team": card["team_names"],
        },
    )
