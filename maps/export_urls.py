"""/api/v1/export/<kind>.<format>: one URL per kind and format, so each is documented on its own. Included
under /api/v1/ by govgrid/urls.py."""

from django.urls import path

from .api import CoverageExportView, GridExportView, IncidentExportView
from .exports import FORMATS

api_urlpatterns = [
    path(f"export/{view.kind}.{fmt}", view.as_view(fmt=fmt), name=f"export-{view.kind}-{fmt}")
    for view in (IncidentExportView, GridExportView, CoverageExportView)
    for fmt in FORMATS
]
