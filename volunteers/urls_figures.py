"""The figures part of the volunteers' routes (volunteers/urls.py joins the parts)."""

from django.urls import path

from . import api_figures

api_urlpatterns = [  # under /api/v1/ (govgrid/urls.py)
    path("figures/volunteers/", api_figures.VolunteerFiguresView.as_view(), name="volunteer-figures"),
    path("export/volunteers.csv", api_figures.VolunteerFiguresExportView.as_view(), name="export-volunteers-csv"),
]
urlpatterns = []
