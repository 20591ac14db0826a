"""The service requests' routes (volunteers/urls.py joins the parts)."""

from django.urls import path

from . import api_requests as api
from . import member_page, resident_pages, staff_pages

api_urlpatterns = [  # under /api/v1/ (govgrid/urls.py)
    path("service-requests/", api.RequestListView.as_view(), name="service-request-list"),
    path("service-requests/<str:code>/", api.RequestView.as_view(), name="service-request-detail"),
    *[
        path(f"service-requests/<str:code>/{name}/", view.as_view(), name=f"service-request-{name}")
        for name, view in api.ACTION_VIEWS.items()
    ],
    path("service-requests/<str:code>/photos/<int:photo_id>/", api.PhotoView.as_view(), name="service-request-photo"),
    path("service-kinds/", api.KindsView.as_view(), name="service-kinds"),
    path("resident/services/", api.ResidentAskView.as_view(), name="resident-service"),
    path("resident/services/<str:secret>/", api.ResidentFollowView.as_view(), name="resident-service-follow"),
    path("resident/services/<str:secret>/confirm/", api.ResidentConfirmView.as_view(), name="resident-service-confirm"),
    path("resident/services/<str:secret>/cancel/", api.ResidentCancelView.as_view(), name="resident-service-cancel"),
]
urlpatterns = [
    path("r/<str:token>/service/", resident_pages.ask_page, name="resident-service-ask"),
    path("r/s/<str:secret>/", resident_pages.follow_page, name="resident-service-page"),
    path("v/", member_page.member_page, name="member"),
    path("v/sw.js", member_page.service_worker, name="member-sw"),
    path("volunteers/requests/", staff_pages.requests_page, name="service-requests"),
    path("volunteers/requests/<str:code>/", staff_pages.request_page, name="service-request"),
]
