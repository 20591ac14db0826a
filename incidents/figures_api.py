"""The figures' API: per area (incidents.figures) and the departments' loop per department or area
(incidents.loop_figures), for a period, inside an area the caller sees."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from govgrid.lib.moments import BoundedDateTimeField
from govgrid.lib.reads import read_only
from grids.api import AreaCodeField, as_of_field
from grids.models import CODE_LENGTH, Level

from . import schema as docs
from .api import IncidentScopedMixin
from .figures import figures
from .loop_figures import GROUPINGS, loop_figures


def period_and_level(data, level_field):
    """A figures query's own checks: the period runs forward, and an area's rows are of its level or
    one below it (`level_field` names a level, or a grouping that is none)."""
    if data["until"] <= data["since"]:
        raise serializers.ValidationError({"until": _("The end of the period must come after its start.")})
    level = data[level_field]
    if level in Level.values and len(data["within"]) > CODE_LENGTH[Level(level)]:
        raise serializers.ValidationError({level_field: _("Choose the level of the area or one below it.")})
    return data


def read_query(query_class, request, scope):
    """The validated parameters of a figures query whose area the caller sees (else 400 or 404)."""
    query = query_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    scope.check_sees(query.validated_data["within"])
    return query.validated_data


class FiguresQuery(serializers.Serializer):
    within = AreaCodeField()
    level = serializers.ChoiceField(choices=Level.choices)
    since = BoundedDateTimeField()
    until = BoundedDateTimeField()
    as_of = as_of_field()

    def validate(self, data):
        return period_and_level(data, "level")


@read_only
class FiguresView(IncidentScopedMixin, APIView):
    """GET /api/v1/figures/?within=<code>&level=<level>&since=<time>&until=<time> — per area: cases
    received, closed, the share closed at each level, on-time and closure rates, time to close and
    satisfaction."""

    @docs.figures(FiguresQuery)
    def get(self, request):
        data = read_query(FiguresQuery, request, self.scope)
        return Response(figures(data["within"], data["level"], data["since"], data["until"], as_of=data.get("as_of")))


class LoopFiguresQuery(serializers.Serializer):
    within = AreaCodeField()
    by = serializers.ChoiceField(
        choices=[("department", gettext_lazy("department")), ("person", gettext_lazy("person"))]
        + [(g, Level(g).label) for g in GROUPINGS[1:-1]],
        default="department",
        help_text=gettext_lazy(
            "Rows per department, per person who signed for the dispatches, or per area of this level."
        ),
    )
    since = BoundedDateTimeField()
    until = BoundedDateTimeField()

    def validate(self, data):
        return period_and_level(data, "by")


@read_only
class LoopFiguresView(IncidentScopedMixin, APIView):
    """GET /api/v1/figures/departments/?within=<code>&by=department|street|...&since=<time>&until=<time>"""

    @docs.loop_figures(LoopFiguresQuery)
    def get(self, request):
        data = read_query(LoopFiguresQuery, request, self.scope)
        return Response(loop_figures(data["within"], data["by"], data["since"], data["until"]))
