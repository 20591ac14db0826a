from django.urls import path

from . import api

urlpatterns = [
    path("api/v1/areas/", api.AreaListView.as_view(), name="area-list"),
    path("api/v1/areas/lookup/", api.AreaLookupView.as_view(), name="area-lookup"),
    path("api/v1/areas/<str:code>/", api.AreaDetailView.as_view(), name="area-detail"),
]
