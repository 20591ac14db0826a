"""The activities part of the volunteers' routes (volunteers/urls.py joins the parts): activities,
their sign-ups, check-ins and the organiser's code, and the volunteer teams."""

from django.urls import path

from . import api_activities as api
from . import pages_activities as pages

api_urlpatterns = [  # under /api/v1/ (govgrid/urls.py)
    path("activities/", api.ActivityListView.as_view(), name="activity-list"),
    path("activities/<int:pk>/", api.ActivityView.as_view(), name="activity-detail"),
    path("activities/<int:pk>/cancel/", api.ActivityCancelView.as_view(), name="activity-cancel"),
    path("activities/<int:pk>/sign-up/", api.ActivitySignUpView.as_view(), name="activity-sign-up"),
    path("activities/<int:pk>/check-in/", api.ActivityCheckInView.as_view(), name="activity-check-in"),
    path("activities/<int:pk>/attendance/", api.ActivityAttendanceView.as_view(), name="activity-attendance"),
    path("activities/<int:pk>/code/", api.ActivityCodeView.as_view(), name="activity-code"),
    path("volunteer-teams/", api.TeamListView.as_view(), name="volunteer-team-list"),
    path("volunteer-teams/<int:pk>/", api.TeamView.as_view(), name="volunteer-team-detail"),
    path("volunteer-teams/<int:pk>/members/", api.TeamMembersView.as_view(), name="volunteer-team-members"),
    path(
        "volunteer-teams/<int:pk>/members/<int:person>/",
        api.TeamMemberView.as_view(),
        name="volunteer-team-member",
    ),
]

urlpatterns = [
    path("volunteers/activities/", pages.activities_page, name="volunteer-activities"),
    path("volunteers/activities/<int:pk>/code/", pages.code_page, name="volunteer-activity-code"),
    path("volunteers/activities/<int:pk>/code/<int:step>.svg", pages.code_qr, name="volunteer-activity-code-qr"),
]
