"""The wizard's API: POST /api/v1/generations/<id>/wizard/ proposes a balanced division of one
community of a draft, as GeoJSON with the balance before and after, and with `accept` writes it
into the draft (redivision.wizard.run, which the page calls too)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_gis.fields import GeometryField

from govgrid.lib.errors import errors

from .wizard import Target, run

TAG = ["generations"]


@extend_schema_field(
    {
        "type": "object",
        "description": "GeoJSON LineString or MultiLineString (RFC 7946), WGS84 longitude/latitude",
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"type": "string", "enum": ["LineString", "MultiLineString"]},
            "coordinates": {"type": "array", "items": {}},
        },
    }
)
class LinesField(GeometryField):
    """Road lines given as GeoJSON, read into a GEOS geometry."""


class WizardTarget(serializers.Serializer):
    """The target and the draft's version read, as the API and the page's form take them."""

    households_min = serializers.IntegerField(
        min_value=1, required=False, help_text=_("Households per grid, at least.")
    )
    households_max = serializers.IntegerField(min_value=1, required=False, help_text=_("Households per grid, at most."))
    cases_per_grid = serializers.IntegerField(
        min_value=1, required=False, help_text=_("Cases per year per grid, at most (instead of households).")
    )
    version = serializers.IntegerField(
        min_value=1, required=False, help_text=_("The draft's version read: a stale one answers 409 stale_version.")
    )

    def target(self):
        given = self.validated_data
        return Target.of(given.get("households_min"), given.get("households_max"), given.get("cases_per_grid"))


class WizardRequest(WizardTarget):
    community = serializers.RegexField(
        r"^[0-9]{12}$",
        help_text=_("The code of a community of the draft's district (12 digits)."),
        error_messages={"invalid": _("A community's code is 12 digits.")},
    )
    roads = LinesField(
        required=False, help_text=_("Road lines (a GeoJSON MultiLineString, WGS84) the new borders should follow.")
    )
    accept = serializers.BooleanField(default=False, help_text=_("Write the proposal into the draft."))


class Spread(serializers.Serializer):
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)
    mean = serializers.FloatField(allow_null=True)
    std = serializers.FloatField(allow_null=True, help_text=_("Standard deviation."))
    cv = serializers.FloatField(allow_null=True, help_text=_("Coefficient of variation: std / mean."))
    total = serializers.FloatField()


class Balance(serializers.Serializer):
    grids = serializers.IntegerField()
    households = Spread()
    cases_per_year = Spread(help_text=_("Cases reported in the last 12 months, per grid."))
    area_m2 = Spread()
    compactness = Spread(help_text=_("4πA/P² per grid: 1 for a circle, about 0.79 for a square."))
    within_target = serializers.IntegerField(help_text=_("Grids within the target."))


class WizardAnswer(serializers.Serializer):
    type = serializers.CharField(help_text="FeatureCollection")
    features = serializers.ListField(
        child=serializers.DictField(), help_text=_("The proposed grids, each with its households, cases and ground.")
    )
    generation = serializers.IntegerField()
    community = serializers.CharField()
    target = serializers.DictField()
    kept = serializers.ListField(child=serializers.CharField(), help_text=_("Dedicated grids kept whole."))
    before = Balance()
    after = Balance()
    seconds = serializers.FloatField(help_text=_("The time the proposal took."))
    units = serializers.IntegerField(help_text=_("The small units the ground was cut into."))
    version = serializers.IntegerField(help_text=_("The draft's version after the call."))
    accepted = serializers.BooleanField()
    grids = serializers.ListField(child=serializers.CharField(), help_text=_("The new grids' codes, when accepted."))


class WizardView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG,
        summary=_("Propose a balanced re-division of a community, and accept it"),
        description=_(
            "Divides the community's basic grids, as the draft leaves them, into grids of the target's "
            "households (households_min to households_max) or case load (cases_per_grid), keeping the "
            "dedicated grids whole; answers the proposal with the balance before and after. With accept, "
            "writes it into the draft. Administrators only."
        ),
        request=WizardRequest,
        responses={200: WizardAnswer, **errors(400, 401, 403, 404, 409, 422)},
    )
    def post(self, request, pk):
        body = WizardRequest(data=request.data)
        body.is_valid(raise_exception=True)
        given, target = body.validated_data, body.target()
        proposal, made = run(
            request.user, pk, given["community"], target, given.get("roads"), given["accept"], given.get("version")
        )
        return Response(answer(proposal, made))


def answer(proposal, made):
    version = made[0].generation.version if made else proposal.version
    return {
        **proposal.feature_collection(),
        **proposal.summary(),
        "version": version,
        "accepted": bool(made),
        "grids": [grid.code for grid in made],
    }
