"""Network fusion's routes: the pages and, under /api/v1/ (govgrid/urls.py), the API."""

from django.urls import path

from . import api, pages

L = "networks/layers/<int:pk>"

api_urlpatterns = [  # under /api/v1/ (govgrid/urls.py)
    path("networks/layers/", api.LayerListView.as_view(), name="network-layers"),
    path(f"{L}/", api.LayerDetailView.as_view(), name="network-layer"),
    path(f"{L}/overlap/", api.OverlapView.as_view(), name="network-overlap"),
    path(f"{L}/overlap.csv", api.OverlapCsvView.as_view(), name="network-overlap-csv"),
    path(f"{L}/accept-defaults/", api.AcceptDefaultsView.as_view(), name="network-accept-defaults"),
    path(f"{L}/cells/<str:code>/mapping/", api.CellMappingView.as_view(), name="network-cell-mapping"),
    path(f"{L}/place/", api.PlaceView.as_view(), name="network-place"),
    path(f"{L}/figures/", api.FiguresView.as_view(), name="network-figures"),
]

urlpatterns = [
    path("networks/", pages.layers_page, name="network-layers-page"),
    path("networks/<int:pk>/", pages.layer_page, name="network-layer-page"),
]
