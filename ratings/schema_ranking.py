"""How the ranking by the rating's computed criteria (ratings.ranking) appears in the OpenAPI
document, beside its views (ratings/api_ranking.py)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from govgrid.lib.errors import errors
from grids.schema import within_parameter

TAG = ["ratings"]


class RankingPeriod(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["month", "quarter"])
    label = serializers.CharField(help_text=_("2026-11 or 2026Q4."))
    since = serializers.DateField(help_text=_("The first day counted."))
    until = serializers.DateField(help_text=_("The day after the last day counted: the period's end, or tomorrow."))


class RankingScheme(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.IntegerField()
    valid_from = serializers.DateField()


class RankingCriterion(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    section = serializers.CharField(help_text=_("The area of assessment it belongs to."))
    indicator = serializers.CharField(help_text=_("The figure it is computed from."))
    unit = serializers.ChoiceField(choices=["share", "hours"], help_text=_("share: from 0 to 1; hours."))
    max_points = serializers.FloatField()


class RankingScore(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text=_("None when there was nothing to count."))
    shown = serializers.FloatField(allow_null=True, help_text=_("The value as people read it: shares in %."))
    points = serializers.FloatField(help_text=_("By the criterion's thresholds."))


class RankingArea(serializers.Serializer):
    rank = serializers.IntegerField(help_text=_("By computed points, then closure rate, then code."))
    code = serializers.CharField()
    name = serializers.CharField()
    computed_points = serializers.FloatField(help_text=_("The sum of the computed criteria's points."))
    closure_rate = serializers.FloatField(allow_null=True, help_text=_("Cases closed of those received (0–1)."))
    criteria = serializers.DictField(child=RankingScore(), help_text=_("Per criterion code."))


class RankingDistrict(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    scheme = RankingScheme(
        allow_null=True, help_text=_("The scheme in force on the period's first day; none: no ranking.")
    )
    criteria = RankingCriterion(many=True)
    max_points = serializers.FloatField(allow_null=True, help_text=_("The computed criteria's maximum."))
    areas = RankingArea(many=True)


class Ranking(serializers.Serializer):
    level = serializers.ChoiceField(choices=["street", "community"])
    period = RankingPeriod()
    districts = RankingDistrict(many=True)


DESCRIPTION = _(
    "The streets or communities inside `within` (else the caller's areas), per district, ranked by the "
    "computed criteria of the rating scheme in force on the period's first day: each criterion's value "
    "and points over the month or quarter (to today when it is not over), their sum and the rank (by "
    "computed points, then closure rate, then code). Streets are ranked on their own figures with the "
    "same thresholds. A district with no scheme for the period has no areas here."
)


def ranking(query):
    return extend_schema(
        operation_id="ratings_ranking",
        tags=TAG,
        summary=_("The ranking by the rating's computed criteria"),
        description=DESCRIPTION,
        parameters=[query, within_parameter()],
        responses={200: Ranking, **errors(400, 401, 404)},
    )


def ranking_csv(query):
    return extend_schema(
        operation_id="ratings_ranking_csv",
        tags=TAG,
        summary=_("The ranking by the rating's computed criteria as CSV"),
        description=_(
            "One line per area: district, rank, code, name, computed_points, max_points, closure_rate, "
            "then <criterion>_value and <criterion>_points for each computed criterion."
        ),
        parameters=[query, within_parameter()],
        responses={(200, "text/csv"): OpenApiTypes.STR, **errors(400, 401, 404)},
    )


def ranking_geojson(query):
    return extend_schema(
        operation_id="ratings_ranking_geojson",
        tags=TAG,
        summary=_("The ranking by the rating's computed criteria as GeoJSON"),
        description=_("Each area's boundary (RFC 7946), with the CSV's columns as its properties."),
        parameters=[query, within_parameter()],
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT, **errors(400, 401, 404)},
    )
