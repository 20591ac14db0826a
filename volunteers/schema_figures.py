"""How the volunteers' figures (volunteers.figures) appear in the OpenAPI document, beside their views
(volunteers/api_figures.py)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from govgrid.lib.errors import errors
from grids.schema import within_parameter

TAG = ["volunteers"]


class VolunteerFigures(serializers.Serializer):
    received = serializers.IntegerField(help_text=_("Service requests asked in the period."))
    accepted = serializers.IntegerField(help_text=_("Of those, offered to volunteers (not refused, not made a case)."))
    claimed = serializers.IntegerField()
    completed = serializers.IntegerField()
    rated = serializers.IntegerField()
    satisfied = serializers.IntegerField(help_text=_("Ratings of 4 or 5."))
    visits_due = serializers.IntegerField(help_text=_("Household links in force on each Monday of the period."))
    visits_done = serializers.IntegerField(help_text=_("Of those link-weeks, the ones with a visit that week."))
    analysis_meetings = serializers.IntegerField()
    trainings = serializers.IntegerField()
    hours = serializers.FloatField(help_text=_("Hours credited in the ledger on days of the period."))
    points = serializers.FloatField()
    median_hours_to_claim = serializers.FloatField(allow_null=True, help_text=_("From the offer to the claim."))
    median_hours_to_complete = serializers.FloatField(allow_null=True, help_text=_("From the request to done."))
    satisfaction = serializers.FloatField(allow_null=True, help_text=_("Satisfied / rated."))
    visits_share = serializers.FloatField(allow_null=True, help_text=_("Visits done / due."))


class VolunteerFiguresRow(VolunteerFigures):
    code = serializers.CharField(required=False, help_text=_("The area's code (rows per area)."))
    level = serializers.CharField(
        required=False,
        help_text=_("The area's level: an area above the level asked holds what has no area of that level."),
    )
    work_unit = serializers.IntegerField(required=False, help_text=_("The work unit's id (rows per work unit)."))
    district = serializers.CharField(required=False, help_text=_("The work unit's district (rows per work unit)."))
    name = serializers.CharField()


def figures(query):
    return extend_schema(
        operation_id="volunteer_figures",
        tags=TAG,
        summary=_("Party members' and volunteers' work per area or work unit"),
        description=_(
            "Per area of a level, or per work unit, inside `within` (else the caller's areas), for the days "
            "[since, until): service requests received, accepted, claimed, completed and rated, satisfaction, "
            "median times, hours and points credited, household visits done and due, meetings held."
        ),
        parameters=[query, within_parameter()],
        responses={200: VolunteerFiguresRow(many=True), **errors(400, 401, 404)},
    )


def figures_export(query):
    return extend_schema(
        operation_id="export_volunteers_csv",
        tags=TAG,
        summary=_("Party members' and volunteers' work as CSV"),
        description=_("The rows of /api/v1/figures/volunteers/, one line each."),
        parameters=[query, within_parameter()],
        responses={(200, "text/csv"): OpenApiTypes.STR, **errors(400, 401, 404)},
    )
