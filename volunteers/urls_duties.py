"""The duties part of the volunteers' routes (volunteers/urls.py joins the parts): the grid Party
groups' visits and meetings (三个一) and what they find."""

from django.urls import path

from . import api_duties as api

api_urlpatterns = [  # under /api/v1/ (govgrid/urls.py)
    path("visits/", api.VisitListView.as_view(), name="visit-list"),
    path("visits/due/", api.VisitsDueView.as_view(), name="visit-due"),
    path("visits/<int:pk>/findings/", api.VisitFindingView.as_view(), name="visit-findings"),
    path("party-meetings/", api.MeetingListView.as_view(), name="party-meeting-list"),
    path("party-meetings/<int:pk>/findings/", api.MeetingFindingView.as_view(), name="party-meeting-findings"),
    path("party-meetings/<int:pk>/requests/", api.MeetingServiceRequestView.as_view(), name="party-meeting-requests"),
]
urlpatterns = []
