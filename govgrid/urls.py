from django.contrib import admin
from django.urls import include, path

import consultations.urls
import exports.urls
import grids.urls
import incidents.urls
import networks.urls
import notifications.urls
import projects.urls
import ratings.urls
import redivision.urls
import residents.urls
import volunteers.urls
import workcalendar.urls
from govgrid.openapi import DocsView, SchemaView
from grids.accounts import RevokeToken, RotateToken, ThrottledAdminAuthenticationForm

admin.site.login_form = ThrottledAdminAuthenticationForm

# The API comes first and under one prefix, so resolving an API request tries only the API's
# routes; within it the phones' reports and cases first, as they carry most requests.
API_V1 = [
    *incidents.urls.api_urlpatterns,
    *grids.urls.api_urlpatterns,
    *exports.urls.api_urlpatterns,
    *workcalendar.urls.api_urlpatterns,
    *notifications.urls.api_urlpatterns,
    *residents.urls.api_urlpatterns,
    *consultations.urls.api_urlpatterns,
    *volunteers.urls.api_urlpatterns,
    *ratings.urls.api_urlpatterns,
    *projects.urls.api_urlpatterns,
    *redivision.urls.api_urlpatterns,
    *networks.urls.api_urlpatterns,
    path("auth/token/rotate/", RotateToken.as_view(), name="auth-token-rotate"),
    path("auth/token/revoke/", RevokeToken.as_view(), name="auth-token-revoke"),
]

urlpatterns = [
    path("api/v1/", include(API_V1)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("grids.urls")),
    path("", include("residents.urls")),  # before the case pages: /dispatch/residents/ is not a case
    path("", include("consultations.urls")),
    path("", include("volunteers.urls")),
    path("", include("ratings.urls")),
    path("", include("projects.urls")),
    path("", include("redivision.urls")),
    path("", include("networks.urls")),
    path("", include("incidents.urls")),
    path("", include("maps.urls")),
    path("", include("exports.urls")),
    path("", include("maps.tile_urls")),
    path("", include("open311.urls")),
    path("", include("notifications.urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", DocsView.as_view(), name="api-docs"),
]

handler404 = "govgrid.views.not_found"
handler500 = "govgrid.views.server_error"
