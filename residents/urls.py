from django.urls import path

from . import api, pages, poster_pages, public

api_urlpatterns = [  # under /api/v1/ (govgrid/urls.py)
    path("resident/reports/", api.ResidentReportView.as_view(), name="resident-report"),
    path("resident/reports/<str:secret>/", api.FollowView.as_view(), name="resident-report-follow"),
    path("resident/reports/<str:secret>/rate/", api.RateView.as_view(), name="resident-report-rate"),
    path("resident/reports/<str:secret>/notes/", api.AddView.as_view(), name="resident-report-add"),
    path("resident-reports/", api.PendingView.as_view(), name="resident-report-pending"),
    path("figures/residents/", api.ResidentFiguresView.as_view(), name="resident-figures"),
    path(
        "resident-reports/<str:code>/photos/<int:photo_id>/",
        api.ReportPhotoView.as_view(),
        name="resident-report-photo",
    ),
    path("resident-reports/<str:code>/<str:decision>/", api.DecisionView.as_view(), name="resident-report-decide"),
]

urlpatterns = [
    path("r/sw.js", pages.service_worker, name="resident-sw"),
    path("r/t/<str:secret>/", pages.follow_page, name="resident-follow"),
    path("r/<str:token>/", pages.resident_page, name="resident-page"),
    path("dispatch/residents/", pages.pending_page, name="resident-pending"),
    path("public/<str:code>/", public.community_page, name="public-community"),
    path("dispatch/posters/", poster_pages.posters_page, name="resident-posters"),
    path("dispatch/posters/<str:code>.<str:fmt>", poster_pages.poster_file, name="resident-poster-file"),
]
