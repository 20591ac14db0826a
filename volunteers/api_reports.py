"""The API of members' ledgers, their totals and the work units' quarterly reports: who reads whose
figures is volunteers.members', the report's rows volunteers.reports', the PDF's drawing
volunteers.report_pdf's; these views check the input and answer."""

import io
import tempfile
from datetime import date

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from exports.api import AnyAccept
from govgrid.lib.api_input import checked
from govgrid.lib.errors import GovgridError
from govgrid.lib.privacy import personal_data
from grids.api import AreaCodeField
from grids.scopes import Scope

from . import members, reports
from . import schema_reports as docs
from .models import LedgerEntry
from .report_pdf import report_pdf


class ScopedView(APIView):
    permission_classes = [IsAuthenticated]

    @property
    def scope(self):
        return Scope.for_user(self.request.user)


class LedgerQuery(serializers.Serializer):
    person = serializers.IntegerField(min_value=1, required=False, help_text=gettext_lazy("The member."))
    mine = serializers.BooleanField(required=False, default=False, help_text=gettext_lazy("The caller's own ledger."))


@personal_data  # a member's record of service
class MemberLedgerView(ScopedView):
    """GET /api/v1/volunteers/ledger/?person=<id> | ?mine=1"""

    @docs.member_ledger(LedgerQuery)
    def get(self, request):
        query = checked(LedgerQuery, request.query_params)
        scope = self.scope
        if query.get("person") and not query["mine"]:
            person_id = query["person"]
        elif scope.person_id is not None:  # mine=1, or nobody named: the caller's own
            person_id = scope.person_id
        elif query["mine"]:
            raise GovgridError(_("Your login is not a member's: name the member."), field="mine")
        else:  # an account of no person asking for nobody: a ledger with nothing in it
            return Response({"person": None, "rows": [], "totals": members.totals(LedgerEntry.objects.none())})
        person = members.member_seen(scope, person_id)
        return Response(docs.MemberLedger(members.ledger_page(person)).data)


class TotalsQuery(serializers.Serializer):
    work_unit = serializers.IntegerField(min_value=1, required=False, help_text=gettext_lazy("The work unit."))
    within = AreaCodeField(required=False)
    year = serializers.IntegerField(
        min_value=reports.FIRST_YEAR, max_value=reports.LAST_YEAR, required=False,
        help_text=gettext_lazy("Only the ledger rows of this year."),
    )  # fmt: skip

    def validate(self, data):
        if bool(data.get("work_unit")) == bool(data.get("within")):
            raise serializers.ValidationError({"work_unit": gettext_lazy("Give a work unit or an area, one of them.")})
        return data


@personal_data
class MemberTotalsView(ScopedView):
    """GET /api/v1/volunteers/totals/?work_unit=<id> | ?within=<community code> [&year=YYYY]"""

    @docs.member_totals(TotalsQuery)
    def get(self, request):
        query = checked(TotalsQuery, request.query_params)
        scope = self.scope
        unit = members.work_unit_seen(scope, query["work_unit"]) if query.get("work_unit") else None
        within = scope.area_seen(query["within"], field="within") if query.get("within") else None
        year = query.get("year")
        since, until = (date(year, 1, 1), date(year + 1, 1, 1)) if year else (None, None)
        answer = members.member_totals(scope, work_unit=unit, within=within, since=since, until=until)
        return Response(docs.MemberTotals(answer).data)


class _ReportView(ScopedView):
    content_negotiation_class = AnyAccept

    def report_of(self, pk, year, quarter):
        quarter = reports.Quarter.checked(year, quarter)
        scope = self.scope
        return scope, members.work_unit_seen(scope, pk), quarter


def _filename(unit, quarter, extension):
    return f"work-unit-{unit.pk}-{quarter.slug}.{extension}"


@personal_data  # an export: never kept by a shared browser or a proxy
class ReportCsvView(_ReportView):
    """GET /api/v1/work-units/<id>/reports/<year>-Q<n>.csv"""

    @docs.report_csv
    def get(self, request, pk, year, quarter):
        scope, unit, quarter = self.report_of(pk, year, quarter)
        out = tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+b")
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        reports.report_csv(text, scope, unit, quarter)
        text.detach()
        out.seek(0)
        return FileResponse(
            out, as_attachment=True, filename=_filename(unit, quarter, "csv"), content_type="text/csv; charset=utf-8"
        )


@personal_data
class ReportPdfView(_ReportView):
    """GET /api/v1/work-units/<id>/reports/<year>-Q<n>.pdf"""

    @docs.report_pdf
    def get(self, request, pk, year, quarter):
        scope, unit, quarter = self.report_of(pk, year, quarter)
        answer = HttpResponse(report_pdf(reports.report(scope, unit, quarter)), content_type="application/pdf")
        answer["Content-Disposition"] = f'attachment; filename="{_filename(unit, quarter, "pdf")}"'
        return answer
