"""The reports part of the volunteers' routes (volunteers/urls.py joins the parts): a member's
ledger, the totals per member, the work units' quarterly reports and the work units' page."""

from django.urls import path

from . import api_reports, pages_reports

api_urlpatterns = [  # under /api/v1/ (govgrid/urls.py)
    path("volunteers/ledger/", api_reports.MemberLedgerView.as_view(), name="volunteer-ledger"),
    path("volunteers/totals/", api_reports.MemberTotalsView.as_view(), name="volunteer-totals"),
    path(
        "work-units/<int:pk>/reports/<int:year>-Q<int:quarter>.csv",
        api_reports.ReportCsvView.as_view(),
        name="work-unit-report-csv",
    ),
    path(
        "work-units/<int:pk>/reports/<int:year>-Q<int:quarter>.pdf",
        api_reports.ReportPdfView.as_view(),
        name="work-unit-report-pdf",
    ),
]
urlpatterns = [
    path("volunteers/work-units/", pages_reports.work_units_page, name="work-units"),
]
