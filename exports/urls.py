"""The exports' URLs: /api/v1/export/<kind>.<format>, one URL per kind and format so each is documented
on its own (api_urlpatterns, included under /api/v1/ by govgrid/urls.py), and the exports page."""

from django.urls import path

from . import page
from .api import CoverageExportView, GridExportView, IncidentExportView, LoopFiguresExportView
from .plan import FORMATS

api_urlpatterns = [
    path(f"export/{view.kind}.{fmt}", view.as_view(fmt=fmt), name=f"export-{view.kind}-{fmt}")
    for view in (IncidentExportView, GridExportView, CoverageExportView)
    for fmt in FORMATS
] + [path("export/departments.csv", LoopFiguresExportView.as_view(), name="export-departments-csv")]

urlpatterns = [
    path("maps/exports/", page.exports_page, name="exports"),
]
