"""The generations' API: a district's generations with their dates and differences, a draft's edits
(split, merge, carve, undo a community, choices), its check, the dry run, the activation and the
discard. Every change names the draft's version it read (409 stale_version otherwise) and answers
with the generation as it now stands. Administrators change; whoever sees the district reads."""

import json

from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from govgrid.lib.api_input import Versioned, checked
from govgrid.lib.errors import NotFound
from govgrid.lib.moments import BoundedDateField
from grids import generations
from grids.api import AreaCodeField, ScopedMixin
from grids.models import Generation, GridKind
from grids.validation import explain_invalid

from . import schema as docs
from .reading import generation_detail, generation_summary
from .rights import only_administrators, reads


class ScopedView(ScopedMixin, APIView):
    pass


def seen_generation(scope, pk):
    """The generation `pk` if the caller sees its district, else 404."""
    generation = Generation.objects.select_related("district").filter(pk=pk).first()
    if generation is None or not reads(scope, generation.district.code):
        raise NotFound(_("No generation has the id %(id)s.") % {"id": pk}, field="generation")
    return generation


@extend_schema_field(
    {"type": "object", "description": "GeoJSON geometry (RFC 7946), WGS84", "required": ["type", "coordinates"]}
)
class GeometryInput(serializers.Field):
    """A GeoJSON geometry (an object or its text) in WGS84."""

    def to_internal_value(self, data):
        text = data if isinstance(data, str) else json.dumps(data)
        try:
            geom = GEOSGeometry(text)
        except (GEOSException, ValueError, TypeError):
            raise serializers.ValidationError(_("Give a GeoJSON geometry.")) from None
        if geom.srid is None:
            geom.srid = 4326
        if not geom.valid:
            raise serializers.ValidationError(
                _("The geometry is not valid: %(reason)s") % {"reason": explain_invalid(geom.valid_reason)}
            )
        return geom


class GenerationListQuery(serializers.Serializer):
    district = AreaCodeField(required=False)


class GenerationStart(serializers.Serializer):
    district = AreaCodeField()
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class GenerationsView(ScopedView):
    """GET /api/v1/generations/[?district=] · POST /api/v1/generations/ (a draft for a district)"""

    @docs.generation_list(GenerationListQuery)
    def get(self, request):
        query = checked(GenerationListQuery, request.query_params)
        generations_seen = Generation.objects.select_related("district").order_by("district__code", "number")
        if query.get("district"):
            generations_seen = generations_seen.filter(district__code=query["district"])
        rows = [generation_summary(g) for g in generations_seen if reads(self.scope, g.district.code)]
        return Response(rows)

    @docs.generation_start(GenerationStart)
    def post(self, request):
        only_administrators(self.scope)
        given = checked(GenerationStart, request.data)
        draft = generations.start_draft(given["district"], request.user, given["name"])
        return Response(generation_detail(draft), status=201)


class GenerationView(ScopedView):
    """GET /api/v1/generations/<id>/"""

    @docs.generation_detail
    def get(self, request, pk):
        return Response(generation_detail(seen_generation(self.scope, pk)))


class SplitRequest(Versioned):
    grid = serializers.RegexField(r"^[0-9]{15}$")
    line = GeometryInput()
    names = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list)


class MergeRequest(Versioned):
    grids = serializers.ListField(child=serializers.RegexField(r"^[0-9]{15}$"), min_length=2)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=GridKind.choices, required=False, allow_blank=True, default="")


class CarveRequest(Versioned):
    community = serializers.RegexField(r"^[0-9]{12}$")
    polygon = GeometryInput()
    into = serializers.RegexField(r"^[0-9]{15}$", required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=GridKind.choices, required=False, default=GridKind.BASIC)


class UndoRequest(Versioned):
    community = serializers.RegexField(r"^[0-9]{12}$")


class ChoiceRequest(Versioned):
    old = serializers.RegexField(r"^[0-9]{15}$")
    new = serializers.RegexField(r"^([0-9]{15})?$", required=False, allow_blank=True, default="")


class ActivateRequest(Versioned):
    on = BoundedDateField(required=False, allow_null=True, default=None)


# path word → (the input it takes, how it is taken with the caller and the checked input)
ACTIONS = {
    "split": (SplitRequest, lambda pk, u, g: generations.split(pk, g["grid"], g["line"], g["names"], g["version"])),
    "merge": (MergeRequest, lambda pk, u, g: generations.merge(pk, g["grids"], g["name"], g["kind"], g["version"])),
    "carve": (CarveRequest, lambda pk, u, g: generations.carve(
        pk, g["polygon"], g["community"], g["into"], g["name"], g["kind"], g["version"])),
    "undo": (UndoRequest, lambda pk, u, g: generations.undo_community(pk, g["community"], g["version"])),
    "choice": (ChoiceRequest, lambda pk, u, g: generations.set_choice(pk, g["old"], g["new"], g["version"])),
    "discard": (Versioned, lambda pk, u, g: generations.discard(pk, g["version"])),
}  # fmt: skip


def _action_view(name):
    request_class, take = ACTIONS[name]

    class ActionView(ScopedView):
        @docs.action(name, request_class)
        def post(self, request, pk):
            only_administrators(self.scope)
            seen_generation(self.scope, pk)
            take(pk, request.user, checked(request_class, request.data))
            return Response(generation_detail(seen_generation(self.scope, pk)))

    ActionView.__name__ = ActionView.__qualname__ = name.title() + "View"
    ActionView.__doc__ = f"POST /api/v1/generations/<id>/{name}/"
    return ActionView


ACTION_VIEWS = {name: _action_view(name) for name in ACTIONS}


class CheckView(ScopedView):
    """GET /api/v1/generations/<id>/check/ — the topology problems the draft would leave."""

    @docs.check
    def get(self, request, pk):
        only_administrators(self.scope)
        seen_generation(self.scope, pk)
        problems = generations.check(pk)
        return Response({"problems": [p.as_dict() for p in problems]})


class DryRunView(ScopedView):
    """POST /api/v1/generations/<id>/dry-run/ — every move and conflict the activation would make."""

    @docs.activation("dry_run", ActivateRequest)
    def post(self, request, pk):
        only_administrators(self.scope)
        seen_generation(self.scope, pk)
        given = checked(ActivateRequest, request.data)
        plan = generations.activate(pk, request.user, given["version"], given["on"], dry_run=True)
        return Response(plan.as_dict())


class ActivateView(ScopedView):
    """POST /api/v1/generations/<id>/activate/ — put the draft in force, moving the work."""

    @docs.activation("activate", ActivateRequest)
    def post(self, request, pk):
        only_administrators(self.scope)
        seen_generation(self.scope, pk)
        given = checked(ActivateRequest, request.data)
        plan = generations.activate(pk, request.user, given["version"], given["on"])
        return Response(plan.as_dict())
