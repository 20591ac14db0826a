"""The generations' pages: the generations of each district the reader sees, and one generation with
a map of its old and new grids, the old→new table, the moves and conflicts of its activation, and
for a draft the administrator's actions (check, dry run, activate, discard, where the work of a
retired grid goes). Every action calls grids.generations, the one home of the rules; a refusal is
shown on the page with the service's status (409 for a stale version, 422 for a draft that cannot
be activated).

Administrators and leaders read these pages (leaders of a district's areas see its generations);
only administrators act. Anyone else is refused (403), and a generation of a district outside the
reader's areas does not exist (404).
"""

import json

import folium
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from govgrid.lib.basemap import base_map
from govgrid.lib.errors import Conflict, GovgridError
from grids import generations
from grids.models import CODE_LENGTH, Area, GridKind, Level
from grids.models.generations import Generation, Succession
from grids.scopes import Forbidden, Scope
from maps.layers import extent_of, figure_parts, for_basemap

from .rights import districts_read, only_administrators

Status = Generation.Status
DISTRICT_DIGITS = CODE_LENGTH[Level.DISTRICT]
COMMUNITY_DIGITS = CODE_LENGTH[Level.COMMUNITY]

# What an activation moves (grids.generations.Move.kind, written by each app's mover), in words.
MOVE_KINDS = {
    "assignment": gettext_lazy("role"),
    "party_group": gettext_lazy("Party group"),
    "household_link": gettext_lazy("household link"),
    "station": gettext_lazy("service station"),
    "case": gettext_lazy("case"),
    "resident_report": gettext_lazy("resident's report"),
    "qr_code": gettext_lazy("QR code"),
    "service_request": gettext_lazy("service request"),
}

LAYER_STYLES = {
    "around": {"color": "#8a96a8", "weight": 1, "fillColor": "#d5dbe3", "fillOpacity": 0.35, "dashArray": "3 3"},
    "retired": {"color": "#b03a2e", "weight": 2, "fillColor": "#f5b7b1", "fillOpacity": 0.45},
    "added": {"color": "#1f3a5f", "weight": 2, "fillColor": "#7fb3d5", "fillOpacity": 0.5},
}


# --- who reads and who acts --------------------------------------------------------------------------


def reader_districts(request):
    """(scope, districts) for a reader of these pages; PermissionDenied for anyone else."""
    scope = Scope.for_user(request.user)
    districts = districts_read(scope)
    if not districts:
        raise PermissionDenied(_("Only administrators and leaders see the generations of the grids."))
    return scope, districts


def check_acts(scope):
    try:
        only_administrators(scope)
    except Forbidden as refused:
        raise PermissionDenied(refused.message) from None


def generation_read(request, generation_id):
    """(scope, generation) when the reader sees its district; 404 when they do not."""
    scope, districts = reader_districts(request)
    generation = (
        Generation.objects.select_related("district", "created_by", "activated_by")
        .filter(pk=generation_id, district__in=districts)
        .first()
    )
    if generation is None:
        raise Http404(_("No generation has the id %(id)s.") % {"id": generation_id})
    return scope, generation


# --- the list ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def generations_page(request):
    """GET /redivision/: the generations of each district the reader sees; POST (administrators)
    starts a district's draft, or opens the one it has."""
    scope, districts = reader_districts(request)
    if request.method == "POST":
        check_acts(scope)
        try:
            draft = generations.start_draft(
                request.POST.get("district", ""), request.user, request.POST.get("name", "")
            )
        except GovgridError as refused:
            messages.error(request, str(refused.message))
        else:
            return redirect("generation-page", draft.pk)
    rows = (
        Generation.objects.filter(district__in=districts)
        .select_related("district")
        .annotate(added=Count("grids", distinct=True), retired=Count("retires", distinct=True))
        .order_by("district__code", "-number")
    )
    by_district = []
    for district in districts:
        own = [g for g in rows if g.district_id == district.id]
        by_district.append((district, own, next((g for g in own if g.status == Status.DRAFT), None)))
    return render(
        request,
        "redivision/generations.html",
        {"by_district": by_district, "acts": scope.everything},
    )


# --- one generation ----------------------------------------------------------------------------------


def version_posted(request):
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        raise GovgridError(_("The version read is missing: reload the page."), field="version") from None


def _activate(request, generation):
    if request.POST.get("confirm") != "yes":
        raise GovgridError(_("Tick the confirmation to activate the draft."), field="confirm")
    plan = generations.activate(generation.pk, request.user, version=version_posted(request))
    return _("Generation %(number)d is in force from %(day)s: %(moves)d moves, %(conflicts)d conflicts.") % {
        "number": plan.generation,
        "day": plan.on,
        "moves": len(plan.moves),
        "conflicts": len(plan.conflicts),
    }


def _discard(request, generation):
    if request.POST.get("confirm") != "yes":
        raise GovgridError(_("Tick the confirmation to discard the draft."), field="confirm")
    generations.discard(generation.pk, version=version_posted(request))
    return _("The draft is discarded.")


def _choose(request, generation):
    old = request.POST.get("old", "")
    generations.set_choice(generation.pk, old, request.POST.get("new", ""), version=version_posted(request))
    return _("Saved where the work of grid %(code)s goes.") % {"code": old}


# Actions that change the draft: each answers with what it did, then the page is read again.
CHANGES = {"activate": _activate, "discard": _discard, "choice": _choose}


def _look(request, generation, context):
    """Check and dry run change nothing: their findings are shown on the page they were asked from."""
    action = request.POST.get("action")
    if generation.status != Status.DRAFT:
        # The check replays the draft's grids over today's areas: an activated generation's would collide.
        raise Conflict(
            _("Generation %(number)d is %(status)s: only a draft can be changed.")
            % {"number": generation.number, "status": generation.get_status_display()},
            field="generation",
        )
    if action == "check":
        context["problems"] = [p.describe() for p in generations.check(generation.pk)]
        context["checked"] = True
    elif action == "dry-run":
        plan = generations.activate(generation.pk, request.user, version=version_posted(request), dry_run=True)
        context["plan"] = plan.as_dict()
        context["dry_run"] = True
    else:
        raise GovgridError(_("Unknown action %(action)s.") % {"action": action}, field="action")


@login_required
@require_http_methods(["GET", "POST"])
def generation_page(request, generation_id):
    """GET, POST /redivision/<id>/: one generation; a POST is one of a draft's actions (`action`)."""
    scope, generation = generation_read(request, generation_id)
    context, status = {}, 200
    if request.method == "POST":
        check_acts(scope)
        action = request.POST.get("action", "")
        try:
            if action in CHANGES:
                messages.success(request, CHANGES[action](request, generation))
                return redirect("generation-page", generation.pk)
            _look(request, generation, context)
        except GovgridError as refused:
            context["refusal"] = str(refused.message)
            context["refused_problems"] = [p["message"] for p in refused.extra.get("problems") or []]
            status = refused.status
        generation.refresh_from_db()
    context |= generation_context(generation, context.get("plan"))
    context |= {"generation": generation, "acts": scope.everything and generation.status == Status.DRAFT}
    return render(request, "redivision/generation.html", context, status=status)


def generation_context(generation, dry_plan=None):
    """What the page shows of a generation: its map, its old→new table and moves (the stored plan
    of an activated one, or a draft's dry run when asked for), and a draft's choices."""
    plan = dry_plan or generation.plan or {}
    added, retired = grids_changed(generation)
    context = {
        "added": added,
        "retired": retired,
        "successions": succession_rows(generation, plan),
        "moves": [move | {"label": kind_label(move["kind"])} for move in plan.get("moves", [])],
        "counts": [(kind_label(kind), n) for kind, n in sorted(plan.get("counts", {}).items())],
        "conflicts": plan.get("conflicts", []),
        "plan_problems": [p["message"] for p in plan.get("problems", [])],
        "has_plan": bool(plan),
    }
    if generation.status == Status.DRAFT:
        context["choices"] = choice_rows(generation, retired, added)
        context["communities"] = list(
            Area.objects.filter(level=Level.COMMUNITY, code__startswith=generation.district.code)
            .order_by("code")
            .values_list("code", "name")
        )
        context["changed_communities"] = sorted({g.code[:COMMUNITY_DIGITS] for g in [*added, *retired]})
        context["map_url"] = reverse("admin:grids_generation_draft_map", args=[generation.pk])
    if added or retired:
        context |= figure_parts(old_and_new_map(generation, added, retired))
    return context


def kind_label(kind):
    return str(MOVE_KINDS.get(kind, kind))


def grids_changed(generation):
    """(added, retired): the grids a generation adds (a draft's own, or the areas its activation
    wrote) and those it retires, each a list with code, name, kind, households and geom."""
    if generation.status == Status.DRAFT:
        return list(generation.grids.order_by("code")), list(generation.retires.order_by("code"))
    # Once activated, the retired grids are no longer current (generation.retires reads Area.objects):
    # both lists are read from every generation by the codes its plan recorded.
    plan = generation.plan or {}
    every = Area.every.filter(level=Level.GRID).order_by("code")
    return list(every.filter(code__in=plan.get("added", []))), list(every.filter(code__in=plan.get("retired", [])))


def succession_rows(generation, plan):
    """The old→new table: the stored successions, else the shares a dry run found."""
    stored = Succession.objects.filter(generation=generation).select_related("old", "new")
    if stored.exists():
        return [
            {"old": s.old.code, "old_name": s.old.name, "new": s.new.code, "new_name": s.new.name,
             "share": s.share, "area_m2": s.area_m2}
            for s in stored
        ]  # fmt: skip
    names = dict(
        Area.every.filter(code__in=[row["old"] for row in plan.get("successions", [])]).values_list("code", "name")
    )
    names |= dict(generation.grids.values_list("code", "name"))
    return [row | {"old_name": names.get(row["old"], ""), "new_name": names.get(row["new"], "")}
            for row in plan.get("successions", [])]  # fmt: skip


def choice_rows(generation, retired, added):
    """For each retired grid of a draft: the new grids of its community it may hand its work to,
    and the one chosen (none: the new grid holding most of it)."""
    return [
        {
            "old": old,
            "chosen": generation.choices.get(old.code, ""),
            "options": [g for g in added if g.code[:COMMUNITY_DIGITS] == old.code[:COMMUNITY_DIGITS]],
        }
        for old in retired
    ]


# --- the map of old and new --------------------------------------------------------------------------


def collection(grids, layer):
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": json.loads(grid.geom.json),
                "properties": {
                    "code": grid.code,
                    "name": grid.name,
                    "kind": str(GridKind(grid.kind).label) if grid.kind in GridKind.values else "",
                    "households": grid.households if grid.households is not None else "—",
                    "layer": layer,
                },
            }
            for grid in grids
        ],
    }


def grids_around(generation, added, retired):
    """The grids that stay, around the changed ones: valid on the generation's day (today for a
    draft), touching the box of the change, neither added nor retired by it."""
    box = None
    for grid in [*added, *retired]:
        box = grid.geom.envelope if box is None else box.union(grid.geom.envelope)
    margin = max(box.extent[2] - box.extent[0], box.extent[3] - box.extent[1]) * 0.25
    day = generation.valid_from if generation.status != Status.DRAFT else None
    areas = Area.every.as_of(day) if day else Area.objects.all()
    return (
        areas.grids()
        .filter(geom__intersects=box.envelope.buffer(margin).envelope)
        .exclude(code__in=[g.code for g in [*added, *retired]])
        .order_by("code")[:500]
    )


def _layer(fmap, grids, layer, name, show=True):
    data = for_basemap(collection(grids, layer))
    if not data["features"]:
        return data  # folium's tooltip refuses an empty layer
    group = folium.FeatureGroup(name=name, show=show)
    style = LAYER_STYLES[layer]
    folium.GeoJson(
        data,
        style_function=lambda _f: style | {"className": f"grid-{layer}"},
        tooltip=folium.GeoJsonTooltip(
            ["code", "name", "kind", "households"], aliases=[_("code"), _("name"), _("grid kind"), _("households")]
        ),
    ).add_to(group)
    group.add_to(fmap)
    return data


def old_and_new_map(generation, added, retired):
    """The retired and the added grids as two layers with a toggle, over the grids around them."""
    fmap = base_map()
    _layer(fmap, grids_around(generation, added, retired), "around", _("grids around"))
    olds = _layer(fmap, retired, "retired", _("old grids (retired)"))
    news = _layer(fmap, added, "added", _("new grids (added)"))
    folium.LayerControl(collapsed=False).add_to(fmap)
    west, south, east, north = extent_of({"features": olds["features"] + news["features"]})
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap
