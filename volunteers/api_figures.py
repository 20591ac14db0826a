"""The volunteers' figures over the API and as CSV: GET /api/v1/figures/volunteers/ and
GET /api/v1/export/volunteers.csv, with the same filters and the same rows (volunteers.figures)."""

import io
import tempfile
from datetime import timedelta

from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from exports.api import AnyAccept
from govgrid.lib.errors import GovgridError, NotFound
from govgrid.lib.moments import BoundedDateField
from govgrid.lib.privacy import personal_data
from grids.api import AreaCodeField, ScopedMixin
from grids.models import CODE_LENGTH, Level

from . import schema_figures as docs
from .figures import volunteer_figures, volunteer_figures_csv

LONGEST_PERIOD = timedelta(days=1100)  # about three years: every link is counted week by week


class VolunteerFiguresQuery(serializers.Serializer):
    within = AreaCodeField(required=False, allow_blank=True)
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    by = serializers.ChoiceField(
        choices=[("work_unit", gettext_lazy("work unit"))],
        required=False,
        help_text=gettext_lazy("Rows per work unit, instead of per area of `level`."),
    )
    since = BoundedDateField(help_text=gettext_lazy("The first day of the period."))
    until = BoundedDateField(help_text=gettext_lazy("The day after the period."))

    def validate(self, data):
        if data["until"] <= data["since"]:
            raise serializers.ValidationError({"until": _("The end of the period must come after its start.")})
        if data["until"] - data["since"] > LONGEST_PERIOD:
            raise serializers.ValidationError({"until": _("Ask for three years at most.")})
        if "by" not in data and "level" not in data:
            raise serializers.ValidationError({"level": _("Choose a level, or by=work_unit.")})
        return data


def read_query(request, scope):
    """(prefixes, grouping, since, until) of a valid query over areas the caller sees: 400 for bad
    input, 404 for an area outside the scope or a caller with none."""
    query = VolunteerFiguresQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    prefixes = scope.read_prefixes(data.get("within"), field="within")
    if not prefixes:
        raise NotFound(_("You have no areas."))
    grouping = data.get("by") or data["level"]
    if grouping != "work_unit" and any(len(p) > CODE_LENGTH[Level(grouping)] for p in prefixes):
        raise GovgridError(_("Choose the level of the area or one below it."), field="level")
    return prefixes, grouping, data["since"], data["until"]


@personal_data  # figures for those who see the area
class VolunteerFiguresView(ScopedMixin, APIView):
    """GET /api/v1/figures/volunteers/?level=&within=&since=&until= (or by=work_unit)"""

    @docs.figures(VolunteerFiguresQuery)
    def get(self, request):
        return Response(volunteer_figures(*read_query(request, self.scope)))


@personal_data  # an export: never kept by a shared browser or a proxy
class VolunteerFiguresExportView(ScopedMixin, APIView):
    """GET /api/v1/export/volunteers.csv with the filters of the figures: their rows as CSV."""

    content_negotiation_class = AnyAccept

    @docs.figures_export(VolunteerFiguresQuery)
    def get(self, request):
        prefixes, grouping, since, until = read_query(request, self.scope)
        out = tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+b")
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        volunteer_figures_csv(text, prefixes, grouping, since, until)
        text.detach()
        out.seek(0)
        filename = f"volunteers-{'-'.join(prefixes) if len(prefixes) < 4 else 'scope'}-{grouping}.csv"
        return FileResponse(out, as_attachment=True, filename=filename, content_type="text/csv; charset=utf-8")
