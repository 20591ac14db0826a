"""How the members' ledger, their totals and the work units' reports are described in the OpenAPI
document (beside their views in volunteers/api_reports.py). The answers are made with these
serializers too, so the description and the answer cannot drift apart."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from govgrid.lib.errors import errors
from grids.schema import within_parameter

TAG = ["volunteers"]


def amount(**kwargs):
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


class LedgerTotals(serializers.Serializer):
    hours = amount(help_text=_("The sum of the rows' hours."))
    points = amount(help_text=_("The sum of the rows' points."))
    services = serializers.IntegerField(help_text=_("Rows crediting a service's hours."))
    activities = serializers.IntegerField(help_text=_("Rows crediting an activity's hours."))


class LedgerRow(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_("service_hours, rated_service, activity_hours or correction."))
    kind_label = serializers.CharField()
    on = serializers.DateField()
    hours = amount()
    points = amount()
    community = serializers.CharField(allow_blank=True)
    request = serializers.CharField(allow_blank=True, help_text=_("The tracking code of the service credited."))
    activity = serializers.CharField(allow_blank=True, help_text=_("The title of the activity credited."))
    note = serializers.CharField(allow_blank=True)


class LedgerMember(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MemberLedger(serializers.Serializer):
    person = LedgerMember(allow_null=True, help_text=_("None for an account that is no person's, naming nobody."))
    rows = LedgerRow(many=True)
    totals = LedgerTotals()


class TotalsFigures(serializers.Serializer):
    hours = amount()
    points = amount()
    services = serializers.IntegerField()
    rated_services = serializers.IntegerField()
    activities = serializers.IntegerField()


class MemberTotalsRow(TotalsFigures):
    person = serializers.IntegerField()
    name = serializers.CharField()
    work_unit = serializers.IntegerField(allow_null=True)
    work_unit_name = serializers.CharField(allow_blank=True)


class MemberTotals(serializers.Serializer):
    members = MemberTotalsRow(many=True)
    totals = TotalsFigures(help_text=_("The sums over the members."))


def member_ledger(query):
    return extend_schema(
        operation_id="volunteer_ledger",
        tags=TAG,
        summary=_("A member's points ledger: the rows and their totals"),
        description=_(
            "`person=<id>` or `mine=1` for the caller's own. The totals are the sums of the rows. Seen by the "
            "member, the staff of the areas they live or serve in, their work unit's contact, and the district's "
            "leaders and analysts; anyone else gets 404."
        ),
        parameters=[query],
        responses={200: MemberLedger, **errors(400, 401, 404)},
    )


def member_totals(query):
    return extend_schema(
        operation_id="volunteer_totals",
        tags=TAG,
        summary=_("Hours and points per member of a work unit or an area"),
        description=_(
            "`work_unit=<id>` or `within=<code>` (members living or serving in the area); `year` limits the "
            "ledger rows to one year."
        ),
        parameters=[query, within_parameter()],
        responses={200: MemberTotals, **errors(400, 401, 404)},
    )


QUARTER_PARAMETERS = [
    OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The work unit.")),
    OpenApiParameter("year", OpenApiTypes.INT, OpenApiParameter.PATH),
    OpenApiParameter("quarter", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("1 to 4.")),
]


report_csv = extend_schema(
    operation_id="work_unit_report_csv",
    tags=TAG,
    summary=_("A work unit's quarterly report (dual registration feedback) as CSV"),
    description=_("One line per member the caller reads; text cells are spreadsheet-safe."),
    parameters=QUARTER_PARAMETERS,
    responses={(200, "text/csv"): OpenApiTypes.STR, **errors(400, 401, 404)},
)

report_pdf = extend_schema(
    operation_id="work_unit_report_pdf",
    tags=TAG,
    summary=_("A work unit's quarterly report as PDF, addressed to its Party organisation"),
    parameters=QUARTER_PARAMETERS,
    responses={(200, "application/pdf"): OpenApiTypes.BINARY, **errors(400, 401, 404)},
)
