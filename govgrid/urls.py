from django.contrib import admin
from django.urls import include, path

from grids.accounts import ThrottledAdminAuthenticationForm

admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("grids.urls")),
    path("", include("incidents.urls")),
    path("", include("maps.urls")),
    path("", include("maps.tile_urls")),
    path("", include("maps.export_urls")),
]

handler404 = "govgrid.views.not_found"
handler500 = "govgrid.views.server_error"
