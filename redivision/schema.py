"""How the generations' API is described in the OpenAPI document (beside its views)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from govgrid.lib.errors import errors
from grids.models import Generation
from grids.schema import GeometryField

TAG = ["generations"]

ACTIONS = {
    "split": _("Split a grid of the draft along a line drawn across it"),
    "merge": _("Merge adjacent grids of one community"),
    "carve": _(
        "Give a drawn area to a neighbouring grid (a shared border moved) or make it a new grid of its kind "
        "(a dedicated grid: a market, a park...)"
    ),
    "undo": _("Drop the draft's changes to one community"),
    "choice": _("Send the people, Party group and station of a retired grid to a new grid of one's choosing"),
    "discard": _("Discard the draft"),
}


class GenerationRow(serializers.Serializer):
    id = serializers.IntegerField()
    district = serializers.CharField()
    district_name = serializers.CharField()
    number = serializers.IntegerField(help_text=_("1 is the grids as first drawn."))
    name = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=Generation.Status.choices)
    status_label = serializers.CharField()
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True)
    added = serializers.IntegerField(help_text=_("Grids it adds (a draft) or added."))
    retired = serializers.IntegerField(help_text=_("Grids it retires (a draft) or retired."))
    created_at = serializers.DateTimeField()
    activated_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField(
        help_text=_("Send it back with a change: a stale one answers 409 stale_version.")
    )


class GridProperties(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    households = serializers.IntegerField(allow_null=True)
    population = serializers.IntegerField(allow_null=True)
    how = serializers.CharField(required=False, help_text=_("A draft's grid: split, merge, carve, border or wizard."))
    community = serializers.CharField(required=False)


class GridFeature(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.CharField()
    geometry = GeometryField()
    properties = GridProperties()


class GridCollection(serializers.Serializer):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    features = GridFeature(many=True)


class SuccessionRow(serializers.Serializer):
    old = serializers.CharField()
    new = serializers.CharField()
    share = serializers.FloatField(help_text=_("The share of the old grid's ground the new grid took."))
    area_m2 = serializers.FloatField()


class MoveRow(serializers.Serializer):
    kind = serializers.CharField(
        help_text=_(
            "assignment, party_group, household_link, station, case, resident_report, qr_code or service_request."
        )
    )
    what = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()
    id = serializers.IntegerField(allow_null=True)


class ConflictRow(serializers.Serializer):
    kind = serializers.CharField()
    grid = serializers.CharField()
    message = serializers.CharField()


class ProblemRow(serializers.Serializer):
    kind = serializers.CharField(help_text=_("invalid, gap, overlap or outside."))
    codes = serializers.ListField(child=serializers.CharField())
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    area_m2 = serializers.FloatField()
    detail = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class Plan(serializers.Serializer):
    generation = serializers.IntegerField()
    on = serializers.DateField()
    added = serializers.ListField(child=serializers.CharField())
    retired = serializers.ListField(child=serializers.CharField())
    successions = SuccessionRow(many=True)
    moves = MoveRow(many=True)
    conflicts = ConflictRow(many=True)
    problems = ProblemRow(many=True, help_text=_("Topology problems: a dry run lists them; an activation refuses."))
    counts = serializers.DictField(child=serializers.IntegerField(), help_text=_("Moves per kind."))


class GenerationDetail(GenerationRow):
    new_grids = GridCollection()
    old_grids = GridCollection()
    choices = serializers.DictField(child=serializers.CharField(), help_text=_("Old grid code → new grid code."))
    successions = SuccessionRow(many=True)
    plan = Plan(allow_null=True, help_text=_("What its activation moved (null for a draft)."))
    note = serializers.CharField(allow_blank=True)


class Problems(serializers.Serializer):
    problems = ProblemRow(many=True)


PK = OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("The generation's id."))


def generation_list(query):
    return extend_schema(
        operation_id="generation_list", tags=TAG, parameters=[query],
        summary=_("The generations of the grids of the districts the caller sees"),
        responses={200: GenerationRow(many=True), **errors(400, 401)},
    )  # fmt: skip


def generation_start(request):
    return extend_schema(
        operation_id="generation_start", tags=TAG, request=request,
        summary=_("Start a draft re-division of a district's grids (or read the open one); administrators"),
        responses={201: GenerationDetail, **errors(400, 401, 403, 404)},
    )  # fmt: skip


generation_detail = extend_schema(
    operation_id="generation_detail", tags=TAG, parameters=[PK],
    summary=_("A generation: its grids added and retired, the old→new table, its moves"),
    responses={200: GenerationDetail, **errors(401, 404)},
)  # fmt: skip


def action(name, request):
    return extend_schema(
        operation_id=f"generation_{name}", tags=TAG, request=request, parameters=[PK], summary=ACTIONS[name],
        description=_("A draft only (409 wrong_status); a stale version answers 409 stale_version. New grids take "
                      "codes never used in their community and the households of the grids they replace, divided "
                      "by the share of ground each takes."),
        responses={200: GenerationDetail, **errors(400, 401, 403, 404, 409, 422)},
    )  # fmt: skip


check = extend_schema(
    operation_id="generation_check", tags=TAG, parameters=[PK],
    summary=_("The topology problems the draft would leave in the communities it changes"),
    responses={200: Problems, **errors(401, 403, 404)},
)  # fmt: skip


def activation(name, request):
    if name == "dry_run":
        summary = _("Every move and conflict the activation would make, writing nothing")
    else:
        summary = _("Put the draft in force from a day (today by default), moving the work to the new grids")
    return extend_schema(
        operation_id=f"generation_{name}", tags=TAG, request=request, parameters=[PK], summary=summary,
        description=_("In one transaction: the new grids are written valid from the day and the retired ones end "
                      "on it; the topology is checked (422 with the problems); assignments, Party groups, household "
                      "links, stations, cases under way, residents' reports and service requests move; QR codes of "
                      "retired grids lead to the new grid."),
        responses={200: Plan, **errors(400, 401, 403, 404, 409, 422)},
    )  # fmt: skip
