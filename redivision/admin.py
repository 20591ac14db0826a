"""The generations in the admin, and the admin map that edits a draft one community at a time.

The map (`/admin/grids/generation/<id>/map/?community=<code>`) draws the community's grids as the
draft leaves them over the grids of the communities around it (greyed, read-only), with Leaflet and
Leaflet.draw as django-leaflet serves them. Its tools post to `…/map/edit/` with the draft's version:
a line drawn across a grid splits it, ticked grids merge, an area drawn becomes a new (dedicated) grid
or is given to the ticked grid (moving their shared border), and the community's changes can be
undone. Each edit is one call of grids.generations; its refusal (4xx, in the user's language) comes
back as JSON and is shown beside the map.
"""

import json

from django.conf import settings
from django.contrib import admin
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from govgrid.lib.errors import GovgridError, Unprocessable
from grids import generations
from grids.admin import ScopedAdmin, map_texts
from grids.models import CODE_LENGTH, Area, GridKind, Level
from grids.models.generations import Generation
from grids.scopes import Forbidden, Scope
from grids.validation import UNCHANGED_BOUNDARY_DEGREES

from .rights import only_administrators

# The drawing toolbar's texts the area map does not need (it draws no line), by L.drawLocal path.
LINE_TEXTS = {
    "draw.toolbar.buttons.polyline": pgettext_lazy("draft map", "Draw a line across a grid to split it"),
    "draw.toolbar.buttons.polygon": pgettext_lazy("draft map", "Draw an area: a new grid or ground for a ticked grid"),
    "draw.toolbar.finish.title": pgettext_lazy("draft map", "Finish drawing"),
    "draw.toolbar.finish.text": pgettext_lazy("draft map", "Finish"),
    "draw.handlers.polyline.tooltip.start": pgettext_lazy("draft map", "Click outside the grid to start the line."),
    "draw.handlers.polyline.tooltip.cont": pgettext_lazy("draft map", "Click to continue the line."),
    "draw.handlers.polyline.tooltip.end": pgettext_lazy("draft map", "Click the last point again to finish."),
}

# The map's own words, for its script.
PAGE_TEXTS = {
    "split_done": gettext_lazy("Split: %(codes)s."),
    "merge_done": gettext_lazy("Merged into %(codes)s."),
    "carve_done": gettext_lazy("New grids: %(codes)s."),
    "undo_done": gettext_lazy("The community's changes are undone."),
    "tick_two": gettext_lazy("Tick two grids or more to merge them."),
    "tick_one": gettext_lazy("Tick the one grid that takes the area drawn."),
    "draw_area": gettext_lazy("Draw the area first (the polygon tool)."),
    "confirm_undo": gettext_lazy("Undo every change of the draft in this community?"),
    "failed": gettext_lazy("The server did not answer: nothing was changed."),
}


def feature(shape, draft):
    """A grid of the map as a GeoJSON feature (full precision: a split line meets its borders)."""
    return {
        "type": "Feature",
        "geometry": json.loads(shape.geom.json),
        "properties": {
            "code": shape.code,
            "name": shape.name,
            "kind": shape.kind,
            "kind_label": str(GridKind(shape.kind).label) if shape.kind in GridKind.values else "",
            "households": shape.households,
            "draft": draft,
            # Where its label goes: inside it, also when it rings a grid carved out of it.
            "label_at": shape.geom.point_on_surface.coords,
        },
    }


def grids_on_map(generation, community):
    """The community's grids as the draft leaves them; `draft` marks the draft's own."""
    shapes = generations.community_view(generation, community).values()
    return {"type": "FeatureCollection", "features": [feature(s, s.draft_id is not None) for s in shapes]}


def neighbours_on_draft_map(generation, community):
    """The grids of the communities touching this one, as the draft leaves them (drawn greyed)."""
    near = Area.objects.filter(
        level=Level.COMMUNITY, geom__dwithin=(community.geom, UNCHANGED_BOUNDARY_DEGREES)
    ).exclude(pk=community.pk)
    shapes = [s for other in near.order_by("code") for s in generations.community_view(generation, other).values()]
    return {"type": "FeatureCollection", "features": [feature(s, s.draft_id is not None) for s in shapes]}


def drawn(body, name):
    """A geometry posted as GeoJSON, or a 400 naming the field."""
    try:
        return GEOSGeometry(json.dumps(body[name]))
    except (KeyError, TypeError, ValueError, GDALException, GEOSException):
        raise GovgridError(_("%(field)s is not a GeoJSON geometry.") % {"field": name}, field=name) from None


def crossed_grid(generation, community, line):
    """The grid a line drawn with no grid ticked is meant to split: the one it crosses the longest."""
    lengths = {
        code: shape.geom.intersection(line).length
        for code, shape in generations.community_view(generation, community).items()
    }
    code = max(lengths, key=lengths.get, default=None)
    if code is None or lengths[code] <= 0:
        raise Unprocessable(_("The line crosses no grid of the community."), field="line")
    return code


def text(body, name):
    """A text field of the posted edit ("" when absent), or a 400 naming it."""
    value = body.get(name) or ""
    if not isinstance(value, str):
        raise GovgridError(_("%(field)s must be text.") % {"field": name}, field=name)
    return value.strip()


def codes(body, name="grids"):
    value = body.get(name) or []
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise GovgridError(_("%(field)s must be a list of grid codes.") % {"field": name}, field=name)
    return value


def edit(generation, community, body):
    """Run one edit of the draft map's; returns the codes of the grids it made."""
    action, version = body.get("action"), body.get("version")
    if not isinstance(version, int):
        raise GovgridError(_("The version read is missing: reload the page."), field="version")
    if action == "split":
        line = drawn(body, "line")
        grid = text(body, "grid") or crossed_grid(generation, community, line)
        made = generations.split(generation.pk, grid, line, version=version)
    elif action == "merge":
        made = generations.merge(generation.pk, codes(body), text(body, "name"), text(body, "kind"), version=version)
    elif action == "carve":
        made = generations.carve(generation.pk, drawn(body, "polygon"), community.code, into=text(body, "into"),
                                 name=text(body, "name"), kind=text(body, "kind") or GridKind.BASIC,
                                 version=version)  # fmt: skip
    elif action == "undo":
        generations.undo_community(generation.pk, community.code, version=version)
        made = []
    else:
        raise GovgridError(_("Unknown action %(action)s.") % {"action": action}, field="action")
    return [grid.code for grid in made]


@admin.register(Generation)
class GenerationAdmin(ScopedAdmin):
    scope_field = "district__code"
    list_display = ["district", "number", "name", "status", "valid_from", "valid_to", "version"]
    list_filter = ["status"]
    list_select_related = ["district"]
    search_fields = ["district__code", "name"]
    fields = ["district", "number", "name", "status", "valid_from", "valid_to", "version", "note", "pages"]
    readonly_fields = ["district", "number", "status", "valid_from", "valid_to", "version", "pages"]

    def has_add_permission(self, request):
        return False  # a draft is started from the generations' page (grids.generations.start_draft)

    def has_delete_permission(self, request, obj=None):
        return False  # a generation is history; a draft is discarded, not deleted

    @admin.display(description=gettext_lazy("pages"))
    def pages(self, generation):
        page = format_html(
            '<a href="{}">{}</a>', reverse("generation-page", args=[generation.pk]), _("Generation page")
        )
        if generation.status != Generation.Status.DRAFT:
            return page
        link = reverse("admin:grids_generation_draft_map", args=[generation.pk])
        return format_html('{} · <a href="{}" id="draft-map-link">{}</a>', page, link, _("Edit on the map"))

    def get_urls(self):
        own = [
            path("<int:generation_id>/map/", self.admin_site.admin_view(self.draft_map_view),
                 name="grids_generation_draft_map"),
            path("<int:generation_id>/map/edit/", self.admin_site.admin_view(self.draft_edit_view),
                 name="grids_generation_draft_edit"),
        ]  # fmt: skip
        return own + super().get_urls()

    def _draft_and_community(self, request, generation_id, community_code):
        """The draft (only administrators edit one) and one community of its district."""
        try:
            only_administrators(Scope.for_user(request.user))
        except Forbidden as refused:
            raise PermissionDenied(refused.message) from None
        generation = Generation.objects.select_related("district").filter(pk=generation_id).first()
        if generation is None:
            raise Http404(_("No generation has the id %(id)s.") % {"id": generation_id})
        communities = Area.objects.filter(level=Level.COMMUNITY, code__startswith=generation.district.code)
        if not community_code:
            changed = sorted(g.code for g in [*generation.grids.all(), *generation.retires.all()])
            community_code = changed[0][: CODE_LENGTH[Level.COMMUNITY]] if changed else ""
        community = communities.filter(code=community_code).first() or (
            None if community_code else communities.order_by("code").first()
        )
        if community is None:
            raise Http404(_("No community of this district has the code %(code)s.") % {"code": community_code})
        return generation, community, communities

    def draft_map_view(self, request, generation_id):
        generation, community, communities = self._draft_and_community(
            request, generation_id, request.GET.get("community", "")
        )
        data = {
            "generation": generation.pk,
            "community": community.code,
            "version": generation.version,
            "editable": generation.status == Generation.Status.DRAFT,
            "grids": grids_on_map(generation, community),
            "neighbours": neighbours_on_draft_map(generation, community),
            "editUrl": reverse("admin:grids_generation_draft_edit", args=[generation.pk]),
            "tiles": [{"url": url, **options} for _name, url, options in settings.LEAFLET_CONFIG["TILES"]],
            "drawTexts": map_texts() | {key: str(text) for key, text in LINE_TEXTS.items()},
            "texts": {key: str(text) for key, text in PAGE_TEXTS.items()},
        }
        context = self.admin_site.each_context(request) | {
            "title": _("Generation %(number)d · %(community)s")
            % {"number": generation.number, "community": community.name},
            "generation": generation,
            "community": community,
            "communities": communities.order_by("code").values_list("code", "name"),
            "kinds": GridKind.choices,
            "map_data": data,
            "opts": self.model._meta,
        }
        return render(request, "admin/grids/generation/draft_map.html", context)

    def draft_edit_view(self, request, generation_id):
        return require_POST(self._edit)(request, generation_id)

    def _edit(self, request, generation_id):
        try:
            body = json.loads(request.body or b"{}")
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            return JsonResponse({"detail": _("The request is not a JSON object."), "code": "invalid"}, status=400)
        try:
            generation, community, _all = self._draft_and_community(
                request, generation_id, str(body.get("community", ""))
            )
            made = edit(generation, community, body)
        except Http404 as missing:
            return JsonResponse({"detail": str(missing), "code": "not_found"}, status=404)
        except PermissionDenied as refused:
            return JsonResponse({"detail": str(refused), "code": "forbidden"}, status=403)
        except GovgridError as refused:
            return JsonResponse(refused.as_dict(), status=refused.status)
        generation.refresh_from_db()
        return JsonResponse({"version": generation.version, "made": made, "grids": grids_on_map(generation, community)})
