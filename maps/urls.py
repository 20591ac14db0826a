from django.urls import path

from . import coverage_page, density_page, home

urlpatterns = [
    path("", home.home, name="home"),
    path("maps/coverage/", coverage_page.coverage_map, name="coverage-map"),
    path("maps/coverage/grid/<str:code>/", coverage_page.coverage_grid, name="coverage-grid"),
]
urlpatterns += [
    path("maps/density/", density_page.density_map, name="density-map"),
    path("maps/density/grid/<str:code>/", density_page.density_grid, name="density-grid"),
]
