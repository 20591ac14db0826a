"""/maps/exports/: the exports of exports/plan.py for analysts in a browser. A form of the export's
filters (kind, area in scope, status, category, level, dates picked from a calendar, a bounding box)
answers with one button per format, each a link to the export API (GET /api/v1/export/...), which the
browser's session authenticates. The filters are checked by the API's own serializers, so the page
refuses exactly what the API would refuse, before the analyst downloads anything."""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from govgrid.lib.reads import read_only
from grids.models import Level
from grids.scopes import Scope
from incidents.models import Category, Status

from .filters import QUERIES
from .plan import FORMATS

FORMAT_LABELS = {"geojson": "GeoJSON", "geojsonl": "GeoJSONSeq", "csv": "CSV", "gpkg": "GeoPackage"}
# Filters the page shows, in its order; each kind's serializer says which of them it takes.
PAGE_FILTERS = ("area", "status", "category", "level", "since", "until", "bbox")


def kind_labels():
    return {"incidents": _("cases"), "grids": _("grids"), "coverage": _("coverage")}


def status_choices(kind):
    if kind == "coverage":
        return [("full", _("full")), ("partial", _("partial")), ("none", _("none"))]
    return [(value, str(label)) for value, label in Status.choices]


def level_choices(kind):
    return [(value, str(label)) for value, label in Level.choices if kind == "grids" or value != Level.DISTRICT]


def category_choices():
    return [
        (c.code, ("　· " if c.parent_id else "") + c.name)
        for c in Category.objects.filter(active=True).select_related("parent").order_by("code")
    ]


def area_options(scope):
    """The areas the analyst may choose: the scope's top areas, then its streets and communities."""
    from maps.pages import area_choices

    roots = [(a.code, a.name, a.level) for a in scope.roots()]
    return roots + [row for row in area_choices(scope) if row[0] not in {r[0] for r in roots}]


def export_parameters(kind, data):
    """The API's parameters from the page's fields: only the filters this kind takes, empty ones
    left out; the page's last day is included, the API's `until` is the moment after it."""
    accepted = QUERIES[kind]().fields
    params = {}
    for name in PAGE_FILTERS:
        value = data.get(name, "").strip()
        if value and name in accepted:
            params[name] = value
    if "until" in params and len(params["until"]) == 10:
        params["until"] = _next_day(params["until"])
    return params


def _next_day(text):
    from django.utils.dateparse import parse_date

    try:
        day = parse_date(text)
        return text if day is None else (day + timedelta(days=1)).isoformat()
    except (ValueError, OverflowError):
        return text  # the serializer names it (a day that is not one, or past govgrid's years)


def export_links(kind, params):
    """[(label, url)]: one download per format; incidents also as CSV with a WKT column."""
    links = []
    for fmt in FORMATS:
        url = reverse(f"export-{kind}-{fmt}")
        links.append((FORMAT_LABELS[fmt], f"{url}?{urlencode(params)}" if params else url))
        if fmt == "csv" and kind == "incidents":
            links.append((_("CSV with a WKT column"), f"{url}?{urlencode(params | {'geometry': 'wkt'})}"))
    return links


@read_only
@login_required
def exports_page(request):
    scope = Scope.for_user(request.user)
    kind = request.GET.get("kind", "incidents")
    if kind not in QUERIES:
        kind = "incidents"
    params = export_parameters(kind, request.GET)
    query = QUERIES[kind](data=params)
    valid = query.is_valid()
    errors = {} if valid else {name: " ".join(str(m) for m in messages) for name, messages in query.errors.items()}
    area = params.get("area")
    if valid and area and not scope.sees(area):
        valid, errors = False, {"area": _("No area has the code %(code)s.") % {"code": area}}
    accepted = QUERIES[kind]().fields
    context = {
        "kind": kind,
        "kinds": [(k, kind_labels()[k]) for k in QUERIES],
        "applies": {name: name in accepted for name in PAGE_FILTERS},
        "values": {name: request.GET.get(name, "") for name in PAGE_FILTERS},
        "areas": area_options(scope),
        "statuses": status_choices(kind),
        "levels": level_choices(kind),
        "categories": category_choices() if "category" in accepted else [],
        "errors": errors,
        "links": export_links(kind, params) if valid else [],
    }
    return render(request, "exports/page.html", context, status=200 if valid else 400)
