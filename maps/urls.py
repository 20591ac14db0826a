from django.urls import path

from . import export_page, views

urlpatterns = [
    path("", views.home, name="home"),
    path("maps/coverage/", views.coverage_map, name="coverage-map"),
    path("maps/coverage/grid/<str:code>/", views.coverage_grid, name="coverage-grid"),
]
urlpatterns += [
    path("maps/density/", views.density_map, name="density-map"),
    path("maps/density/grid/<str:code>/", views.density_grid, name="density-grid"),
]
urlpatterns += [
    path("maps/exports/", export_page.exports_page, name="exports"),
]
