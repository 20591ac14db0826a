"""The wizard's page, /redivision/<generation id>/wizard/<community code>/ (administrators): the
target form; with a target, the proposal drawn over the community's grids as the draft leaves them
and the balance before and after as a table; "accept" writes it into the draft (redivision.wizard.run,
which the API calls too), after which the community's grids are the draft's new ones, to be edited
further with the draft's other tools."""

import folium
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import ValidationError

from govgrid.lib.basemap import base_map
from govgrid.lib.errors import GovgridError, NotFound
from govgrid.lib.refusals import answered_as_page, refusal_text
from grids.generations import community_view
from grids.models import GridKind
from grids.scopes import Forbidden
from maps.layers import extent_of, figure_parts, for_basemap

from .wizard import draft_and_community, run
from .wizard_api import WizardTarget

TARGET_FIELDS = ("households_min", "households_max", "cases_per_grid")
COLOURS = {"under": "#4575b4", "within": "#1a9850", "over": "#d73027", "kept": "#9e9ac8"}


def _given(data):
    """The target and the draft's version read from a form, checked as the API checks its body."""
    form = WizardTarget(data={name: data[name] for name in (*TARGET_FIELDS, "version") if data.get(name, "").strip()})
    form.is_valid(raise_exception=True)
    return form.target(), form.validated_data.get("version")


@login_required
@answered_as_page
@require_http_methods(["GET", "POST"])
def wizard_page(request, generation, community):
    """GET shows the form and, with a target in the query, the proposal; POST accepts it."""
    if request.method == "POST":
        return _accept(request, generation, community)
    target, proposal, status = None, None, 200
    if any(request.GET.get(name) for name in TARGET_FIELDS):
        try:
            target, _version = _given(request.GET)
            proposal, _made = run(request.user, generation, community, target)
        except (GovgridError, ValidationError) as refused:
            if isinstance(refused, NotFound | Forbidden):
                raise
            messages.error(request, refusal_text(refused))
            status = 400
    if proposal is None:  # the form alone: the page still checks who asks and what exists
        proposal_or_none = None
        with transaction.atomic():
            draft, area = draft_and_community(request.user, generation, community)
    else:
        proposal_or_none, draft, area = proposal, proposal.generation, proposal.community
    context = {
        "generation": draft,
        "community": area,
        "proposal": proposal_or_none,
        "given": {name: request.GET.get(name, "") for name in TARGET_FIELDS},
        "by_cases": bool(request.GET.get("cases_per_grid")),
        "rows": _balance_rows(proposal_or_none) if proposal_or_none else [],
        "colours": COLOURS,
        **_map_parts(draft, area, proposal_or_none),
    }
    return render(request, "redivision/wizard.html", context, status=status)


def _accept(request, generation, community):
    here = reverse("redivision-wizard", args=[generation, community])
    try:
        target, version = _given(request.POST)
        proposal, made = run(request.user, generation, community, target, accept=True, version=version)
    except (GovgridError, ValidationError) as refused:
        if isinstance(refused, NotFound | Forbidden):
            raise
        messages.error(request, refusal_text(refused))
        return redirect(here)
    messages.success(
        request,
        _("%(n)d new grids are written into the draft: edit them further with the draft's tools.") % {"n": len(made)},
    )
    return redirect(here)


def _balance_rows(proposal):
    """[(group, [(label, before, after)])] for the balance table: the households (or, by case
    load, the cases) in full, the rest in brief; cases only where there are any."""
    before, after = proposal.before, proposal.after
    full = (("min", _("min")), ("max", _("max")), ("mean", _("mean")), ("std", _("standard deviation")),
            ("cv", _("coefficient of variation")))  # fmt: skip
    brief = (("min", _("min")), ("max", _("max")), ("cv", _("coefficient of variation")))
    counts = [
        (_("grids"), before["grids"], after["grids"]),
        (_("grids within the target"), before["within_target"], after["within_target"]),
    ]
    groups = [(_("grids"), counts)]
    figures = [("households", _("households per grid")), ("cases_per_year", _("cases per year per grid"))]
    if proposal.target.by_cases:
        figures.reverse()
    figures.append(("area_m2", _("ground per grid (m²)")))
    for n, (key, label) in enumerate(figures):
        if key == "cases_per_year" and not before[key]["total"]:
            continue
        groups.append(
            (label, [(word, _shown(before[key][k]), _shown(after[key][k])) for k, word in (brief if n else full)])
        )
    compact = (_("mean"), before["compactness"]["mean"], after["compactness"]["mean"])
    groups.append((_("compactness (1 = circle)"), [compact]))
    return groups


def _shown(value):
    return round(value, 1) if isinstance(value, float) and abs(value) >= 10 else value


def _map_parts(draft, community, proposal):
    """The community's grids as the draft leaves them (outlines; dedicated grids shaded), and the
    proposal over them coloured by its place against the target."""
    fmap = base_map()
    current = _current_collection(draft, community)
    folium.GeoJson(
        current,
        name=_("grids now"),
        style_function=lambda f: {
            "color": "#44546a", "weight": 1.5, "dashArray": "4 3", "className": "grid-now",
            "fillColor": COLOURS["kept"], "fillOpacity": 0.5 if f["properties"]["kind"] != GridKind.BASIC else 0,
        },
        tooltip=folium.GeoJsonTooltip(["code", "name", "households"], aliases=[_("code"), _("name"), _("households")]),
    ).add_to(fmap)  # fmt: skip
    shown = current
    if proposal is not None:
        proposed = for_basemap(proposal.feature_collection())
        for feature in proposed["features"]:
            feature["properties"]["place"] = _place(proposal.target, feature["properties"])
        folium.GeoJson(
            proposed,
            name=_("proposal"),
            style_function=lambda f: {
                "color": "#1f3a5f", "weight": 2.5, "fillOpacity": 0.35, "className": "grid-proposed",
                "fillColor": COLOURS[f["properties"]["place"]],
            },
            tooltip=folium.GeoJsonTooltip(
                ["number", "households", "cases", "area_m2"], aliases=["#", _("households"), _("cases per year"), "m²"]
            ),
        ).add_to(fmap)  # fmt: skip
        shown = proposed if proposed["features"] else current
    folium.LayerControl(collapsed=True).add_to(fmap)
    west, south, east, north = extent_of(shown)
    fmap.fit_bounds([[south, west], [north, east]])
    return figure_parts(fmap)


def _place(target, figures):
    if target.holds(figures["households"], figures["cases"]):
        return "within"
    if target.by_cases:
        return "over"
    return "under" if figures["households"] < target.households_min else "over"


def _current_collection(draft, community):
    features = [
        {
            "type": "Feature",
            "geometry": {
                "type": "MultiPolygon",
                "coordinates": [
                    [[[round(x, 6), round(y, 6)] for x, y in ring] for ring in poly]
                    for poly in (shape.geom.coords if shape.geom.geom_type == "MultiPolygon" else [shape.geom.coords])
                ],
            },
            "properties": {"code": shape.code, "name": shape.name, "kind": shape.kind,
                           "households": shape.households if shape.households is not None else "—"},
        }
        for shape in community_view(draft, community).values()
    ]  # fmt: skip
    return for_basemap({"type": "FeatureCollection", "features": features})


@login_required
def wizard_for(request, generation):
    """GET /redivision/<id>/wizard/?community=<code>: the wizard of the community chosen on the
    generation's page (a form cannot put its choice in the path)."""
    community = request.GET.get("community", "").strip()
    if not community.isdigit():
        raise Http404(_("Choose a community."))
    return redirect("redivision-wizard", generation=generation, community=community)
