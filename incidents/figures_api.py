"""The figures' API: per area (incidents.figures) and the departments' loop per department or area
(incidents.loop_figures), for a period, inside an area the caller sees."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from govgrid.lib.moments import BoundedDateTimeField
from grids.api import AreaCodeField
from grids.models import CODE_LENGTH, Level

from . import schema as docs
from .api import IncidentScopedMixin
from .figures import figures
from .loop_figures import GROUPINGS, loop_figures


class FiguresQuery(serializers.Serializer):
    within = AreaCodeField()
    level = serializers.ChoiceField(choices=Level.choices)
    since = BoundedDateTimeField()
    until = BoundedDateTimeField()

    def validate(self, data):
        if data["until"] <= data["since"]:
            raise serializers.ValidationError({"until": _("The end of the period must come after its start.")})
        if len(data["within"]) > CODE_LENGTH[Level(data["level"])]:
            raise serializers.ValidationError({"level": _("Choose the level of the area or one below it.")})
        return data


class FiguresView(IncidentScopedMixin, APIView):
    """GET /api/v1/figures/?within=<code>&level=<level>&since=<time>&until=<time> — per area: cases
    received, closed, the share closed at each level, on-time and closure rates, time to close and
    satisfaction."""

    @docs.figures(FiguresQuery)
    def get(self, request):
        query = FiguresQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        self.scope.check_sees(data["within"])
        return Response(figures(data["within"], data["level"], data["since"], data["until"]))


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
        if data["until"] <= data["since"]:
            raise serializers.ValidationError({"until": _("The end of the period must come after its start.")})
        if data["by"] in Level.values and len(data["within"]) > CODE_LENGTH[Level(data["by"])]:
            raise serializers.ValidationError({"by": _("Choose the level of the area or one below it.")})
        return data


class LoopFiguresView(IncidentScopedMixin, APIView):
    """GET /api/v1/figures/departments/?within=<code>&by=department|street|...&since=<time>&until=<time>"""

    @docs.loop_figures(LoopFiguresQuery)
    def get(self, request):
        query = LoopFiguresQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        self.scope.check_sees(data["within"])
        return Response(loop_figures(data["within"], data["by"], data["since"], data["until"]))
