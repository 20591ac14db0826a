"""Vector tile URLs (maps/tiles.py), included from govgrid/urls.py."""

from django.urls import path

from . import tiles

urlpatterns = [
    path("maps/tiles/<str:layer>/<int:z>/<int:x>/<int:y>.pbf", tiles.tile, name="map-tile"),
]
