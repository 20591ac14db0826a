from django.urls import path

from . import api

api_urlpatterns = [  # under /api/v1/ (govgrid/urls.py)
    path("calendar/", api.CalendarView.as_view(), name="calendar"),
]
