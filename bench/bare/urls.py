"""The site's URLs plus the benchmarks' peers, for bench/settings_bench.py."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/bare/points/", views.insert_point, name="bench-bare-insert"),
    path("bench/bare/token-points/", views.TokenInsertPoint.as_view(), name="bench-token-insert"),
    path("bench/bare/incidents.geojson", views.NaiveIncidentExport.as_view(), name="bench-bare-incidents"),
    path("", include("govgrid.urls")),
]

handler404 = "govgrid.views.not_found"
handler500 = "govgrid.views.server_error"
